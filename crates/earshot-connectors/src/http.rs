//! The HTTP client every connector shares: timeouts, a size cap on responses,
//! rate-limit headers, and one mapping from transport and status failures to
//! [`ConnectorError`]. Error messages never include request headers (where the
//! tokens are) or query strings.

use std::sync::{Arc, Mutex, Once, OnceLock};
use std::time::Duration;

use earshot_core::connector::{ConnectorError, FetchedMedia, RateBudget};
use futures_util::StreamExt;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

mod media_hosts;

use media_hosts::{MediaHosts, MediaResolver, PrivateAddress};

/// Largest response body read into memory. A page of notifications is tens of
/// KiB; anything near this is a broken or hostile server.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// How long one request may take from connect to last byte (not streams).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Used when a 429 carries no usable `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A client for one server, remembering its last rate budget.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    /// The server's base URL, without a trailing slash; named in errors.
    base: String,
    budget: Arc<Mutex<Option<RateBudget>>>,
    /// Where images may come from, given `base`.
    media_hosts: Arc<MediaHosts>,
    /// The client for images, made at the first one (see [`Http::media`]).
    media: Arc<OnceLock<Result<reqwest::Client, String>>>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http").field("base", &self.base).finish()
    }
}

/// rustls needs one process-wide crypto provider; ring builds everywhere.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another part of the process installed one first: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Http {
    pub fn new(base: &str) -> Result<Self, ConnectorError> {
        install_crypto_provider();
        let base = base.trim_end_matches('/').to_owned();
        let client = reqwest::Client::builder()
            .user_agent(concat!("Earshot/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            // No client-wide read timeout: `get` and `post` time out whole
            // requests, and a stream's idle limit is its connector's (a
            // Mastodon stream may rightly be quiet for longer than a request).
            .https_only(!is_loopback(&base))
            .build()
            .map_err(|e| ConnectorError::Offline {
                server: base.clone(),
                message: format!("cannot set up HTTPS: {e}"),
            })?;
        Ok(Self {
            client,
            media_hosts: Arc::new(MediaHosts::for_base(&base)),
            base,
            budget: Arc::default(),
            media: Arc::default(),
        })
    }

    /// The client for images: it connects only to the addresses
    /// [`MediaHosts`] allows, checking every name's addresses as it resolves
    /// them and every redirect's target. No proxy, so the addresses checked
    /// are the ones connected to.
    fn media_client(&self) -> Result<&reqwest::Client, ConnectorError> {
        let client = self.media.get_or_init(|| {
            let hosts = self.media_hosts.clone();
            reqwest::Client::builder()
                .user_agent(concat!("Earshot/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(CONNECT_TIMEOUT)
                .https_only(!is_loopback(&self.base))
                .no_proxy()
                .dns_resolver(MediaResolver(hosts.clone()))
                .redirect(media_hosts::redirect_policy(hosts))
                .build()
                .map_err(|e| e.to_string())
        });
        client.as_ref().map_err(|e| ConnectorError::Offline {
            server: self.base.clone(),
            message: format!("cannot set up HTTPS: {e}"),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path)).timeout(REQUEST_TIMEOUT)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path)).timeout(REQUEST_TIMEOUT)
    }

    /// A request with no timeout once connected, for long-lived streams: the
    /// caller limits how long it waits for each chunk.
    pub fn stream_get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }

    pub fn budget(&self) -> Option<RateBudget> {
        self.budget.lock().ok().and_then(|b| *b)
    }

    /// Sends a request and returns the response if its status is a success,
    /// recording the rate budget either way.
    pub async fn send(&self, request: RequestBuilder, what: &str) -> Result<Response, Failure> {
        let response = self.send_any(request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(self.failure(response, what).await.0)
    }

    /// Sends a request and returns the response whatever its status, recording
    /// the rate budget; only transport failures are errors. For networks whose
    /// error bodies name the error (AT Protocol's `{error, message}`): pass a
    /// failed response to [`Http::failure`].
    pub async fn send_any(&self, request: RequestBuilder) -> Result<Response, Failure> {
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        if let Some(budget) = rate_budget(response.headers(), now_ms()) {
            if let Ok(mut slot) = self.budget.lock() {
                *slot = Some(budget);
            }
        }
        Ok(response)
    }

    /// The failure a response with an unsuccessful status stands for, and its
    /// body (at most 64 KiB) for callers that read the network's error names.
    pub async fn failure(&self, response: Response, what: &str) -> (Failure, Vec<u8>) {
        let status = response.status();
        let retry_after = retry_after(response.headers(), now_ms());
        let body = read_capped(response, 64 * 1024).await.unwrap_or_default();
        let message = error_message(&body).unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("unexpected status")
                .to_owned()
        });
        let failure = Failure::Status {
            status,
            message: format!("{what}: HTTP {} {message}", status.as_u16()),
            retry_after,
            server: self.base.clone(),
        };
        (failure, body)
    }

    /// Sends a request and parses its JSON body.
    pub async fn json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<T, Failure> {
        let response = self.send(request, what).await?;
        self.read_json(response, what).await
    }

    /// Reads and parses a response's JSON body (at most [`MAX_BODY_BYTES`]);
    /// an oversized, truncated or unparsable body is [`ConnectorError::Malformed`].
    pub async fn read_json<T: DeserializeOwned>(
        &self,
        response: Response,
        what: &str,
    ) -> Result<T, Failure> {
        let malformed = |message| {
            Failure::Error(ConnectorError::Malformed {
                server: self.base.clone(),
                what: what.to_owned(),
                message,
            })
        };
        let body = read_capped(response, MAX_BODY_BYTES)
            .await
            .map_err(malformed)?;
        parse_json(&body).map_err(malformed)
    }

    /// Fetches an image by its full URL (a CDN may serve it from another host)
    /// without credentials, refusing a body over `cap` bytes. Plain `http://`
    /// only when this client's own server is on loopback (the local test
    /// servers). Never from a private network address (the URL is the post's
    /// author's), except the account's own server's: see [`MediaHosts`].
    /// Refusals (404, 403, a non-web URL, a private address) are `Refused`,
    /// never "sign in again": an image's host has nothing to do with the account.
    pub async fn media(&self, url: &str, cap: usize) -> Result<FetchedMedia, ConnectorError> {
        let refused = |message: String| ConnectorError::Refused {
            server: self.base.clone(),
            message,
        };
        let parsed = url::Url::parse(url).map_err(|e| refused(format!("not a URL: {e}")))?;
        self.media_hosts
            .check_url(&parsed)
            .map_err(|e| refused(e.to_string()))?;
        let allowed = match parsed.scheme() {
            "https" => true,
            "http" => is_loopback(&self.base),
            _ => false,
        };
        if !allowed {
            return Err(refused(format!(
                "{} images are not fetched",
                parsed.scheme()
            )));
        }
        let request = self.media_client()?.get(parsed).timeout(REQUEST_TIMEOUT);
        let response = match self.send(request, "image").await {
            Ok(r) => r,
            Err(Failure::Status {
                status, message, ..
            }) if matches!(status.as_u16(), 400..=499) && status.as_u16() != 429 => {
                return Err(refused(message));
            }
            Err(f) => return Err(f.classify("", "")),
        };
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = read_capped(response, cap).await.map_err(refused)?;
        Ok(FetchedMedia {
            content_type,
            bytes,
        })
    }

    pub fn transport_error(&self, e: reqwest::Error) -> Failure {
        // reqwest's Display includes the URL, and our URLs carry no secrets, but
        // the query may hold a search the manager typed: name the server only.
        let e = e.without_url();
        let message = e.to_string();
        if let Some(private) = private_address(&e) {
            return Failure::Error(ConnectorError::Refused {
                server: self.base.clone(),
                message: private.to_string(),
            });
        }
        Failure::Error(if e.is_timeout() {
            ConnectorError::Server {
                server: self.base.clone(),
                message: "timed out".into(),
            }
        } else if e.is_connect() {
            ConnectorError::Offline {
                server: self.base.clone(),
                message,
            }
        } else if e.is_decode() || e.is_body() {
            ConnectorError::Malformed {
                server: self.base.clone(),
                what: "response".into(),
                message,
            }
        } else {
            ConnectorError::Offline {
                server: self.base.clone(),
                message,
            }
        })
    }
}

