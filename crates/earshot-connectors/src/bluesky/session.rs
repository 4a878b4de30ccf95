//! Sessions with a PDS, and every authenticated XRPC call.
//!
//! The vault keeps `{"did","handle","accessJwt","refreshJwt","appPassword"}`.
//! An access token lasts hours; when it is about to expire, or the PDS says it
//! has (`ExpiredToken`, `InvalidToken`), the session is renewed with
//! `com.atproto.server.refreshSession` and the new pair saved at once: the PDS
//! rotates refresh tokens, so the old one is spent. Only when the refresh token
//! itself is refused does Earshot log in again with the app password (kept in
//! the keyring for that alone): the real network allows 30 `createSession`
//! calls per 5 minutes and 300 a day, far fewer than requests.
//!
//! Renewals are serialised by one async mutex around the session: a second
//! request that found the same token refused waits, then uses the token the
//! first one obtained instead of spending the refresh token again.
//!
//! Tokens travel only in `Authorization` headers; they are never put in URLs,
//! errors or `Debug` output.

use std::sync::Arc;

use base64::Engine as _;
use earshot_core::connector::{ConnectorError, CredentialStore};
use earshot_core::vault::Secret;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{now_ms, Failure, Http};

use super::NETWORK;

/// Renew an access token that expires within this many seconds.
pub const RENEW_BEFORE_SECS: i64 = 60;

/// What the vault holds for a Bluesky account.
pub struct Credentials {
    pub did: String,
    pub handle: String,
    access: Secret,
    refresh: Secret,
    app_password: Option<Secret>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("did", &self.did)
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

/// The vault's JSON document.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    did: String,
    handle: String,
    access_jwt: String,
    refresh_jwt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_password: Option<String>,
}

/// A session as `createSession` and `refreshSession` return it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    pub did: String,
    pub handle: String,
    access_jwt: String,
    refresh_jwt: String,
}

impl Credentials {
    pub fn new(tokens: Tokens, app_password: Option<Secret>) -> Self {
        Self {
            did: tokens.did,
            handle: tokens.handle,
            access: Secret::new(tokens.access_jwt),
            refresh: Secret::new(tokens.refresh_jwt),
            app_password,
        }
    }

    pub fn to_secret(&self) -> Secret {
        let stored = Stored {
            did: self.did.clone(),
            handle: self.handle.clone(),
            access_jwt: self.access.expose().to_owned(),
            refresh_jwt: self.refresh.expose().to_owned(),
            app_password: self.app_password.as_ref().map(|p| p.expose().to_owned()),
        };
        // A struct of strings always serialises.
        Secret::new(serde_json::to_string(&stored).unwrap_or_default())
    }

    pub fn from_secret(secret: &Secret) -> Result<Self, String> {
        let stored: Stored = serde_json::from_str(secret.expose()).map_err(|e| {
            format!(
                "the stored credentials are unreadable ({})",
                json_category(&e)
            )
        })?;
        Ok(Self {
            did: stored.did,
            handle: stored.handle,
            access: Secret::new(stored.access_jwt),
            refresh: Secret::new(stored.refresh_jwt),
            app_password: stored.app_password.map(Secret::new),
        })
    }

    /// Adds the access token to a request.
    pub fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        request.bearer_auth(self.access.expose())
    }

    fn renew_with(&mut self, tokens: Tokens) {
        self.did = tokens.did;
        self.handle = tokens.handle;
        self.access = Secret::new(tokens.access_jwt);
        self.refresh = Secret::new(tokens.refresh_jwt);
    }
}

/// Names a JSON error's category without its text (which may quote input).
fn json_category(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "fields missing or mistyped",
        serde_json::error::Category::Eof => "truncated",
    }
}

/// A JWT's `exp` claim (Unix seconds), read without checking the signature:
/// only to decide when to renew, never to trust.
pub fn jwt_expiry(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    #[derive(Deserialize)]
    struct Claims {
        exp: i64,
    }
    serde_json::from_slice::<Claims>(&bytes).ok().map(|c| c.exp)
}

/// Whether a token expires within `margin_secs` of `now_secs`. A token whose
/// expiry cannot be read is assumed valid: the server's answer decides.
pub fn expires_within(token: &str, margin_secs: i64, now_secs: i64) -> bool {
    jwt_expiry(token).is_some_and(|exp| exp - now_secs <= margin_secs)
}

/// How an XRPC call failed.
#[derive(Debug)]
pub enum CallError {
    /// The PDS refused the bearer token (`ExpiredToken` / `InvalidToken`).
    TokenRejected(String),
    /// Anything else, with the XRPC error name when the body had one.
    Failed {
        error: ConnectorError,
        name: Option<String>,
    },
}

impl CallError {
    fn failed(error: ConnectorError) -> Self {
        Self::Failed { error, name: None }
    }
}

