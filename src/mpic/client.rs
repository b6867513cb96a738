//! The way to the Open MPIC API: a [`Transport`] that POSTs one JSON body
//! and returns the answer's body, and its one real implementation over
//! hyper (HTTP/1.1; HTTPS with rustls against the public roots, because an
//! API key travels with the request). Every failure is typed
//! ([`ApiError`]) and bounded by one deadline; the key is sent as
//! `x-api-key` and never appears in an error.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;

/// The most of an answer dcv reads: an Open MPIC response of a few
/// perspectives (and earlier attempts) is a few kilobytes.
pub const MAX_RESPONSE: usize = 1 << 20;

/// Where the API is: `--mpic URL` with `/mpic` appended (unless it ends so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The full URL POSTed to, as shown in reports.
    pub url: String,
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Endpoint {
    /// Parses `--mpic URL`; the error is the problem in words (exit 2).
    pub fn parse(raw: &str) -> Result<Endpoint, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(
                "empty: give the Open MPIC API's base URL, e.g. https://mpic.example.net".into(),
            );
        }
        let uri: hyper::Uri = raw.parse().map_err(|e| format!("not a URL ({e})"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(other) => {
                return Err(format!(
                    "scheme {other:?}: the Open MPIC API is http or https"
                ));
            }
            None => return Err("no scheme: write http://... or https://...".into()),
        };
        let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
            return Err("no host".into());
        };
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err("user:password@ in the URL: give a key in DCV_MPIC_API_KEY".into());
        }
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let base = uri.path().trim_end_matches('/');
        let path = if base.ends_with("/mpic") {
            base.to_owned()
        } else {
            format!("{base}/mpic")
        };
        let path = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let scheme = if https { "https" } else { "http" };
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or(host);
        Ok(Endpoint {
            url: format!("{scheme}://{authority}{path}"),
            https,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port,
            path,
        })
    }
}

/// Why the API could not be used (the name is NOT CHECKED, exit 3).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ApiError {
    #[error("connection refused")]
    Refused,
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("no answer within {}", crate::text::duration(*.0))]
    Timeout(Duration),
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("HTTP exchange failed: {0}")]
    Protocol(String),
    #[error("HTTP {status}{}", first_bytes(.body))]
    Status { status: u16, body: String },
    #[error("the answer is larger than {} bytes", MAX_RESPONSE)]
    TooLarge,
    /// A 2xx whose body is not an Open MPIC response.
    #[error("{why}{}", first_bytes(.body))]
    NotMpic { why: String, body: String },
}

fn first_bytes(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {}", crate::text::printable_max(body, 80))
    }
}

/// The start of a body, for an error message.
pub fn start_of(body: &[u8]) -> String {
    let end = body.len().min(200);
    String::from_utf8_lossy(&body[..end]).trim().to_owned()
}

/// POSTs one request body to the API.
pub trait Transport: Sync {
    fn post(
        &self,
        endpoint: &Endpoint,
        body: Vec<u8>,
        timeout: Duration,
    ) -> impl Future<Output = Result<Vec<u8>, ApiError>> + Send;
}

/// The real transport: TCP, rustls (public roots) and hyper.
pub struct HyperApi {
    key: Option<String>,
    tls: Arc<ClientConfig>,
}

impl HyperApi {
    /// `key`: sent as `x-api-key` with every request.
    pub fn new(key: Option<String>) -> HyperApi {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = crate::http::cert::public_roots()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::RootCertStore::empty()));
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        HyperApi {
            key,
            tls: Arc::new(config),
        }
    }

    async fn exchange<S>(
        &self,
        stream: S,
        endpoint: &Endpoint,
        body: Vec<u8>,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Vec<u8>, ApiError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let late = |_| ApiError::Timeout(timeout);
        let (mut sender, conn) = timeout_at(
            deadline,
            hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream)),
        )
        .await
        .map_err(late)?
        .map_err(|e| ApiError::Protocol(e.to_string()))?;
        let conn = tokio::spawn(conn);
        let _abort = AbortOnDrop(conn);
        let authority = if endpoint.port == if endpoint.https { 443 } else { 80 } {
            endpoint.host.clone()
        } else {
            format!("{}:{}", endpoint.host, endpoint.port)
        };
        let mut request = hyper::Request::post(endpoint.path.as_str())
            .header(hyper::header::HOST, authority)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::ACCEPT, "application/json")
            .header(
                hyper::header::USER_AGENT,
                concat!("dcv/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(key) = &self.key {
            let mut value = hyper::header::HeaderValue::from_str(key).map_err(|_| {
                ApiError::Protocol("DCV_MPIC_API_KEY holds characters a header cannot carry".into())
            })?;
            value.set_sensitive(true);
            request = request.header("x-api-key", value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ApiError::Protocol(e.to_string()))?;
        let response = timeout_at(deadline, sender.send_request(request))
            .await
            .map_err(late)?
            .map_err(|e| ApiError::Protocol(e.to_string()))?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut out = Vec::new();
        loop {
            match timeout_at(deadline, body.frame()).await.map_err(late)? {
                None => break,
                Some(Err(e)) => return Err(ApiError::Protocol(e.to_string())),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if out.len() + data.len() > MAX_RESPONSE {
                            return Err(ApiError::TooLarge);
                        }
                        out.extend_from_slice(&data);
                    }
                }
            }
        }
        if !(200..300).contains(&status) {
            return Err(ApiError::Status {
                status,
                body: start_of(&out),
            });
        }
        Ok(out)
    }
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Transport for HyperApi {
    async fn post(
        &self,
        endpoint: &Endpoint,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Vec<u8>, ApiError> {
        let deadline = Instant::now() + timeout;
        let tcp = match timeout_at(
            deadline,
            TcpStream::connect((endpoint.host.as_str(), endpoint.port)),
        )
        .await
        {
            Err(_) => return Err(ApiError::Timeout(timeout)),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Err(ApiError::Refused);
            }
            Ok(Err(e)) => return Err(ApiError::Connect(e.to_string())),
            Ok(Ok(tcp)) => tcp,
        };
        let _ = tcp.set_nodelay(true);
        if !endpoint.https {
            return self.exchange(tcp, endpoint, body, deadline, timeout).await;
        }
        let name = ServerName::try_from(endpoint.host.clone())
            .map_err(|e| ApiError::Tls(format!("{}: {e}", endpoint.host)))?;
        let tls = timeout_at(
            deadline,
            TlsConnector::from(self.tls.clone()).connect(name, tcp),
        )
        .await
        .map_err(|_| ApiError::Timeout(timeout))?
        .map_err(|e| ApiError::Tls(e.to_string()))?;
        self.exchange(tls, endpoint, body, deadline, timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = Endpoint::parse("https://mpic.example.net/v1/").unwrap();
        assert_eq!(e.url, "https://mpic.example.net/v1/mpic");
        assert_eq!((e.https, e.port, e.path.as_str()), (true, 443, "/v1/mpic"));
        let e = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(e.url, "http://127.0.0.1:8080/mpic");
        assert_eq!(e.host, "127.0.0.1");
        let e = Endpoint::parse("http://[::1]:9/mpic").unwrap();
        assert_eq!((e.host.as_str(), e.path.as_str()), ("::1", "/mpic"));
        for bad in ["", "  ", "ftp://x/", "mpic.example.net", "http://u:p@x/"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
