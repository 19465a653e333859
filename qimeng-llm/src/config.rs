//! Where the LLM is and how patiently to talk to it: the environment, else a config file.
//!
//! ```toml
//! # ~/.config/qimeng/llm.toml (or $QIMENG_LLM_CONFIG)
//! base_url = "https://api.deepseek.com/v1"
//! model = "deepseek-reasoner"
//! api_key = "sk-..."            # or leave it out and set QIMENG_LLM_API_KEY
//! read_timeout_s = 600
//! ```
//!
//! Each environment variable overrides the file's value.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::secret::{ApiKey, redact_url};

/// Base URL of an OpenAI-compatible endpoint, e.g. `https://api.openai.com/v1` (the client
/// posts to `<base>/chat/completions`).
pub const BASE_URL_ENV: &str = "QIMENG_LLM_BASE_URL";
/// The model name sent with every request.
pub const MODEL_ENV: &str = "QIMENG_LLM_MODEL";
/// The API key, sent as `Authorization: Bearer <key>` and nowhere else. Optional (local servers
/// need none).
pub const API_KEY_ENV: &str = "QIMENG_LLM_API_KEY";
/// Path of the config file, instead of `<config dir>/qimeng/llm.toml`.
pub const CONFIG_ENV: &str = "QIMENG_LLM_CONFIG";
/// Set (`1`, `true`, `yes`) to forbid any LLM call: a cache miss is then an error.
pub const OFFLINE_ENV: &str = "QIMENG_OFFLINE";

/// Every environment variable this crate reads (for `cargo:rerun-if-env-changed`).
pub const ENV_VARS: &[&str] = &[
    BASE_URL_ENV,
    MODEL_ENV,
    API_KEY_ENV,
    CONFIG_ENV,
    OFFLINE_ENV,
    "XDG_CONFIG_HOME",
    "HOME",
];

/// How to reach the LLM and how long to wait for it. `Debug` shows the URL without
/// credentials and the key as `[redacted]`.
#[derive(Clone)]
pub struct Config {
    /// Base URL (credentials in it are never shown: see [`Config::display_url`]).
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// API key, if the endpoint needs one.
    pub api_key: Option<ApiKey>,
    /// Time to open the connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Time to wait for the response (headers, then the whole body) once the request is sent.
    /// Default 600 s: reasoning models think for minutes.
    pub read_timeout: Duration,
    /// Retries of one call after a 429, a 5xx, a timeout or a broken connection. Default 4.
    pub retries: u32,
    /// First backoff between retries, doubled each time, unless the server sends Retry-After.
    /// Default 2 s.
    pub backoff: Duration,
    /// Longest wait between two tries, Retry-After included. Default 120 s.
    pub max_backoff: Duration,
    /// Total time for one kernel: every call, retry and gate. Default 45 min.
    pub budget: Duration,
    /// Answers per stage (the first and the repairs after a gate's error). Default 4.
    pub attempts: u32,
    /// Largest response body accepted, in bytes. Default 16 MiB.
    pub max_response_bytes: u64,
    /// Sampling temperature sent with each request. Default 0.2.
    pub temperature: f32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.display_url())
            .field("model", &self.model)
            .field("api_key", &self.api_key)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("retries", &self.retries)
            .field("budget", &self.budget)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// A configuration with the defaults above.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Config {
        Config {
            base_url: base_url.into().trim().trim_end_matches('/').to_string(),
            model: model.into().trim().to_string(),
            api_key: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(600),
            retries: 4,
            backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(120),
            budget: Duration::from_secs(45 * 60),
            attempts: 4,
            max_response_bytes: 16 << 20,
            temperature: 0.2,
        }
    }

    /// The base URL without credentials, for messages and transcripts.
    pub fn display_url(&self) -> String {
        redact_url(&self.base_url)
    }

    /// The configuration of the environment and the config file: `Ok(None)` when no base URL is
    /// set anywhere (no LLM configured), an error when one is set but the rest is incomplete or
    /// the file is invalid.
    pub fn from_env() -> Result<Option<Config>, ConfigError> {
        let path = config_file();
        let file = match &path {
            Some(p) if p.is_file() => Some(FileConfig::read(p)?),
            Some(p) if std::env::var_os(CONFIG_ENV).is_some() => {
                return Err(ConfigError::File {
                    path: p.clone(),
                    why: "no such file".into(),
                });
            }
            _ => None,
        }
        .unwrap_or_default();
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let Some(base_url) = env(BASE_URL_ENV).or(file.base_url.clone()) else {
            return Ok(None);
        };
        let Some(model) = env(MODEL_ENV).or(file.model.clone()) else {
            return Err(ConfigError::Missing {
                what: format!(
                    "{BASE_URL_ENV} is set but no model is: set {MODEL_ENV} (or `model` in {})",
                    path.map(|p| p.display().to_string())
                        .unwrap_or_else(|| "the config file".into())
                ),
            });
        };
        let mut c = Config::new(base_url, model);
        c.api_key = env(API_KEY_ENV).or(file.api_key.clone()).map(ApiKey::new);
        let secs = |v: Option<f64>, d: Duration| v.map(Duration::from_secs_f64).unwrap_or(d);
        c.connect_timeout = secs(file.connect_timeout_s, c.connect_timeout);
        c.read_timeout = secs(file.read_timeout_s, c.read_timeout);
        c.budget = secs(file.budget_s, c.budget);
        c.retries = file.retries.unwrap_or(c.retries);
        c.attempts = file.attempts.unwrap_or(c.attempts).max(1);
        Ok(Some(c))
    }
}

