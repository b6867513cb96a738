//! One HTTP(S) GET from one address, behind the [`Fetcher`] trait. The real
//! fetcher drives TCP, TLS (rustls, no certificate verification) and HTTP/1.1
//! (hyper) itself, so that each failure can be told apart: refused, timed
//! out, TLS spoken on the HTTP port, plain HTTP on the HTTPS port.
//! Redirects are never followed; at most [`MAX_BODY`] bytes are read.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;

use super::HttpScheme;
use crate::text;

/// Header values are server input: at most this many characters are shown.
const HEADER_SHOWN: usize = 300;

/// The most body a check reads; a larger body fails (SPEC section 3).
pub const MAX_BODY: usize = 64 * 1024;

/// What to fetch, and from which address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    pub scheme: HttpScheme,
    /// The Host header and the TLS SNI.
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
    pub address: IpAddr,
    /// For the whole exchange: connect, TLS, response and body.
    pub timeout: Duration,
}

impl FetchRequest {
    /// `host[:port]`, the port only when not the scheme's default.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == self.scheme.default_port() {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    pub fn url(&self) -> String {
        format!("{}://{}{}", self.scheme.name(), self.authority(), self.path)
    }

    /// The address contacted, with the port when not the default.
    pub fn address_label(&self) -> String {
        if self.port == self.scheme.default_port() {
            self.address.to_string()
        } else {
            SocketAddr::new(self.address, self.port).to_string()
        }
    }
}

/// A response that arrived (any status).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    /// At most [`MAX_BODY`] bytes.
    pub body: Vec<u8>,
    /// The body was (or announced it would be) larger than [`MAX_BODY`];
    /// reading stopped there.
    pub too_large: bool,
    /// The leaf certificate the server presented (HTTPS).
    pub certificate: Option<Vec<u8>>,
    /// The certificates the server sent after the leaf (HTTPS).
    pub intermediates: Vec<Vec<u8>>,
    /// The response headers as received (at most [`MAX_HEADERS_KEPT`],
    /// values escaped and shortened), for the evidence bundle.
    pub headers: Vec<(String, String)>,
}

/// The most response headers a [`Response`] keeps.
pub const MAX_HEADERS_KEPT: usize = 64;

/// Why no complete response arrived.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("connection refused")]
    Refused,
    #[error("connection timed out after {}", text::seconds(*.0))]
    ConnectTimeout(Duration),
    #[error("no route to this address ({0})")]
    Unreachable(String),
    #[error("connected, but nothing came back within {}", text::seconds(*.0))]
    NoResponse(Duration),
    #[error("the response was still incomplete after {} ({received} bytes received)", text::seconds(*timeout))]
    Stalled { timeout: Duration, received: u64 },
    #[error("the server closed the connection without answering")]
    Closed,
    #[error("the connection was reset")]
    Reset,
    #[error("the server speaks TLS on this plain-HTTP port")]
    TlsOnHttpPort,
    #[error("the server answered in plain HTTP on this HTTPS port")]
    HttpOnHttpsPort,
    /// The port answered with an HTTP/2 frame: it speaks HTTP/2 only
    /// (h2c with prior knowledge), and CAs fetch over HTTP/1.1.
    #[error(
        "the server answered with HTTP/2 frames: this port speaks HTTP/2 only (h2c), not HTTP/1.1"
    )]
    Http2Only,
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// The server and dcv share no protocol version, cipher suite or
    /// signature scheme (e.g. a server offering only TLS 1.2 CBC suites,
    /// which rustls does not implement): a limit of dcv, not necessarily
    /// of the CA's fetcher.
    #[error(
        "TLS handshake failed: dcv and the server share no TLS version, cipher suite or signature scheme ({0})"
    )]
    TlsNoCommon(String),
    #[error("invalid HTTP response: {0}")]
    Protocol(String),
    /// The head arrived, then the server closed before the body's end
    /// (a body shorter than its Content-Length, or a chunked body cut off).
    #[error("the server closed the connection after {received} bytes of the body{}", announced.map(|n| format!(" (its Content-Length announced {n})")).unwrap_or_default())]
    Truncated {
        received: u64,
        announced: Option<u64>,
    },
    #[error("{0}")]
    Io(String),
}

