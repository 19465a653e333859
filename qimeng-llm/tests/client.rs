//! The chat client against a real HTTP server on 127.0.0.1 (the scripted fake server).

use std::time::{Duration, Instant};

use qimeng_llm::fake_server::{FakeServer, Step};
use qimeng_llm::{ApiKey, CallErrorKind, Client, Config, Message};

const KEY: &str = "sk-test-0123456789abcdef";

fn client(server: &FakeServer) -> Client {
    let mut c = Config::new(server.base_url(), "fake-model");
    c.api_key = Some(ApiKey::new(KEY));
    c.connect_timeout = Duration::from_secs(2);
    c.read_timeout = Duration::from_secs(5);
    c.retries = 2;
    c.backoff = Duration::from_millis(20);
    c.budget = Duration::from_secs(30);
    Client::new(c)
}

fn ask(c: &Client) -> Result<qimeng_llm::Reply, qimeng_llm::CallError> {
    c.chat(
        "test call",
        &[Message::system("s"), Message::user("hello")],
        Instant::now() + Duration::from_secs(30),
    )
}

/// The key went out in the Authorization header and nowhere else.
fn key_only_in_authorization(server: &FakeServer) {
    for r in server.requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
        assert!(!r.body.contains(KEY));
        assert!(
            r.headers
                .iter()
                .filter(|(k, _)| k != "authorization")
                .all(|(_, v)| !v.contains(KEY))
        );
    }
}

#[test]
fn an_answer_and_the_request_sent() {
    let s = FakeServer::start(vec![Step::answer("hi there")]).unwrap();
    let reply = ask(&client(&s)).unwrap();
    assert_eq!(reply.content, "hi there");
    assert_eq!(reply.requests, 1);
    let reqs = s.requests();
    assert_eq!(reqs[0].request_line, "POST /v1/chat/completions HTTP/1.1");
    assert_eq!(reqs[0].json()["model"], "fake-model");
    assert_eq!(reqs[0].messages()[1], Message::user("hello"));
    key_only_in_authorization(&s);
}

#[test]
fn a_429_waits_as_retry_after_says() {
    let s = FakeServer::start(vec![
        Step::Status {
            code: 429,
            body: "{\"error\": {\"message\": \"rate limited\"}}".into(),
            retry_after: Some("1".into()),
        },
        Step::answer("ok"),
    ])
    .unwrap();
    let t = Instant::now();
    let reply = ask(&client(&s)).unwrap();
    // Retry-After (1 s), not the 20 ms backoff.
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "{:?}",
        t.elapsed()
    );
    assert_eq!((reply.content.as_str(), reply.requests), ("ok", 2));
    key_only_in_authorization(&s);
}

#[test]
fn a_500_is_retried_then_reported_with_the_call_and_the_server_message() {
    let s = FakeServer::start(vec![Step::error(500, "overloaded"); 3]).unwrap();
    let e = ask(&client(&s)).unwrap_err();
    let msg = e.to_string();
    assert_eq!(s.requests().len(), 3, "1 request + 2 retries");
    assert!(msg.contains("`test call`"), "{msg}");
    assert!(
        msg.contains("HTTP 500: overloaded (after 3 requests)"),
        "{msg}"
    );
    assert!(msg.contains("/v1/chat/completions"), "{msg}");
    assert!(!msg.contains(KEY));
    // One 500, then an answer: fine.
    let s = FakeServer::start(vec![Step::error(503, "busy"), Step::answer("ok")]).unwrap();
    assert_eq!(ask(&client(&s)).unwrap().content, "ok");
}

#[test]
fn a_hang_past_the_read_timeout_is_a_timeout() {
    let s = FakeServer::start(vec![Step::Hang(Duration::from_secs(3)); 2]).unwrap();
    let mut c = Config::new(s.base_url(), "m");
    c.read_timeout = Duration::from_millis(300);
    c.retries = 1;
    c.backoff = Duration::from_millis(10);
    let t = Instant::now();
    let e = Client::new(c)
        .chat(
            "hang",
            &[Message::user("x")],
            Instant::now() + Duration::from_secs(20),
        )
        .unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(
        matches!(e.kind, CallErrorKind::Timeout { requests: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[test]
fn the_budget_stops_retries() {
    let s = FakeServer::start(vec![Step::Status {
        code: 429,
        body: "{}".into(),
        retry_after: Some("60".into()),
    }])
    .unwrap();
    let t = Instant::now();
    let e = client(&s)
        .chat(
            "budget",
            &[Message::user("x")],
            Instant::now() + Duration::from_secs(2),
        )
        .unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(1));
    assert!(e.to_string().contains("would pass the time budget"), "{e}");
}

#[test]
fn truncated_json_is_named_and_retried() {
    let cut = "{\"choices\": [{\"message\": {\"content\": \"par";
    let s = FakeServer::start(vec![Step::Raw(cut.into()); 3]).unwrap();
    let e = ask(&client(&s)).unwrap_err();
    assert!(e.to_string().contains("truncated JSON"), "{e}");
    assert_eq!(s.requests().len(), 3);
    let s = FakeServer::start(vec![Step::Raw(cut.into()), Step::answer("whole")]).unwrap();
    assert_eq!(ask(&client(&s)).unwrap().content, "whole");
    // Not JSON at all: not retried.
    let s = FakeServer::start(vec![Step::Raw("<html>proxy error</html>".into())]).unwrap();
    let e = ask(&client(&s)).unwrap_err();
    assert!(e.to_string().contains("not a chat completion"), "{e}");
    assert_eq!(s.requests().len(), 1);
}

#[test]
fn an_answer_of_several_megabytes() {
    let big = "x".repeat(5 << 20);
    let s = FakeServer::start(vec![Step::answer(big.clone())]).unwrap();
    assert_eq!(ask(&client(&s)).unwrap().content.len(), big.len());
    // Past the limit: an error that says so, not an allocation without bound.
    let s = FakeServer::start(vec![Step::answer(big)]).unwrap();
    let mut c = Config::new(s.base_url(), "m");
    c.max_response_bytes = 1 << 20;
    let e = Client::new(c)
        .chat(
            "big",
            &[Message::user("x")],
            Instant::now() + Duration::from_secs(20),
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("larger than the 1048576-byte limit"),
        "{e}"
    );
}

#[test]
fn an_unknown_model_fails_at_once_with_the_servers_words() {
    let s = FakeServer::start(vec![Step::error(
        404,
        "The model `fake-model` does not exist or you do not have access to it.",
    )])
    .unwrap();
    let e = ask(&client(&s)).unwrap_err();
    assert_eq!(s.requests().len(), 1, "a 404 is not retried");
    assert!(
        e.to_string()
            .contains("HTTP 404: The model `fake-model` does not exist"),
        "{e}"
    );
}

#[test]
fn a_server_that_echoes_the_key_does_not_leak_it_into_the_error() {
    let s = FakeServer::start(vec![Step::error(401, &format!("bad key {KEY}"))]).unwrap();
    let e = ask(&client(&s)).unwrap_err();
    assert!(!e.to_string().contains(KEY), "{e}");
    assert!(!format!("{e:?}").contains(KEY));
    assert!(e.to_string().contains("bad key [redacted]"), "{e}");
}

#[test]
fn nothing_listening_is_a_connection_error() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut c = Config::new(format!("http://{addr}/v1"), "m");
    c.retries = 0;
    let e = Client::new(c)
        .chat(
            "refused",
            &[Message::user("x")],
            Instant::now() + Duration::from_secs(5),
        )
        .unwrap_err();
    assert!(matches!(e.kind, CallErrorKind::Connection { .. }), "{e}");
}