/// The refusal of a private address behind a transport failure: the media
/// client's resolver or redirect policy said no.
fn private_address(e: &reqwest::Error) -> Option<&PrivateAddress> {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(private) = cause.downcast_ref::<PrivateAddress>() {
            return Some(private);
        }
        source = cause.source();
    }
    None
}

/// A failed request: either already classified, or an HTTP status the caller
/// classifies (a 401 means "sign in again" for one network and "not found" for another).
#[derive(Debug)]
pub enum Failure {
    Status {
        status: StatusCode,
        message: String,
        retry_after: Option<Duration>,
        server: String,
    },
    Error(ConnectorError),
}

impl Failure {
    /// The usual classification: 401/403 → sign in again, 429 → rate limited,
    /// 5xx → server failure, other 4xx → refused.
    pub fn classify(self, network: &str, handle: &str) -> ConnectorError {
        match self {
            Failure::Error(e) => e,
            Failure::Status {
                status,
                message,
                retry_after,
                server,
            } => match status.as_u16() {
                401 | 403 => ConnectorError::Auth {
                    network: network.to_owned(),
                    handle: handle.to_owned(),
                    message,
                },
                429 => ConnectorError::RateLimited {
                    server,
                    retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
                },
                500..=599 | 408 => ConnectorError::Server { server, message },
                _ => ConnectorError::Refused { server, message },
            },
        }
    }
}

