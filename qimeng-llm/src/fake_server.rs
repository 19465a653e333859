//! A scripted chat-completions server on 127.0.0.1 for tests (feature `fake-server`): plain
//! `std::net`, one thread per connection, each request answered by the next step of a script,
//! every request recorded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::client::Message;

/// One scripted response.
#[derive(Clone, Debug)]
pub enum Step {
    /// 200 with a chat completion whose content is this text.
    Answer(String),
    /// This status and body, with an optional `Retry-After` header.
    Status {
        /// HTTP status.
        code: u16,
        /// Body.
        body: String,
        /// `Retry-After` value.
        retry_after: Option<String>,
    },
    /// Accept, read the request, then say nothing for this long and close.
    Hang(Duration),
    /// 200 with this raw body (e.g. truncated JSON).
    Raw(String),
}

impl Step {
    /// A 200 chat completion saying `text`.
    pub fn answer(text: impl Into<String>) -> Step {
        Step::Answer(text.into())
    }

    /// An OpenAI-style error.
    pub fn error(code: u16, message: &str) -> Step {
        Step::Status {
            code,
            body:
                serde_json::json!({"error": {"message": message, "type": "invalid_request_error"}})
                    .to_string(),
            retry_after: None,
        }
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Request line, e.g. `POST /v1/chat/completions HTTP/1.1`.
    pub request_line: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Recorded {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The messages of the request.
    pub fn messages(&self) -> Vec<Message> {
        serde_json::from_value(self.json()["messages"].clone()).unwrap_or_default()
    }
}

/// The server; stops when dropped.
pub struct FakeServer {
    addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Starts a server answering request `n` with `script[n]`, and with a 500 once the script
    /// is used up.
    pub fn start(script: Vec<Step>) -> std::io::Result<FakeServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script = Arc::new(Mutex::new(script.into_iter()));
        let (reqs, stopped) = (requests.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (reqs, script) = (reqs.clone(), script.clone());
                std::thread::spawn(move || serve(conn, &reqs, &script));
            }
        });
        Ok(FakeServer {
            addr,
            requests,
            stop,
            handle: Some(handle),
        })
    }

    /// `http://127.0.0.1:<port>/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

type Script = Mutex<std::vec::IntoIter<Step>>;

fn serve(conn: TcpStream, reqs: &Mutex<Vec<Recorded>>, script: &Script) {
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
            if k == "content-length" {
                len = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    if let Ok(mut r) = reqs.lock() {
        r.push(Recorded {
            request_line: request_line.trim_end().to_string(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    let step = script.lock().ok().and_then(|mut s| s.next());
    let mut conn = conn;
    let (code, body, retry_after) = match step {
        Some(Step::Answer(text)) => (
            200,
            serde_json::json!({
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "model": "fake",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}],
            })
            .to_string(),
            None,
        ),
        Some(Step::Status {
            code,
            body,
            retry_after,
        }) => (code, body, retry_after),
        Some(Step::Hang(d)) => {
            std::thread::sleep(d);
            return;
        }
        Some(Step::Raw(body)) => (200, body, None),
        None => (
            500,
            "{\"error\": {\"message\": \"script used up\"}}".into(),
            None,
        ),
    };
    let mut head = format!(
        "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(r) = retry_after {
        head.push_str(&format!("Retry-After: {r}\r\n"));
    }
    head.push_str("\r\n");
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body.as_bytes());
    let _ = conn.flush();
}
