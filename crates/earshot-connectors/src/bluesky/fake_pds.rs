//! A scripted XRPC server on 127.0.0.1 for the connector's unit tests: each
//! test answers requests with a closure and inspects what was asked. It speaks
//! just enough HTTP/1.1 (one request per connection) to also send what real
//! servers should not: truncated and oversized bodies.

use std::sync::{Arc, Mutex};

use earshot_core::connector::{ConnectorError, CredentialStore};
use earshot_core::vault::Secret;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub nsid: String,
    pub query: Vec<(String, String)>,
    /// The bearer token, if any.
    pub token: Option<String>,
    pub body: Value,
}

impl Request {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params(name).into_iter().next()
    }

    pub fn params(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// What to answer.
pub enum Reply {
    Json(u16, Value),
    Raw {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Announce `declared` bytes, send `body`, hang up.
    CutShort {
        declared: usize,
        body: Vec<u8>,
    },
}

impl Reply {
    pub fn ok(value: Value) -> Self {
        Self::Json(200, value)
    }

    pub fn error(status: u16, name: &str, message: &str) -> Self {
        Self::Json(
            status,
            serde_json::json!({"error": name, "message": message}),
        )
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct FakePds {
    pub url: String,
    log: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakePds {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakePds {
    pub async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let task_log = log.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, handler.clone(), task_log.clone()));
            }
        });
        Self { url, log, task }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    pub fn calls(&self, nsid: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.nsid == nsid)
            .collect()
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, log: Arc<Mutex<Vec<Request>>>) {
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let mut length = 0;
    let mut token = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap_or(0),
            "authorization" => {
                token = value.trim().strip_prefix("Bearer ").map(str::to_owned);
            }
            _ => {}
        }
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let url = url::Url::parse(&format!("http://x{target}")).unwrap();
    let request = Request {
        method,
        nsid: url.path().trim_start_matches("/xrpc/").to_owned(),
        query: url.query_pairs().into_owned().collect(),
        token,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    log.lock().unwrap().push(request.clone());
    let (status, headers, body, declared) = match handler(&request) {
        Reply::Json(status, value) => (status, vec![], value.to_string().into_bytes(), None),
        Reply::Raw {
            status,
            headers,
            body,
        } => (status, headers, body, None),
        Reply::CutShort { declared, body } => (200, vec![], body, Some(declared)),
    };
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        declared.unwrap_or(body.len())
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let _ = stream.write_all(out.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

/// Credentials kept in memory, counting saves.
#[derive(Default)]
pub struct MemoryStore {
    pub secret: Mutex<Option<Secret>>,
    pub saves: Mutex<usize>,
}

impl MemoryStore {
    pub fn with(json: &Value) -> Arc<Self> {
        Arc::new(Self {
            secret: Mutex::new(Some(Secret::new(json.to_string()))),
            saves: Mutex::new(0),
        })
    }

    pub fn json(&self) -> Value {
        let secret = self.secret.lock().unwrap();
        serde_json::from_str(secret.as_ref().unwrap().expose()).unwrap()
    }
}

impl CredentialStore for MemoryStore {
    fn load(&self) -> Result<Secret, ConnectorError> {
        self.secret
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| ConnectorError::Auth {
                network: "bluesky".into(),
                handle: String::new(),
                message: "no credentials".into(),
            })
    }

    fn save(&self, secret: &Secret) -> Result<(), ConnectorError> {
        *self.secret.lock().unwrap() = Some(secret.clone());
        *self.saves.lock().unwrap() += 1;
        Ok(())
    }
}
