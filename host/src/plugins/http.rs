//! The `http-get` capability: outbound GET to origins an admin granted, nowhere else.
//!
//! The origin (scheme, host, port) of the URL actually requested is matched against the grants,
//! and again for every redirect, which we follow ourselves so a granted host cannot bounce a
//! plugin to one that is not. Time is bounded by the call's remaining deadline and the body by a
//! size cap.

use std::fmt;
use std::io::Read;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use url::Url;

use super::Limits;

/// A scheme, host and port, e.g. `https://loyalty.example.com` or `http://127.0.0.1:8080`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute http(s) URL.
    fn of(url: &Url) -> Option<Origin> {
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        Some(Origin {
            scheme: scheme.to_string(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
        })
    }
}

/// Why a grant could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an origin ({reason}); write it as `https://host` or `http://host:port`")]
pub struct InvalidOrigin {
    input: String,
    reason: &'static str,
}

impl FromStr for Origin {
    type Err = InvalidOrigin;

    /// `https://host[:port]`, `http://host[:port]`, or a bare `host[:port]` meaning https.
    fn from_str(input: &str) -> Result<Origin, InvalidOrigin> {
        let invalid = |reason| InvalidOrigin {
            input: input.to_string(),
            reason,
        };
        let trimmed = input.trim();
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            format!("https://{trimmed}")
        };
        let url = Url::parse(&with_scheme).map_err(|_| invalid("not a URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("it has credentials"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it has a path, query or fragment"));
        }
        Origin::of(&url).ok_or_else(|| invalid("only http and https are supported"))
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default_port = if self.scheme == "https" { 443 } else { 80 };
        if self.port == default_port {
            write!(f, "{}://{}", self.scheme, self.host)
        } else {
            write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

/// An `http-get` response.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why an `http-get` failed; mirrors the WIT `http-error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    Denied(String),
    InvalidUrl(String),
    Timeout,
    TooLarge,
    Failed(String),
}

/// One blocking HTTP client for all calls, created on first use so that a host whose plugins
/// never call out starts no client thread. Calls run on blocking threads, never on an async
/// executor, so the blocking client is the right tool.
#[derive(Default)]
pub(crate) struct HttpClient {
    client: OnceLock<Result<reqwest::blocking::Client, String>>,
}

impl HttpClient {
    fn client(&self) -> Result<&reqwest::blocking::Client, Failure> {
        self.client
            .get_or_init(|| {
                reqwest::blocking::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .no_proxy()
                    .user_agent(concat!("wasmdesk/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Failure::Failed(format!("HTTP client unavailable: {e}")))
    }

    /// GET `raw_url` if its origin, and that of every redirect, is in `granted`.
    pub(crate) fn get(
        &self,
        raw_url: &str,
        headers: &[(String, String)],
        granted: &[Origin],
        deadline: Instant,
        limits: &Limits,
    ) -> Result<Response, Failure> {
        let mut url =
            Url::parse(raw_url).map_err(|e| Failure::InvalidUrl(format!("{raw_url:?}: {e}")))?;
        let request_headers = header_map(headers)?;
        for hop in 0..=limits.http_redirects {
            let origin = Origin::of(&url).ok_or_else(|| {
                Failure::InvalidUrl(format!("{url} is not an absolute http(s) URL"))
            })?;
            if !granted.contains(&origin) {
                return Err(Failure::Denied(if hop == 0 {
                    format!("{origin} is not granted to this installation")
                } else {
                    format!("redirected to {origin}, which is not granted to this installation")
                }));
            }
            let remaining = deadline
                .saturating_duration_since(Instant::now())
                .min(limits.http_timeout);
            if remaining < Duration::from_millis(1) {
                return Err(Failure::Timeout);
            }
            let response = self
                .client()?
                .get(url.clone())
                .headers(request_headers.clone())
                .timeout(remaining)
                .send()
                .map_err(request_failure)?;
            if response.status().is_redirection()
                && let Some(location) = response.headers().get(reqwest::header::LOCATION)
            {
                let location = location
                    .to_str()
                    .map_err(|_| Failure::Failed("unreadable redirect".into()))?;
                url = url
                    .join(location)
                    .map_err(|e| Failure::InvalidUrl(format!("redirect {location:?}: {e}")))?;
                continue;
            }
            return read_response(response, limits.http_response_bytes);
        }
        Err(Failure::Failed(format!(
            "more than {} redirects",
            limits.http_redirects
        )))
    }
}

fn header_map(headers: &[(String, String)]) -> Result<reqwest::header::HeaderMap, Failure> {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Failure::Failed(format!("invalid request header name {name:?}")))?;
        let value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| Failure::Failed(format!("invalid value for request header {name}")))?;
        map.append(name, value);
    }
    Ok(map)
}

fn request_failure(error: reqwest::Error) -> Failure {
    if error.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Failed(error.without_url().to_string())
    }
}

fn read_response(response: reqwest::blocking::Response, limit: usize) -> Result<Response, Failure> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(Failure::TooLarge);
    }
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    response
        .take(limit as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| {
            let reqwest_timeout = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                .is_some_and(reqwest::Error::is_timeout);
            if reqwest_timeout || e.kind() == std::io::ErrorKind::TimedOut {
                Failure::Timeout
            } else {
                Failure::Failed(e.to_string())
            }
        })?;
    if body.len() > limit {
        return Err(Failure::TooLarge);
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_with_default_scheme_and_port() {
        let origin: Origin = "Loyalty.Example.com".parse().unwrap();
        assert_eq!(origin.to_string(), "https://loyalty.example.com");
        let origin: Origin = "http://127.0.0.1:8080".parse().unwrap();
        assert_eq!(origin.to_string(), "http://127.0.0.1:8080");
        assert_eq!(
            "https://a.example:443".parse::<Origin>().unwrap(),
            "a.example".parse().unwrap()
        );
    }

    #[test]
    fn origins_refuse_paths_credentials_and_other_schemes() {
        for bad in [
            "https://a.example/path",
            "https://user:pw@a.example",
            "ftp://a.example",
            "https://",
        ] {
            assert!(bad.parse::<Origin>().is_err(), "{bad} should be refused");
        }
    }
}