/// The `error` field of an XRPC error body.
fn error_name(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    Some(value.get("error")?.as_str()?.chars().take(100).collect())
}

/// Classifies a failed XRPC call by its error name first, then its status.
pub fn classify(failure: Failure, body: &[u8], handle: &str) -> CallError {
    let name = error_name(body);
    let message = match &failure {
        Failure::Status { message, .. } => message.clone(),
        Failure::Error(e) => e.to_string(),
    };
    let error = match (name.as_deref(), failure) {
        (Some("ExpiredToken" | "InvalidToken"), _) => return CallError::TokenRejected(message),
        (Some("AuthenticationRequired"), _) => auth(handle, message),
        (
            Some("RateLimitExceeded"),
            Failure::Status {
                message,
                retry_after,
                server,
                ..
            },
        ) => Failure::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            message,
            retry_after,
            server,
        }
        .classify(NETWORK, handle),
        (_, failure) => failure.classify(NETWORK, handle),
    };
    CallError::Failed { error, name }
}

pub fn auth(handle: &str, message: String) -> ConnectorError {
    ConnectorError::Auth {
        network: NETWORK.to_owned(),
        handle: handle.to_owned(),
        message,
    }
}

/// Sends one XRPC request; a success is returned unread.
pub async fn exchange(
    http: &Http,
    request: RequestBuilder,
    what: &str,
    handle: &str,
) -> Result<Response, CallError> {
    let response = http
        .send_any(request)
        .await
        .map_err(|f| CallError::failed(f.classify(NETWORK, handle)))?;
    if response.status().is_success() {
        return Ok(response);
    }
    let (failure, body) = http.failure(response, what).await;
    Err(classify(failure, &body, handle))
}

/// Reads a successful response's JSON.
pub async fn read<T: DeserializeOwned>(
    http: &Http,
    response: Response,
    what: &str,
    handle: &str,
) -> Result<T, ConnectorError> {
    http.read_json(response, what)
        .await
        .map_err(|f| f.classify(NETWORK, handle))
}

const CREATE_SESSION: &str = "com.atproto.server.createSession";
const REFRESH_SESSION: &str = "com.atproto.server.refreshSession";

/// Logs in (`createSession`). A refusal says to use an app password.
pub async fn create_session(
    http: &Http,
    identifier: &str,
    password: &Secret,
    handle: &str,
) -> Result<Tokens, ConnectorError> {
    let body = serde_json::json!({"identifier": identifier, "password": password.expose()});
    let request = http.post(&format!("/xrpc/{CREATE_SESSION}")).json(&body);
    match exchange(http, request, CREATE_SESSION, handle).await {
        Ok(response) => read(http, response, CREATE_SESSION, handle).await,
        Err(CallError::TokenRejected(_))
        | Err(CallError::Failed {
            error: ConnectorError::Auth { .. },
            ..
        }) => Err(auth(
            handle,
            "wrong handle or password. Use an app password from Bluesky's Settings → App \
             passwords"
                .to_owned(),
        )),
        Err(CallError::Failed { error, .. }) => Err(error),
    }
}

