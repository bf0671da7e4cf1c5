//! The host's services as seen by plugin code: configuration, logging, outbound HTTP.

use crate::testing::TestHost;
use crate::{HttpError, HttpResponse, LogLevel, RuleError};

/// What the host grants a plugin: configuration, a log and outbound HTTP to approved origins.
///
/// Inside a component this calls the host's imports; in native tests it is backed by a
/// [`TestHost`], so the same rule code runs under plain `cargo test`.
pub struct Host {
    backend: Backend,
}

enum Backend {
    Component,
    Test(TestHost),
}

impl Host {
    /// The host of a running component. Used by [`crate::export_plugin!`].
    #[doc(hidden)]
    pub fn component() -> Host {
        Host {
            backend: Backend::Component,
        }
    }

    pub(crate) fn test(test: TestHost) -> Host {
        Host {
            backend: Backend::Test(test),
        }
    }

    /// The installation's value for `key`, or the default the plugin declared.
    pub fn config(&self, key: &str) -> Option<String> {
        match &self.backend {
            Backend::Component => crate::bindings::wasmdesk::rules::host::config(key),
            Backend::Test(test) => test.config_value(key),
        }
    }

    /// Configuration value `key` parsed as `T`; a clear error when it is missing or malformed, so
    /// a misconfiguration shows up in the audit log instead of silently not matching. (The host
    /// refuses values that do not fit a key's declared [`crate::ConfigKind`], so with a kind that
    /// matches `T` this only fails for a key declared without default and never set.)
    pub fn config_parsed<T>(&self, key: &str) -> Result<T, RuleError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        let raw = self.config(key).ok_or_else(|| {
            RuleError::Other(format!(
                "configuration `{key}` is not set and has no default"
            ))
        })?;
        raw.trim().parse().map_err(|error: T::Err| {
            RuleError::Other(format!(
                "configuration `{key}` = {raw:?} is invalid: {error}"
            ))
        })
    }

    /// Write a line to the evaluation's log (bounded by the host).
    pub fn log(&self, level: LogLevel, message: &str) {
        match &self.backend {
            Backend::Component => crate::bindings::wasmdesk::rules::host::log(level, message),
            Backend::Test(test) => test.record_log(level, message),
        }
    }

    pub fn info(&self, message: &str) {
        self.log(LogLevel::Info, message)
    }

    pub fn warn(&self, message: &str) {
        self.log(LogLevel::Warn, message)
    }

    /// GET `url`. Only origins the admin granted are reachable; see `http-get` in the WIT.
    pub fn http_get(&self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, HttpError> {
        match &self.backend {
            Backend::Component => {
                let headers: Vec<(String, String)> = headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                crate::bindings::wasmdesk::rules::host::http_get(url, &headers)
            }
            Backend::Test(test) => test.http_response(url),
        }
    }
}

impl HttpResponse {
    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