/// One GET from one address.
pub trait Fetcher: Send + Sync {
    fn fetch(
        &self,
        req: &FetchRequest,
    ) -> impl Future<Output = Result<Response, FetchError>> + Send;
}

impl<T: Fetcher> Fetcher for &T {
    fn fetch(
        &self,
        req: &FetchRequest,
    ) -> impl Future<Output = Result<Response, FetchError>> + Send {
        (**self).fetch(req)
    }
}

/// The real fetcher: TCP, rustls and hyper's HTTP/1.1 client.
pub struct HyperFetcher {
    tls: Arc<ClientConfig>,
}

impl Default for HyperFetcher {
    fn default() -> Self {
        Self::new()
    }
}

impl HyperFetcher {
    pub fn new() -> HyperFetcher {
        let mut provider = rustls::crypto::ring::default_provider();
        // After ring's groups: offered, never preferred.
        provider.kx_groups.push(&super::p521::SECP521R1);
        let provider = Arc::new(provider);
        let verifier = Arc::new(AcceptAnyCertificate(
            provider.signature_verification_algorithms,
        ));
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default TLS versions")
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        HyperFetcher {
            tls: Arc::new(config),
        }
    }

    async fn connect(
        &self,
        req: &FetchRequest,
        deadline: Instant,
    ) -> Result<TcpStream, FetchError> {
        let addr = SocketAddr::new(req.address, req.port);
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => Err(FetchError::ConnectTimeout(req.timeout)),
            Ok(Err(e)) => Err(connect_error(&e, req.timeout)),
            Ok(Ok(tcp)) => {
                let _ = tcp.set_nodelay(true);
                Ok(tcp)
            }
        }
    }

    fn server_name(host: &str) -> Result<ServerName<'static>, FetchError> {
        ServerName::try_from(host.to_owned())
            .map_err(|e| FetchError::Tls(format!("{host} cannot be a TLS server name: {e}")))
    }

    async fn fetch_inner(&self, req: &FetchRequest) -> Result<Response, FetchError> {
        let deadline = Instant::now() + req.timeout;
        let tcp = self.connect(req, deadline).await?;
        let (stream, sniff) = Sniff::new(tcp);
        match req.scheme {
            HttpScheme::Http => {
                let result = exchange(stream, &sniff, req, deadline).await;
                match result {
                    Err(FetchError::Closed | FetchError::Protocol(_))
                        if self.speaks_tls(req, deadline).await =>
                    {
                        Err(FetchError::TlsOnHttpPort)
                    }
                    other => other,
                }
            }
            HttpScheme::Https => {
                let name = Self::server_name(&req.host)?;
                let connector = TlsConnector::from(self.tls.clone());
                let tls = match timeout_at(deadline, connector.connect(name, stream)).await {
                    Err(_) => return Err(sniff.timeout(req.timeout)),
                    Ok(Err(e)) => {
                        let first = sniff.first();
                        return Err(if first.starts_with(b"HTTP/") {
                            FetchError::HttpOnHttpsPort
                        } else if sniff.received() == 0 && is_eof(&e) {
                            FetchError::Closed
                        } else if e.kind() == io::ErrorKind::ConnectionReset {
                            FetchError::Reset
                        } else if no_common_ground(&e) {
                            FetchError::TlsNoCommon(e.to_string())
                        } else {
                            FetchError::Tls(e.to_string())
                        });
                    }
                    Ok(Ok(tls)) => tls,
                };
                let chain: Vec<Vec<u8>> = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .map(|c| c.iter().take(8).map(|c| c.to_vec()).collect())
                    .unwrap_or_default();
                let mut response = exchange(tls, &sniff, req, deadline).await?;
                let mut chain = chain.into_iter();
                response.certificate = chain.next();
                response.intermediates = chain.collect();
                Ok(response)
            }
        }
    }

    /// Whether the port completes a TLS handshake: tells "TLS on the HTTP
    /// port" from a server that merely hung up.
    async fn speaks_tls(&self, req: &FetchRequest, deadline: Instant) -> bool {
        let Ok(tcp) = self.connect(req, deadline).await else {
            return false;
        };
        let Ok(name) = Self::server_name(&req.host) else {
            return false;
        };
        let connector = TlsConnector::from(self.tls.clone());
        matches!(
            timeout_at(deadline, connector.connect(name, tcp)).await,
            Ok(Ok(_))
        )
    }
}

