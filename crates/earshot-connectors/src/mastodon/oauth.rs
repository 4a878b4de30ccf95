//! Signing in through the browser: OAuth 2 authorization code with PKCE (S256)
//! and a loopback redirect (RFC 8252).
//!
//! Earshot registers itself with the server as an app, opens the server's
//! authorize page, and listens on `127.0.0.1` on a port the OS picks for the
//! one redirect that carries the code. The `state` ties the redirect to this
//! sign-in; the PKCE verifier proves the code exchange comes from whoever
//! started it, so a code seen by another local program is useless to it.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use earshot_core::accounts::SignedInAccount;
use earshot_core::connector::ConnectorError;
use earshot_core::vault::Secret;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{credentials_secret, normalise_server, verify_credentials, Credentials};
use crate::http::Http;

const SCOPES: &str = "read write";
/// A browser's request head is well under this; more is not a browser.
const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// How long one connection may take to send its request line. Browsers open
/// spare connections they never use; each waits on its own.
const CONNECTION_READ_TIMEOUT: Duration = Duration::from_secs(10);

const CLOSE_PAGE: &str =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Earshot</title></head>\
<body><p>Earshot has your answer. You can close this window.</p></body></html>";

/// A random URL-safe string of `bytes` random bytes.
pub(super) fn random_token(bytes: usize) -> Result<String, ConnectorError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ConnectorError::Refused {
        server: "this computer".into(),
        message: format!("no secure random numbers for the sign-in: {e}"),
    })?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// The S256 code challenge of a PKCE verifier (RFC 7636 §4.2).
pub(super) fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// What the browser brought back to the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Callback {
    Code {
        code: String,
        state: Option<String>,
    },
    Denied {
        error: String,
        description: Option<String>,
        state: Option<String>,
    },
}

/// How one request to the loopback listener is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Request {
    Callback(Callback),
    /// `/callback` without a code or an error.
    BadCallback,
    /// Anything else (`/favicon.ico`, another method): answered 404.
    Other,
}

/// Parses the request line of a request head (`GET /callback?… HTTP/1.1`).
pub(super) fn parse_request(head: &[u8]) -> Request {
    let line_end = head
        .windows(2)
        .position(|w| w == b"\r\n")
        .or_else(|| head.iter().position(|b| *b == b'\n'))
        .unwrap_or(head.len());
    let Ok(line) = std::str::from_utf8(&head[..line_end]) else {
        return Request::Other;
    };
    let mut parts = line.split(' ');
    let (Some("GET"), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Request::Other;
    };
    if !version.starts_with("HTTP/") || parts.next().is_some() {
        return Request::Other;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/callback" {
        return Request::Other;
    }
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match key.as_ref() {
            "code" => &mut code,
            "state" => &mut state,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        // The first of a repeated parameter wins; later ones are ignored.
        if slot.is_none() {
            *slot = Some(value.into_owned());
        }
    }
    match (error, code) {
        (Some(error), _) => Request::Callback(Callback::Denied {
            error,
            description,
            state,
        }),
        (None, Some(code)) if !code.is_empty() => Request::Callback(Callback::Code { code, state }),
        _ => Request::BadCallback,
    }
}

/// Reads one request head and answers it. Never echoes anything it read.
async fn serve_connection(mut stream: TcpStream) -> Request {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(CONNECTION_READ_TIMEOUT, async {
        loop {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return Some(());
            }
            head.extend_from_slice(&buf[..n]);
            if head.windows(4).any(|w| w == b"\r\n\r\n") || head.len() >= MAX_REQUEST_HEAD {
                return Some(());
            }
        }
    })
    .await;
    if !matches!(read, Ok(Some(()))) {
        return Request::Other;
    }
    let request = parse_request(&head);
    let (status, body) = match request {
        Request::Callback(_) => ("200 OK", CLOSE_PAGE),
        Request::BadCallback => ("400 Bad Request", CLOSE_PAGE),
        Request::Other => ("404 Not Found", "Not found"),
    };
    let content_type = if body.starts_with('<') {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser may already have gone; the answer is all we learn from it.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    request
}

