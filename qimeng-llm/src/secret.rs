//! The API key, kept out of every log, error, `Debug` output, transcript and cache file.

use std::fmt;

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// An API key. It is readable only by the client that puts it in the `Authorization` header;
/// `Debug` and `Display` print [`REDACTED`], and it implements no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps `key` (surrounding whitespace removed).
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into().trim().to_string())
    }

    /// The key itself: only for the `Authorization` header.
    #[cfg(feature = "http")]
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by [`REDACTED`]. Keys shorter than 4
    /// characters are not searched for (they would match ordinary text; no real key is that
    /// short).
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, REDACTED)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({REDACTED})")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `text` with `key` redacted, when there is a key.
pub fn redact(text: &str, key: Option<&ApiKey>) -> String {
    match key {
        Some(k) => k.redact(text),
        None => text.to_string(),
    }
}

/// `url` without credentials in its authority (`https://user:pass@host/` -> `https://host/`),
/// so a base URL can be shown and recorded.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, url),
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("{REDACTED}@{host}"),
        None => authority.to_string(),
    };
    match scheme {
        Some(s) => format!("{s}://{authority}{path}"),
        None => format!("{authority}{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_prints() {
        let k = ApiKey::new("sk-live-123456");
        assert_eq!(format!("{k:?}"), "ApiKey([redacted])");
        assert_eq!(format!("{k}"), "[redacted]");
        assert_eq!(
            k.redact("Bearer sk-live-123456 sent"),
            "Bearer [redacted] sent"
        );
        assert_eq!(k.expose(), "sk-live-123456");
    }

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redact_url("https://u:p@example.com/v1"),
            "https://[redacted]@example.com/v1"
        );
        assert_eq!(redact_url("http://127.0.0.1:8/v1"), "http://127.0.0.1:8/v1");
    }
}