/// Reads a body, refusing one larger than `cap` bytes.
pub async fn read_capped(response: Response, cap: usize) -> Result<Vec<u8>, String> {
    if let Some(len) = response.content_length() {
        if len as usize > cap {
            return Err(format!(
                "response of {len} bytes is over the {cap}-byte limit"
            ));
        }
    }
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| format!("the response was cut short: {e}"))?;
        if body.len() + chunk.len() > cap {
            return Err(format!("response is over the {cap}-byte limit"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses JSON, saying where it broke (never echoing the payload).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() {
            format!("the JSON ends early (truncated at byte {})", body.len())
        } else {
            format!(
                "unexpected JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                classify_json(&e)
            )
        }
    })
}

fn classify_json(e: &serde_json::Error) -> String {
    // serde_json's message names the field and type, never the value.
    e.to_string()
        .split(" at line ")
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The `error` / `message` field of an error body, shortened.
fn error_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = value
        .get("message")
        .or_else(|| value.get("error_description"))
        .or_else(|| value.get("error"))?
        .as_str()?;
    Some(text.chars().take(300).collect())
}

/// Reads `X-RateLimit-Limit/Remaining/Reset` (Mastodon: reset is an ISO 8601
/// time) or `RateLimit-Limit/Remaining/Reset` (AT Protocol PDS: reset is Unix
/// seconds).
pub fn rate_budget(headers: &HeaderMap, now_ms: i64) -> Option<RateBudget> {
    let get = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.get(*n).and_then(|v| v.to_str().ok()))
            .map(str::trim)
    };
    let limit = get(&["x-ratelimit-limit", "ratelimit-limit"])?
        .parse()
        .ok()?;
    let remaining = get(&["x-ratelimit-remaining", "ratelimit-remaining"])?
        .parse()
        .ok()?;
    let reset = get(&["x-ratelimit-reset", "ratelimit-reset"])?;
    let reset_at = parse_reset(reset, now_ms)?;
    Some(RateBudget {
        limit,
        remaining,
        reset_at,
    })
}

fn parse_reset(text: &str, now_ms: i64) -> Option<i64> {
    if let Ok(n) = text.parse::<i64>() {
        // Unix seconds, or (small numbers) seconds from now.
        return Some(if n > 1_000_000_000 {
            n * 1000
        } else {
            now_ms + n * 1000
        });
    }
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// `Retry-After` as seconds or an HTTP date; else the rate-limit reset time.
pub fn retry_after(headers: &HeaderMap, now_ms: i64) -> Option<Duration> {
    if let Some(v) = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()) {
        if let Ok(secs) = v.trim().parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(t) =
            time::OffsetDateTime::parse(v.trim(), &time::format_description::well_known::Rfc2822)
        {
            let ms = (t.unix_timestamp_nanos() / 1_000_000) as i64 - now_ms;
            return Some(Duration::from_millis(ms.max(0) as u64));
        }
    }
    let budget = rate_budget(headers, now_ms)?;
    Some(Duration::from_millis(
        (budget.reset_at - now_ms).max(0) as u64
    ))
}

pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn is_loopback(base: &str) -> bool {
    url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn mastodon_rate_limit_headers_are_read() {
        // As Mastodon's documentation shows them.
        let h = headers(&[
            ("x-ratelimit-limit", "300"),
            ("x-ratelimit-remaining", "299"),
            ("x-ratelimit-reset", "2026-11-22T20:05:00.000Z"),
        ]);
        let b = rate_budget(&h, 0).unwrap();
        assert_eq!((b.limit, b.remaining), (300, 299));
        assert_eq!(b.reset_at, 1_795_377_900_000);
    }

    #[test]
    fn atproto_rate_limit_headers_are_read() {
        let h = headers(&[
            ("ratelimit-limit", "3000"),
            ("ratelimit-remaining", "2990"),
            ("ratelimit-reset", "1795464300"),
        ]);
        let b = rate_budget(&h, 0).unwrap();
        assert_eq!(
            (b.limit, b.remaining, b.reset_at),
            (3000, 2990, 1_795_464_300_000)
        );
    }

    #[test]
    fn retry_after_prefers_the_header_then_the_reset() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), 0),
            Some(Duration::from_secs(7))
        );
        let h = headers(&[
            ("x-ratelimit-limit", "300"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1795464300"),
        ]);
        assert_eq!(
            retry_after(&h, 1_795_464_290_000),
            Some(Duration::from_secs(10))
        );
        assert_eq!(retry_after(&HeaderMap::new(), 0), None);
    }

    #[test]
    fn truncated_and_wrong_json_say_where_without_echoing() {
        #[derive(serde::Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            id: String,
        }
        let e = parse_json::<T>(br#"{"id": "secret-ish"#).unwrap_err();
        assert!(e.contains("truncated"), "{e}");
        let e = parse_json::<T>(br#"{"id": 5}"#).unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn loopback_servers_may_use_plain_http() {
        assert!(is_loopback("http://127.0.0.1:3000"));
        assert!(is_loopback("http://localhost:3000"));
        assert!(!is_loopback("https://mastodon.social"));
    }
}