/// Serves the listener until one request carries a callback (answering
/// everything else with 404) or `timeout` passes.
pub(super) async fn wait_for_callback(
    listener: &TcpListener,
    timeout: Duration,
) -> Result<Callback, ConnectorError> {
    let wait = async {
        let mut connections = FuturesUnordered::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        connections.push(serve_connection(stream));
                    }
                }
                Some(request) = connections.next(), if !connections.is_empty() => {
                    if let Request::Callback(callback) = request {
                        return callback;
                    }
                }
            }
        }
    };
    tokio::time::timeout(timeout, wait)
        .await
        // `Server`: nothing was refused, and starting again may well work.
        .map_err(|_| ConnectorError::Server {
            server: "the sign-in in the browser".into(),
            message: format!(
                "no answer came back within {} s; start the sign-in again",
                timeout.as_secs()
            ),
        })
}

#[derive(Deserialize)]
struct App {
    client_id: String,
    client_secret: String,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

/// The authorize page's URL.
pub(super) fn authorize_url(
    base: &str,
    client_id: &str,
    redirect_uri: &str,
    challenge: &str,
    state: &str,
) -> Result<String, ConnectorError> {
    let mut url = url::Url::parse(&format!("{base}/oauth/authorize")).map_err(|e| {
        ConnectorError::Refused {
            server: base.to_owned(),
            message: format!("not a server address: {e}"),
        }
    })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", SCOPES)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", state);
    Ok(url.into())
}

