//! A client for OpenAI-compatible chat completions (`POST <base>/chat/completions`), as spoken
//! by OpenAI, DeepSeek, vLLM, the llama.cpp server and Ollama.
//!
//! One [`Client::chat`] is one *call*: it may send the request several times (after a 429, a
//! 5xx, a timeout or a broken connection, waiting as the server's `Retry-After` says or with
//! doubling backoff) but never past the deadline it is given. Every error names the call, the
//! URL (without credentials) and what went wrong; the API key appears only in the
//! `Authorization` header.
//!
//! Without the `http` feature the client sends nothing: [`Client::chat`] fails at once with
//! [`CallErrorKind::NoHttp`], and the response plumbing below is unused.
#![cfg_attr(not(feature = "http"), allow(dead_code))]

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::secret::redact;

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
}

impl Message {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Message {
        Message {
            role: "system".into(),
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: "user".into(),
            content: content.into(),
        }
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Message {
        Message {
            role: "assistant".into(),
            content: content.into(),
        }
    }
}

/// The model's answer to one call.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// The text of the first choice.
    pub content: String,
    /// How many HTTP requests the call took (1 when the first one succeeded).
    pub requests: u32,
    /// Why the call finished, as the server says (`stop`, `length`, ...), if it says.
    pub finish_reason: Option<String>,
}

/// A chat-completions client over one [`Config`].
#[derive(Clone, Debug)]
pub struct Client {
    config: Config,
    #[cfg(feature = "http")]
    agent: ureq::Agent,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    messages: &'a [Message],
    temperature: f32,
    stream: bool,
}

#[derive(Deserialize)]
struct Response {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Client {
        #[cfg(not(feature = "http"))]
        return Client { config };
        #[cfg(feature = "http")]
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_recv_response(Some(config.read_timeout))
            .timeout_recv_body(Some(config.read_timeout))
            .user_agent(concat!("qimeng-llm/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        #[cfg(feature = "http")]
        Client { config, agent }
    }

    /// Its configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The endpoint the client posts to.
    pub fn url(&self) -> String {
        format!("{}/chat/completions", self.config.base_url)
    }

    /// Sends `messages` and returns the answer. `call` names the call in errors (e.g.
    /// `"stage 1a (sketch), attempt 2"`); nothing is sent or waited for past `deadline`.
    pub fn chat(
        &self,
        call: &str,
        messages: &[Message],
        deadline: Instant,
    ) -> Result<Reply, CallError> {
        let fail = |kind: CallErrorKind| CallError {
            call: call.to_string(),
            url: redact(&self.config.display_url(), self.config.api_key.as_ref())
                + "/chat/completions",
            kind,
        };
        let body = Request {
            model: &self.config.model,
            messages,
            temperature: self.config.temperature,
            stream: false,
        };
        let mut requests = 0;
        let mut backoff = self.config.backoff;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(fail(CallErrorKind::Budget { requests }));
            }
            requests += 1;
            let outcome = self.send_once(&body, deadline - now);
            let retry_after = match outcome {
                Ok(Attempt::Answer(content, finish_reason)) => {
                    return Ok(Reply {
                        content,
                        requests,
                        finish_reason,
                    });
                }
                Ok(Attempt::Fatal(kind)) => return Err(fail(kind)),
                Ok(Attempt::Retry(kind, retry_after)) => {
                    if requests > self.config.retries {
                        return Err(fail(kind.after(requests)));
                    }
                    let wait = retry_after.unwrap_or(backoff).min(self.config.max_backoff);
                    if Instant::now() + wait >= deadline {
                        return Err(fail(CallErrorKind::BudgetDuringRetry {
                            last: Box::new(kind.after(requests)),
                            wait,
                        }));
                    }
                    wait
                }
                Err(kind) => return Err(fail(kind)),
            };
            std::thread::sleep(retry_after);
            backoff = (backoff * 2).min(self.config.max_backoff);
        }
    }

    #[cfg(not(feature = "http"))]
    fn send_once(&self, _: &Request<'_>, _: Duration) -> Result<Attempt, CallErrorKind> {
        Err(CallErrorKind::NoHttp)
    }