/// What to send.
pub enum Call<'a> {
    /// A GET with query parameters (a key may repeat).
    Query(&'a [(&'a str, &'a str)]),
    /// A POST with a JSON body.
    Procedure(&'a Value),
}

#[derive(Default)]
struct Slot {
    credentials: Option<Credentials>,
    /// Renewed tokens the vault refused to store: saved again before the next call.
    unsaved: bool,
}

/// The account's XRPC client: sessions, renewals, retries.
pub struct Xrpc {
    http: Http,
    /// The account's handle as the store knows it, for errors.
    handle: String,
    store: Arc<dyn CredentialStore>,
    slot: tokio::sync::Mutex<Slot>,
}

impl std::fmt::Debug for Xrpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Xrpc")
            .field("server", &self.http.base())
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

impl Xrpc {
    pub fn new(http: Http, handle: String, store: Arc<dyn CredentialStore>) -> Self {
        Self {
            http,
            handle,
            store,
            slot: tokio::sync::Mutex::default(),
        }
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    pub fn handle(&self) -> &str {
        &self.handle
    }

    /// The account's DID and current handle, from its credentials.
    pub async fn identity(&self) -> Result<(String, String), ConnectorError> {
        let mut slot = self.slot.lock().await;
        let credentials = self.loaded(&mut slot)?;
        Ok((credentials.did.clone(), credentials.handle.clone()))
    }

    /// A call's JSON output.
    pub async fn json<T: DeserializeOwned>(
        &self,
        nsid: &str,
        call: Call<'_>,
    ) -> Result<T, ConnectorError> {
        let response = self.call(nsid, call).await.map_err(|(e, _)| e)?;
        read(&self.http, response, nsid, &self.handle).await
    }

    /// Calls with the session's token, renewing it once if the PDS refuses
    /// it. A failure comes with its XRPC error name, if any.
    pub async fn call(
        &self,
        nsid: &str,
        call: Call<'_>,
    ) -> Result<Response, (ConnectorError, Option<String>)> {
        let token = self.access_token().await.map_err(|e| (e, None))?;
        let first = exchange(
            &self.http,
            self.request(nsid, &call, &token),
            nsid,
            &self.handle,
        );
        let rejected = match first.await {
            Ok(response) => return Ok(response),
            Err(CallError::Failed { error, name }) => return Err((error, name)),
            Err(CallError::TokenRejected(message)) => message,
        };
        let token = self
            .renew_after_rejection(&token)
            .await
            .map_err(|e| (e, None))?;
        let second = exchange(
            &self.http,
            self.request(nsid, &call, &token),
            nsid,
            &self.handle,
        );
        match second.await {
            Ok(response) => Ok(response),
            Err(CallError::Failed { error, name }) => Err((error, name)),
            Err(CallError::TokenRejected(message)) => Err((
                auth(
                    &self.handle,
                    format!("the PDS refused a renewed session ({rejected}; then {message})"),
                ),
                None,
            )),
        }
    }

    fn request(&self, nsid: &str, call: &Call<'_>, token: &Secret) -> RequestBuilder {
        let path = format!("/xrpc/{nsid}");
        let request = match call {
            Call::Query(params) => self.http.get(&path).query(params),
            Call::Procedure(body) => self.http.post(&path).json(body),
        };
        request.bearer_auth(token.expose())
    }

    /// The credentials, loaded from the vault on first use.
    fn loaded<'s>(&self, slot: &'s mut Slot) -> Result<&'s mut Credentials, ConnectorError> {
        if slot.credentials.is_none() {
            let secret = self.store.load()?;
            let credentials =
                Credentials::from_secret(&secret).map_err(|message| auth(&self.handle, message))?;
            slot.credentials = Some(credentials);
        }
        slot.credentials
            .as_mut()
            .ok_or_else(|| auth(&self.handle, "no credentials".to_owned()))
    }

    /// A token to use now, renewed first if it expires within a minute.
    async fn access_token(&self) -> Result<Secret, ConnectorError> {
        let mut slot = self.slot.lock().await;
        let access = self.loaded(&mut slot)?.access.clone();
        if slot.unsaved {
            self.save(&mut slot)?;
        }
        if expires_within(access.expose(), RENEW_BEFORE_SECS, now_ms() / 1000) {
            return self.renew(&mut slot).await;
        }
        Ok(access)
    }

    /// After the PDS refused `rejected`: a renewed token, unless another call
    /// renewed the session meanwhile.
    async fn renew_after_rejection(&self, rejected: &Secret) -> Result<Secret, ConnectorError> {
        let mut slot = self.slot.lock().await;
        let current = self.loaded(&mut slot)?.access.clone();
        if current.expose() != rejected.expose() {
            return Ok(current);
        }
        self.renew(&mut slot).await
    }

    /// Renews the session (refresh, else log in with the app password), saves
    /// it, and returns the new access token.
    async fn renew(&self, slot: &mut Slot) -> Result<Secret, ConnectorError> {
        let credentials = self.loaded(slot)?;
        let tokens = match self.refresh(&credentials.refresh).await? {
            Some(tokens) => tokens,
            None => {
                let Some(password) = &credentials.app_password else {
                    return Err(auth(
                        &self.handle,
                        "the session expired and no app password is kept to renew it".to_owned(),
                    ));
                };
                create_session(&self.http, &credentials.did, password, &self.handle).await?
            }
        };
        credentials.renew_with(tokens);
        let access = credentials.access.clone();
        slot.unsaved = true;
        self.save(slot)?;
        Ok(access)
    }

    /// `refreshSession`; `None` when the PDS refuses the refresh token.
    async fn refresh(&self, refresh: &Secret) -> Result<Option<Tokens>, ConnectorError> {
        // An expired refresh token would only be refused: skip the request.
        if expires_within(refresh.expose(), 0, now_ms() / 1000) {
            return Ok(None);
        }
        let request = self
            .http
            .post(&format!("/xrpc/{REFRESH_SESSION}"))
            .bearer_auth(refresh.expose());
        match exchange(&self.http, request, REFRESH_SESSION, &self.handle).await {
            Ok(response) => read(&self.http, response, REFRESH_SESSION, &self.handle)
                .await
                .map(Some),
            Err(CallError::TokenRejected(_))
            | Err(CallError::Failed {
                error: ConnectorError::Auth { .. } | ConnectorError::Refused { .. },
                ..
            }) => Ok(None),
            Err(CallError::Failed { error, .. }) => Err(error),
        }
    }

    fn save(&self, slot: &mut Slot) -> Result<(), ConnectorError> {
        if let Some(credentials) = &slot.credentials {
            self.store.save(&credentials.to_secret())?;
        }
        slot.unsaved = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    pub(crate) fn jwt(exp: i64) -> String {
        let enc =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.c2lnbmF0dXJl",
            enc(&serde_json::json!({"typ": "at+jwt", "alg": "HS256"})),
            enc(
                &serde_json::json!({"scope": "com.atproto.appPass", "sub": "did:plc:a", "exp": exp})
            )
        )
    }

    #[test]
    fn the_expiry_is_read_from_the_payload() {
        assert_eq!(jwt_expiry(&jwt(1_763_805_600)), Some(1_763_805_600));
        assert_eq!(jwt_expiry("not a jwt"), None);
        assert_eq!(jwt_expiry("a.%%%.c"), None, "not base64url");
        assert_eq!(jwt_expiry("a.e30.c"), None, "no exp claim");
        // Some encoders pad; the payload is still readable.
        let padded = format!(
            "h.{}=.s",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"exp":5}"#)
        );
        assert_eq!(jwt_expiry(&padded), Some(5));
    }

    #[test]
    fn renewal_starts_a_minute_before_expiry() {
        let now = 1_000_000;
        assert!(expires_within(&jwt(now + 30), RENEW_BEFORE_SECS, now));
        assert!(expires_within(&jwt(now - 5), RENEW_BEFORE_SECS, now));
        assert!(!expires_within(&jwt(now + 3600), RENEW_BEFORE_SECS, now));
        assert!(
            !expires_within("opaque", RENEW_BEFORE_SECS, now),
            "unknown: let the server say"
        );
    }

    #[test]
    fn credentials_round_trip_and_never_show_in_debug() {
        let stored = Secret::new(
            r#"{"did":"did:plc:a","handle":"a.test","accessJwt":"ACCESS-TOKEN",
                "refreshJwt":"REFRESH-TOKEN","appPassword":"abcd-efgh-ijkl-mnop","extra":1}"#,
        );
        let c = Credentials::from_secret(&stored).unwrap();
        let debug = format!("{c:?}");
        for secret in ["ACCESS-TOKEN", "REFRESH-TOKEN", "abcd-efgh"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        let again: Value = serde_json::from_str(c.to_secret().expose()).unwrap();
        assert_eq!(again["accessJwt"], "ACCESS-TOKEN");
        assert_eq!(again["refreshJwt"], "REFRESH-TOKEN");
        assert_eq!(again["appPassword"], "abcd-efgh-ijkl-mnop");
        assert_eq!(again["did"], "did:plc:a");
        assert_eq!(again["handle"], "a.test");

        let e =
            Credentials::from_secret(&Secret::new(r#"{"did":"x","accessJwt":"LEAK"#)).unwrap_err();
        assert!(!e.contains("LEAK"), "{e}");
    }

    fn status(code: u16, body: &str) -> (Failure, Vec<u8>) {
        (
            Failure::Status {
                status: StatusCode::from_u16(code).unwrap(),
                message: format!("x: HTTP {code}"),
                retry_after: Some(Duration::from_secs(7)),
                server: "http://pds".into(),
            },
            body.as_bytes().to_vec(),
        )
    }

    #[test]
    fn xrpc_error_names_decide_before_statuses() {
        let call = |code, body: &str| {
            let (f, b) = status(code, body);
            classify(f, &b, "a.test")
        };
        assert!(matches!(
            call(
                400,
                r#"{"error":"ExpiredToken","message":"Token has expired"}"#
            ),
            CallError::TokenRejected(_)
        ));
        assert!(matches!(
            call(401, r#"{"error":"InvalidToken"}"#),
            CallError::TokenRejected(_)
        ));
        assert!(matches!(
            call(401, r#"{"error":"AuthenticationRequired"}"#),
            CallError::Failed {
                error: ConnectorError::Auth { .. },
                ..
            }
        ));
        match call(429, r#"{"error":"RateLimitExceeded"}"#) {
            CallError::Failed {
                error: ConnectorError::RateLimited { retry_after, .. },
                ..
            } => assert_eq!(retry_after, Duration::from_secs(7)),
            other => panic!("{other:?}"),
        }
        match call(
            400,
            r#"{"error":"RecordNotFound","message":"Could not locate record"}"#,
        ) {
            CallError::Failed {
                error: ConnectorError::Refused { .. },
                name,
            } => assert_eq!(name.as_deref(), Some("RecordNotFound")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            call(502, r#"{"error":"UpstreamFailure"}"#),
            CallError::Failed {
                error: ConnectorError::Server { .. },
                ..
            }
        ));
        assert!(matches!(
            call(401, "not json"),
            CallError::Failed {
                error: ConnectorError::Auth { .. },
                ..
            }
        ));
    }
}