impl Fetcher for HyperFetcher {
    async fn fetch(&self, req: &FetchRequest) -> Result<Response, FetchError> {
        self.fetch_inner(req).await
    }
}

/// Sends the GET over an established stream and reads at most
/// [`MAX_BODY`] bytes of the answer, all before `deadline`.
async fn exchange<S>(
    stream: S,
    sniff: &SniffHandle,
    req: &FetchRequest,
    deadline: Instant,
) -> Result<Response, FetchError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let handshake = hyper::client::conn::http1::Builder::new()
        // Bounds what hyper buffers for the head and each body read.
        .max_buf_size(MAX_BODY + 16 * 1024)
        .handshake::<_, Empty<Bytes>>(TokioIo::new(stream));
    let (mut sender, conn) = timeout_at(deadline, handshake)
        .await
        .map_err(|_| sniff.timeout(req.timeout))?
        .map_err(|e| FetchError::Protocol(e.to_string()))?;
    // The connection task dies with this guard, whatever path we leave by.
    let conn = AbortOnDrop(tokio::spawn(conn));

    let request = hyper::Request::get(req.path.as_str())
        .header(hyper::header::HOST, req.authority())
        .header(
            hyper::header::USER_AGENT,
            concat!(
                "dcv/",
                env!("CARGO_PKG_VERSION"),
                " (domain control validation check)"
            ),
        )
        .header(hyper::header::ACCEPT, "*/*")
        .header(hyper::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .map_err(|e| FetchError::Protocol(e.to_string()))?;
    let response = match timeout_at(deadline, sender.send_request(request)).await {
        Err(_) => return Err(sniff.timeout(req.timeout)),
        Ok(Err(e)) => return Err(response_error(&e, sniff, req.scheme)),
        Ok(Ok(r)) => r,
    };

    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v| text::printable_max(&String::from_utf8_lossy(v.as_bytes()), HEADER_SHOWN))
    };
    let mut out = Response {
        status: response.status().as_u16(),
        location: header(hyper::header::LOCATION),
        content_type: header(hyper::header::CONTENT_TYPE),
        content_length: response
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok()),
        headers: response
            .headers()
            .iter()
            .take(MAX_HEADERS_KEPT)
            .map(|(k, v)| {
                let value = String::from_utf8_lossy(v.as_bytes());
                (
                    k.as_str().to_owned(),
                    text::printable_max(&value, HEADER_SHOWN),
                )
            })
            .collect(),
        ..Response::default()
    };
    if out.content_length.is_some_and(|n| n > MAX_BODY as u64) {
        // Fail fast: no need to read what will not pass.
        out.too_large = true;
        return Ok(out);
    }

    let mut body = response.into_body();
    loop {
        let frame = match timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(sniff.timeout(req.timeout)),
            Ok(None) => break,
            // A status line came, so this is no TLS port: fail at the close
            // (no probing, no waiting for the deadline).
            Ok(Some(Err(e))) if e.is_incomplete_message() || io_source(&e).is_some() => {
                return Err(FetchError::Truncated {
                    received: out.body.len() as u64,
                    announced: out.content_length,
                });
            }
            Ok(Some(Err(e))) => {
                return Err(FetchError::Protocol(format!(
                    "the body was cut off after {} bytes: {e}",
                    out.body.len()
                )));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            let room = MAX_BODY - out.body.len();
            if data.len() > room {
                out.body.extend_from_slice(&data[..room]);
                out.too_large = true;
                break;
            }
            out.body.extend_from_slice(&data);
        }
    }
    drop(conn);
    Ok(out)
}