/// See [`super::sign_in_with_browser`].
pub(super) async fn sign_in(
    server: &str,
    open: impl FnOnce(&str) -> Result<(), String>,
    timeout: Duration,
) -> Result<(SignedInAccount, Secret), ConnectorError> {
    let base = normalise_server(server)?;
    let http = Http::new(&base)?;
    let host = super::host_of(&base)?;
    let classify = |f: crate::http::Failure| f.classify(super::model::NETWORK, &host);

    let listener =
        TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| ConnectorError::Refused {
                server: "this computer".into(),
                message: format!("cannot listen on 127.0.0.1 for the browser's answer: {e}"),
            })?;
    let port = listener
        .local_addr()
        .map_err(|e| ConnectorError::Refused {
            server: "this computer".into(),
            message: format!("cannot listen on 127.0.0.1 for the browser's answer: {e}"),
        })?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");

    let app: App = http
        .json(
            http.post("/api/v1/apps").form(&[
                ("client_name", "Earshot"),
                ("redirect_uris", redirect_uri.as_str()),
                ("scopes", SCOPES),
            ]),
            "registering Earshot with the server",
        )
        .await
        .map_err(classify)?;
    let client_secret = Secret::new(app.client_secret);

    let verifier = Secret::new(random_token(32)?);
    let state = random_token(16)?;
    let url = authorize_url(
        &base,
        &app.client_id,
        &redirect_uri,
        &pkce_challenge(verifier.expose()),
        &state,
    )?;
    open(&url).map_err(|e| ConnectorError::Refused {
        server: "this computer".into(),
        message: format!("could not open the browser ({e}); open this address yourself: {url}"),
    })?;

    let code = match wait_for_callback(&listener, timeout).await? {
        Callback::Code {
            code,
            state: Some(returned),
        } if returned == state => Secret::new(code),
        Callback::Code { .. } => {
            return Err(ConnectorError::Refused {
                server: base,
                message: "the browser's answer does not belong to this sign-in (its state does \
                          not match); start the sign-in again"
                    .into(),
            })
        }
        Callback::Denied {
            error, description, ..
        } => {
            let message = if error == "access_denied" {
                "you declined to let Earshot use the account (access denied)".to_owned()
            } else {
                let detail: String = description.unwrap_or_default().chars().take(200).collect();
                format!("the server did not authorise Earshot: {error} {detail}")
                    .trim_end()
                    .to_owned()
            };
            return Err(ConnectorError::Auth {
                network: super::model::NETWORK.into(),
                handle: host,
                message,
            });
        }
    };
    drop(listener);

    let token: Token = http
        .json(
            http.post("/oauth/token").form(&[
                ("grant_type", "authorization_code"),
                ("code", code.expose()),
                ("client_id", app.client_id.as_str()),
                ("client_secret", client_secret.expose()),
                ("redirect_uri", redirect_uri.as_str()),
                ("code_verifier", verifier.expose()),
                ("scope", SCOPES),
            ]),
            "exchanging the sign-in code",
        )
        .await
        .map_err(classify)?;
    let token = Secret::new(token.access_token);
    let account = verify_credentials(&http, &base, &host, &token).await?;
    let secret = credentials_secret(&Credentials {
        access_token: token.expose(),
        client_id: Some(&app.client_id),
        client_secret: Some(client_secret.expose()),
    })?;
    Ok((account, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc_7636_appendix_b_vector() {
        // The RFC's own pair (also what Python's hashlib + base64 give).
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_long_enough_url_safe_and_fresh() {
        let a = random_token(32).unwrap();
        let b = random_token(32).unwrap();
        // RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~].
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a, b);
    }

    #[test]
    fn a_callback_with_a_code_is_read() {
        let head =
            b"GET /callback?code=mockcode_alice&state=s%2B1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        assert_eq!(
            parse_request(head),
            Request::Callback(Callback::Code {
                code: "mockcode_alice".into(),
                state: Some("s+1".into())
            })
        );
    }

    #[test]
    fn a_denied_callback_is_read_even_with_a_code() {
        let head = b"GET /callback?error=access_denied&error_description=The+user+said+no&state=x&code=c HTTP/1.1\r\n\r\n";
        assert_eq!(
            parse_request(head),
            Request::Callback(Callback::Denied {
                error: "access_denied".into(),
                description: Some("The user said no".into()),
                state: Some("x".into())
            })
        );
    }

    #[test]
    fn anything_else_is_not_a_callback() {
        for head in [
            &b"GET /favicon.ico HTTP/1.1\r\n\r\n"[..],
            b"POST /callback?code=x HTTP/1.1\r\n\r\n",
            b"GET /callbackx?code=x HTTP/1.1\r\n\r\n",
            b"GET /callback?code=x\r\n\r\n",
            b"GET /callback?code=x HTTP/1.1 extra\r\n\r\n",
            b"\xff\xfe garbage",
            b"",
        ] {
            assert_eq!(parse_request(head), Request::Other, "{head:?}");
        }
        assert_eq!(
            parse_request(b"GET /callback?state=x HTTP/1.1\r\n\r\n"),
            Request::BadCallback
        );
        assert_eq!(
            parse_request(b"GET /callback?code=&state=x HTTP/1.1\r\n\r\n"),
            Request::BadCallback
        );
    }

    #[test]
    fn the_authorize_url_carries_pkce_and_state() {
        let url = authorize_url(
            "https://mastodon.example",
            "cid",
            "http://127.0.0.1:5555/callback",
            "chal",
            "st",
        )
        .unwrap();
        let parsed = url::Url::parse(&url).unwrap();
        assert_eq!(parsed.path(), "/oauth/authorize");
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:5555/callback");
        assert_eq!(q["scope"], "read write");
        assert_eq!(q["code_challenge"], "chal");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], "st");
    }

    async fn send(port: u16, request: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn the_listener_skips_other_requests_and_idle_connections() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let browser = tokio::spawn(async move {
            // A spare connection that never speaks must not hold up the rest.
            let _idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let favicon = send(port, "GET /favicon.ico HTTP/1.1\r\n\r\n").await;
            let page = send(
                port,
                "GET /callback?code=c<script>&state=s HTTP/1.1\r\nHost: x\r\n\r\n",
            )
            .await;
            (favicon, page)
        });
        let callback = wait_for_callback(&listener, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(
            callback,
            Callback::Code {
                code: "c<script>".into(),
                state: Some("s".into())
            }
        );
        let (favicon, page) = browser.await.unwrap();
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("You can close this window"));
        assert!(
            !page.contains("script"),
            "nothing from the request is echoed"
        );
    }

    #[tokio::test]
    async fn waiting_for_the_browser_times_out_clearly() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let e = wait_for_callback(&listener, Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no answer came back within"), "{e}");
    }
}