/// Whether `QIMENG_OFFLINE` forbids LLM calls.
pub fn offline() -> bool {
    matches!(
        std::env::var(OFFLINE_ENV)
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
            .as_str(),
        "1" | "true" | "yes"
    )
}

/// The config file: `$QIMENG_LLM_CONFIG`, else `$XDG_CONFIG_HOME/qimeng/llm.toml`, else
/// `$HOME/.config/qimeng/llm.toml`.
pub fn config_file() -> Option<PathBuf> {
    let var = |n: &str| {
        std::env::var_os(n)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(p) = var(CONFIG_ENV) {
        return Some(p);
    }
    let dir = var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|h| h.join(".config")))?;
    Some(dir.join("qimeng").join("llm.toml"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    base_url: Option<String>,
    model: Option<String>,
    api_key: Option<String>,
    connect_timeout_s: Option<f64>,
    read_timeout_s: Option<f64>,
    budget_s: Option<f64>,
    retries: Option<u32>,
    attempts: Option<u32>,
}

impl FileConfig {
    fn read(path: &Path) -> Result<FileConfig, ConfigError> {
        let file = |why: String| ConfigError::File {
            path: path.to_path_buf(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file(e.to_string()))?;
        // toml's messages quote the offending line, which may hold the key: say where only.
        toml::from_str(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(" at line {}", text[..s.start].lines().count().max(1)))
                .unwrap_or_default();
            file(format!("invalid TOML{at} (keys: base_url, model, api_key, connect_timeout_s, read_timeout_s, budget_s, retries, attempts)"))
        })
    }
}

/// An LLM configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A needed setting is absent.
    #[error("LLM configuration incomplete: {what}")]
    Missing {
        /// What is missing and where to set it.
        what: String,
    },
    /// The config file cannot be read or parsed.
    #[error("LLM config file {}: {why}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_parses_and_its_errors_never_quote_the_key() {
        let dir = std::env::temp_dir().join(format!("qimeng-llm-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("llm.toml");
        std::fs::write(
            &p,
            "base_url = \"http://x/v1\"\nmodel = \"m\"\nretries = 2\n",
        )
        .unwrap();
        let f = FileConfig::read(&p).unwrap();
        assert_eq!(f.model.as_deref(), Some("m"));
        assert_eq!(f.retries, Some(2));
        std::fs::write(
            &p,
            "api_key = \"sk-secret-value\"\nbogus = sk-secret-value\n",
        )
        .unwrap();
        let e = FileConfig::read(&p).unwrap_err().to_string();
        assert!(!e.contains("sk-secret-value"), "{e}");
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn defaults_and_display_url() {
        let mut c = Config::new("https://u:pw@host/v1/", "m");
        assert_eq!(c.base_url, "https://u:pw@host/v1");
        assert_eq!(c.display_url(), "https://[redacted]@host/v1");
        c.api_key = Some(ApiKey::new("sk-abcdef"));
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("sk-abcdef") && !debug.contains("pw"),
            "{debug}"
        );
    }
}