/// The handshake failed because the two sides have nothing in common
/// (the server's handshake_failure / protocol_version / insufficient
/// security alert, or rustls finding no common suite or version).
fn no_common_ground(e: &io::Error) -> bool {
    use rustls::AlertDescription as A;
    matches!(
        e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()),
        Some(
            rustls::Error::AlertReceived(
                A::HandshakeFailure | A::ProtocolVersion | A::InsufficientSecurity,
            ) | rustls::Error::PeerIncompatible(_)
        )
    )
}

fn connect_error(e: &io::Error, timeout: Duration) -> FetchError {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => FetchError::Refused,
        // The kernel gave up first (its SYN retries), within our deadline.
        io::ErrorKind::TimedOut => FetchError::ConnectTimeout(timeout),
        io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::AddrNotAvailable => FetchError::Unreachable(e.to_string()),
        _ => FetchError::Io(format!("cannot connect: {e}")),
    }
}

fn response_error(e: &hyper::Error, sniff: &SniffHandle, scheme: HttpScheme) -> FetchError {
    let first = sniff.first();
    // A TLS record (handshake 0x16 or alert 0x15, version 3.x) answering a plain GET.
    if scheme == HttpScheme::Http
        && first.len() >= 2
        && matches!(first[0], 0x15 | 0x16)
        && first[1] == 3
    {
        return FetchError::TlsOnHttpPort;
    }
    // An HTTP/2 frame header (SETTINGS or GOAWAY on stream 0) where an
    // HTTP/1.1 status line belongs.
    if first.len() >= 9 && matches!(first[3], 0x04 | 0x07) && first[5..9] == [0, 0, 0, 0] {
        return FetchError::Http2Only;
    }
    if let Some(io) = io_source(e)
        && io.kind() == io::ErrorKind::ConnectionReset
    {
        return FetchError::Reset;
    }
    if e.is_incomplete_message() && sniff.received() == 0 {
        return FetchError::Closed;
    }
    FetchError::Protocol(e.to_string())
}

fn io_source<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

fn is_eof(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::UnexpectedEof
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Accepts any certificate (the CAs do not verify it either) but still checks
/// handshake signatures, so the session is a real TLS session.
#[derive(Debug)]
struct AcceptAnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if let Some(point) = p521_key(cert) {
            return verify_p521(message, &point, dss);
        }
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if dss.scheme == SignatureScheme::ECDSA_NISTP521_SHA512
            && let Some(point) = p521_key(cert)
        {
            return verify_p521(message, &point, dss);
        }
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        // ring has no P-521: offered here, verified with RustCrypto's p521,
        // so servers with a P-521 certificate complete the handshake as
        // they do with curl and openssl (and the CAs' fetchers).
        let mut schemes = self.0.supported_schemes();
        schemes.push(SignatureScheme::ECDSA_NISTP521_SHA512);
        schemes
    }
}

/// The key of a certificate when it is an ECDSA key on P-521 (which
/// ring cannot verify), as a SEC1 point.
fn p521_key(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, parsed) = X509Certificate::from_der(cert.as_ref()).ok()?;
    let spki = parsed.public_key();
    let curve = spki.algorithm.parameters.as_ref()?.as_oid().ok()?;
    // secp521r1, 1.3.132.0.35
    (curve.to_id_string() == "1.3.132.0.35").then(|| spki.subject_public_key.data.to_vec())
}