    #[cfg(feature = "http")]
    fn send_once(&self, body: &Request<'_>, remaining: Duration) -> Result<Attempt, CallErrorKind> {
        let key = self.config.api_key.as_ref();
        let mut req = self
            .agent
            .post(self.url())
            .config()
            .timeout_global(Some(remaining))
            .build()
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        if let Some(k) = key {
            req = req.header("Authorization", format!("Bearer {}", k.expose()));
        }
        let json = serde_json::to_vec(body).map_err(|e| CallErrorKind::Protocol {
            why: format!("cannot encode the request: {e}"),
        })?;
        let mut resp = match req.send(&json[..]) {
            Ok(r) => r,
            Err(e) => return Ok(transport(e, key, self.config.read_timeout)),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let text = match resp
            .body_mut()
            .with_config()
            .limit(self.config.max_response_bytes)
            .read_to_string()
        {
            Ok(t) => t,
            Err(ureq::Error::BodyExceedsLimit(limit)) => {
                return Err(CallErrorKind::TooLarge { limit });
            }
            Err(e) => return Ok(transport(e, key, self.config.read_timeout)),
        };
        if status == 429 || (500..600).contains(&status) {
            return Ok(Attempt::Retry(
                CallErrorKind::Status {
                    status,
                    message: server_message(&text, key),
                    requests: 0,
                },
                retry_after,
            ));
        }
        if !(200..300).contains(&status) {
            return Ok(Attempt::Fatal(CallErrorKind::Status {
                status,
                message: server_message(&text, key),
                requests: 1,
            }));
        }
        let parsed: Response = match serde_json::from_str(&text) {
            Ok(r) => r,
            // A body cut short is a broken connection more often than a broken server.
            Err(e) if e.is_eof() => {
                return Ok(Attempt::Retry(
                    CallErrorKind::Protocol {
                        why: format!(
                            "the response body ends early ({} bytes, {e}): truncated JSON",
                            text.len()
                        ),
                    },
                    None,
                ));
            }
            Err(e) => {
                return Ok(Attempt::Fatal(CallErrorKind::Protocol {
                    why: format!(
                        "the response is not a chat completion ({e}); it starts {:?}",
                        redact(&text.chars().take(200).collect::<String>(), key)
                    ),
                }));
            }
        };
        let Some(choice) = parsed.choices.into_iter().next() else {
            return Ok(Attempt::Fatal(CallErrorKind::Protocol {
                why: "the response has no choices".into(),
            }));
        };
        Ok(Attempt::Answer(
            choice.message.content.unwrap_or_default(),
            choice.finish_reason,
        ))
    }
}

enum Attempt {
    Answer(String, Option<String>),
    Retry(CallErrorKind, Option<Duration>),
    Fatal(CallErrorKind),
}

#[cfg(feature = "http")]
fn transport(e: ureq::Error, key: Option<&crate::ApiKey>, read_timeout: Duration) -> Attempt {
    let why = redact(&e.to_string(), key);
    match e {
        ureq::Error::Timeout(t) => Attempt::Retry(
            CallErrorKind::Timeout {
                what: format!("{t:?}"),
                read_timeout,
                requests: 0,
            },
            None,
        ),
        ureq::Error::Io(_) | ureq::Error::ConnectionFailed | ureq::Error::Protocol(_) => {
            Attempt::Retry(CallErrorKind::Connection { why, requests: 0 }, None)
        }
        _ => Attempt::Fatal(CallErrorKind::Connection { why, requests: 1 }),
    }
}

/// `Retry-After` in seconds (`120`, `1.5`); an HTTP date is not interpreted (the backoff applies).
fn parse_retry_after(v: &str) -> Option<Duration> {
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The server's own error message (`{"error": {"message": ..}}` in the OpenAI format), else the
/// start of the body.
fn server_message(body: &str, key: Option<&crate::ApiKey>) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let e = v.get("error")?;
            Some(match e.get("message").and_then(|m| m.as_str()) {
                Some(m) => m.to_string(),
                None => e.to_string(),
            })
        });
    let text = from_json.unwrap_or_else(|| body.chars().take(300).collect());
    redact(text.trim(), key)
}

/// A call to the LLM that failed, and which call it was.
#[derive(Clone, Debug, thiserror::Error)]
#[error("LLM call `{call}` (POST {url}) failed: {kind}")]
pub struct CallError {
    /// Which call: the stage and attempt.
    pub call: String,
    /// The endpoint, without credentials.
    pub url: String,
    /// What went wrong.
    pub kind: CallErrorKind,
}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallErrorKind {
    /// The server answered with an error status (after `requests` requests).
    #[error("HTTP {status}: {message}{}", tries(*requests))]
    Status {
        /// The status code.
        status: u16,
        /// The server's message.
        message: String,
        /// Requests sent.
        requests: u32,
    },
    /// No answer in time.
    #[error("timed out ({what}; read timeout {read_timeout:?}){}", tries(*requests))]
    Timeout {
        /// Which wait ran out.
        what: String,
        /// The configured read timeout.
        read_timeout: Duration,
        /// Requests sent.
        requests: u32,
    },
    /// The connection failed.
    #[error("{why}{}", tries(*requests))]
    Connection {
        /// What the transport said.
        why: String,
        /// Requests sent.
        requests: u32,
    },
    /// The body is not a chat completion.
    #[error("{why}")]
    Protocol {
        /// What is wrong with it.
        why: String,
    },
    /// The body is larger than `max_response_bytes`.
    #[error("the response is larger than the {limit}-byte limit")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The kernel's time budget ran out before the call could be made.
    #[error("the time budget of this kernel is spent ({requests} requests made in this call)")]
    Budget {
        /// Requests sent.
        requests: u32,
    },
    /// This build of qimeng-llm has no HTTP client: nothing was sent.
    #[error(
        "this build has no HTTP client: enable qimeng-llm's `http` feature (qimeng-build's `llm` \
         feature, on by default)"
    )]
    NoHttp,
    /// Waiting before the next retry would pass the kernel's time budget.
    #[error("{last}; the next retry (in {wait:?}) would pass the time budget of this kernel")]
    BudgetDuringRetry {
        /// The last failure.
        last: Box<CallErrorKind>,
        /// The wait that did not fit.
        wait: Duration,
    },
}

fn tries(n: u32) -> String {
    if n > 1 {
        format!(" (after {n} requests)")
    } else {
        String::new()
    }
}

impl CallErrorKind {
    fn after(self, n: u32) -> CallErrorKind {
        match self {
            CallErrorKind::Status {
                status, message, ..
            } => CallErrorKind::Status {
                status,
                message,
                requests: n,
            },
            CallErrorKind::Timeout {
                what, read_timeout, ..
            } => CallErrorKind::Timeout {
                what,
                read_timeout,
                requests: n,
            },
            CallErrorKind::Connection { why, .. } => CallErrorKind::Connection { why, requests: n },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn server_messages_in_openai_format() {
        let body = r#"{"error": {"message": "The model `x` does not exist", "type": "invalid_request_error"}}"#;
        assert_eq!(server_message(body, None), "The model `x` does not exist");
        assert_eq!(server_message("oops", None), "oops");
    }
}