/// An ECDSA handshake signature by a P-521 key: with SHA-512 in TLS 1.3,
/// with whichever ECDSA hash the server chose in TLS 1.2 (that version
/// does not tie the hash to the curve).
fn verify_p521(
    message: &[u8],
    point: &[u8],
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    use ecdsa::signature::hazmat::PrehashVerifier;
    use sha2::Digest;
    let bad = || rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature);
    let prehash: Vec<u8> = match dss.scheme {
        SignatureScheme::ECDSA_NISTP256_SHA256 => sha2::Sha256::digest(message).to_vec(),
        SignatureScheme::ECDSA_NISTP384_SHA384 => sha2::Sha384::digest(message).to_vec(),
        SignatureScheme::ECDSA_NISTP521_SHA512 => sha2::Sha512::digest(message).to_vec(),
        _ => return Err(bad()),
    };
    let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad())?;
    let sig = p521::ecdsa::Signature::from_der(dss.signature()).map_err(|_| bad())?;
    key.verify_prehash(&prehash, &sig).map_err(|_| bad())?;
    Ok(HandshakeSignatureValid::assertion())
}

/// What the server sent first, and how much: enough to recognise a TLS
/// record on the HTTP port or an HTTP status line on the HTTPS port.
#[derive(Default)]
struct SniffState {
    first: Vec<u8>,
    received: u64,
}

#[derive(Clone, Default)]
struct SniffHandle(Arc<Mutex<SniffState>>);

impl SniffHandle {
    fn first(&self) -> Vec<u8> {
        self.0.lock().map(|s| s.first.clone()).unwrap_or_default()
    }

    fn received(&self) -> u64 {
        self.0.lock().map(|s| s.received).unwrap_or_default()
    }

    /// The timeout error for what was seen so far.
    fn timeout(&self, timeout: Duration) -> FetchError {
        match self.received() {
            0 => FetchError::NoResponse(timeout),
            received => FetchError::Stalled { timeout, received },
        }
    }
}

struct Sniff<S> {
    inner: S,
    state: SniffHandle,
}

impl<S> Sniff<S> {
    fn new(inner: S) -> (Sniff<S>, SniffHandle) {
        let state = SniffHandle::default();
        (
            Sniff {
                inner,
                state: state.clone(),
            },
            state,
        )
    }
}

const SNIFF_LEN: usize = 16;

impl<S: AsyncRead + Unpin> AsyncRead for Sniff<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            let new = &buf.filled()[before..];
            if let Ok(mut s) = self.state.0.lock() {
                let take = SNIFF_LEN.saturating_sub(s.first.len()).min(new.len());
                s.first.extend_from_slice(&new[..take]);
                s.received += new.len() as u64;
            }
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Sniff<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(scheme: HttpScheme, port: u16, host: &str, address: &str) -> FetchRequest {
        FetchRequest {
            scheme,
            host: host.into(),
            port,
            path: "/.well-known/pki-validation/X.txt".into(),
            address: address.parse().unwrap(),
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn urls_and_labels_omit_default_ports() {
        let r = req(HttpScheme::Http, 80, "www.example.com", "192.0.2.1");
        assert_eq!(
            r.url(),
            "http://www.example.com/.well-known/pki-validation/X.txt"
        );
        assert_eq!(r.address_label(), "192.0.2.1");
        let r = req(HttpScheme::Https, 8443, "www.example.com", "::1");
        assert_eq!(
            r.url(),
            "https://www.example.com:8443/.well-known/pki-validation/X.txt"
        );
        assert_eq!(r.address_label(), "[::1]:8443");
        let r = req(HttpScheme::Http, 80, "::1", "::1");
        assert_eq!(r.authority(), "[::1]");
    }

    #[test]
    fn timeouts_render_in_seconds() {
        assert_eq!(
            FetchError::NoResponse(Duration::from_millis(1500)).to_string(),
            "connected, but nothing came back within 1.5s"
        );
        assert_eq!(
            FetchError::ConnectTimeout(Duration::from_secs(10)).to_string(),
            "connection timed out after 10s"
        );
    }

    #[test]
    fn header_values_are_sanitised() {
        assert_eq!(text::printable_max("a\r\nb", HEADER_SHOWN), "a\\r\\nb");
        assert_eq!(
            text::printable_max(&"x".repeat(400), HEADER_SHOWN)
                .chars()
                .count(),
            301
        );
    }
}
