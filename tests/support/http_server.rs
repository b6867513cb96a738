//! In-process HTTP and HTTPS test servers on loopback ephemeral ports, for
//! the `check-http` tests: a handler decides each reply, including the
//! misbehaviours a check must survive (huge bodies, trickling, silence, a
//! port that speaks the other protocol). Raw HTTP/1.1 over tokio, so every
//! byte on the wire is under the test's control.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener as StdListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// What the server saw of one request.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub path: String,
    pub host: Option<String>,
    /// The TLS server name the client sent (HTTPS only).
    pub sni: Option<String>,
}

/// How to answer a request.
#[derive(Debug, Clone)]
pub enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// `len` bytes of `a`, announced with Content-Length or chunked.
    Big { len: u64, content_length: bool },
    /// The response, one byte per `every`.
    Trickle { every: Duration },
    /// Read the request, then never answer (hold the connection).
    Silent,
    /// These bytes as they are, then close the sending side and hold the
    /// connection open (a server that hung up half-way).
    HalfClose(Vec<u8>),
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: body.into(),
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: format!("<html><head><title>{status}</title></head><body>{status}</body></html>")
                .into_bytes(),
        }
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A certificate and key for an HTTPS test server.
#[derive(Clone)]
pub struct TestCert {
    pub der: Vec<u8>,
    key: Vec<u8>,
    /// Certificates sent after the leaf (the issuing CA, for a chain).
    chain: Vec<Vec<u8>>,
}

/// A private certificate authority (like Caddy's internal one).
pub struct TestCa {
    /// The CA certificate, PEM (what a trust bundle holds).
    pub pem: String,
    der: Vec<u8>,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2099, 1, 1);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("CA certificate");
        TestCa {
            pem: cert.pem(),
            der: cert.der().to_vec(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// A leaf for `names` signed by this CA, sent with the CA certificate.
    pub fn issue(&self, names: &[&str]) -> TestCert {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("certificate params");
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2099, 1, 1);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("leaf");
        TestCert {
            der: cert.der().to_vec(),
            key: key.serialize_der(),
            chain: vec![self.der.clone()],
        }
    }
}

impl TestCert {
    /// Self-signed for `names`, valid 2020-2099.
    pub fn self_signed(names: &[&str]) -> TestCert {
        Self::make(names, (2099, 1, 1))
    }

    /// Self-signed for `names`, expired on 2021-06-30.
    pub fn expired(names: &[&str]) -> TestCert {
        Self::make(names, (2021, 6, 30))
    }

    fn make(names: &[&str], (y, m, d): (i32, u8, u8)) -> TestCert {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("certificate params");
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(y, m, d);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("certificate");
        TestCert {
            der: cert.der().to_vec(),
            key: key.serialize_der(),
            chain: Vec::new(),
        }
    }

    fn acceptor(&self) -> TlsAcceptor {
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                std::iter::once(&self.der)
                    .chain(&self.chain)
                    .map(|c| CertificateDer::from(c.clone()))
                    .collect(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone())),
            )
            .expect("server certificate");
        TlsAcceptor::from(Arc::new(config))
    }
}

/// A running server; it stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Request>>>,
    runtime: Option<Runtime>,
}

impl TestServer {
    /// Plain HTTP on `ip`, an ephemeral port.
    pub fn http(
        ip: &str,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        Self::start(bind(ip, 0).expect("bind"), None, Arc::new(handler))
    }

    /// Plain HTTP on a given port (e.g. the port of a server on the other family).
    pub fn http_on(
        ip: &str,
        port: u16,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> io::Result<TestServer> {
        Ok(Self::start(bind(ip, port)?, None, Arc::new(handler)))
    }

    /// HTTPS on `ip` with `cert`.
    pub fn https(
        ip: &str,
        cert: &TestCert,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        Self::start(
            bind(ip, 0).expect("bind"),
            Some(cert.acceptor()),
            Arc::new(handler),
        )
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The requests seen so far.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    fn start(listener: StdListener, tls: Option<TlsAcceptor>, handler: Handler) -> TestServer {
        let addr = listener.local_addr().expect("local addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        runtime.spawn(async move {
            let listener = TcpListener::from_std(listener).expect("tokio listener");
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (handler, log, tls) = (handler.clone(), log2.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        None => serve(tcp, None, &handler, &log).await,
                        Some(acceptor) => {
                            // A failed handshake (e.g. plain HTTP sent here) just drops the connection.
                            if let Ok(stream) = acceptor.accept(tcp).await {
                                let sni = stream.get_ref().1.server_name().map(str::to_owned);
                                serve(stream, sni, &handler, &log).await;
                            }
                        }
                    }
                });
            }
        });
        TestServer {
            addr,
            log,
            runtime: Some(runtime),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn bind(ip: &str, port: u16) -> io::Result<StdListener> {
    let ip: IpAddr = ip.parse().expect("IP");
    StdListener::bind(SocketAddr::new(ip, port))
}

/// Whether [::1] exists here (some sandboxes have no IPv6 at all).
pub fn ipv6_available() -> bool {
    StdListener::bind("[::1]:0").is_ok()
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    sni: Option<String>,
    handler: &Handler,
    log: &Mutex<Vec<Request>>,
) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        head.extend_from_slice(&buf[..n]);
        // Not HTTP (e.g. a TLS ClientHello): answer like nginx does.
        if !head[0].is_ascii_uppercase() {
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request")
                .await;
            let _ = stream.shutdown().await;
            return;
        }
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.len() > 16 * 1024 {
            break;
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_owned();
    let host = lines.take_while(|l| !l.is_empty()).find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("host")
            .then(|| value.trim().to_owned())
    });
    let request = Request { path, host, sni };
    log.lock().unwrap().push(request.clone());
    let _ = respond(&mut stream, handler(&request)).await;
}

async fn respond<S: AsyncWrite + Unpin>(stream: &mut S, reply: Reply) -> io::Result<()> {
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ));
            stream.write_all(out.as_bytes()).await?;
            stream.write_all(&body).await?;
        }
        Reply::Big {
            len,
            content_length,
        } => {
            let framing = if content_length {
                format!("Content-Length: {len}")
            } else {
                "Transfer-Encoding: chunked".to_owned()
            };
            stream
                .write_all(
                    format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n{framing}\r\n\r\n")
                        .as_bytes(),
                )
                .await?;
            let chunk = vec![b'a'; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                if content_length {
                    stream.write_all(&chunk[..n]).await?;
                } else {
                    stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                    stream.write_all(&chunk[..n]).await?;
                    stream.write_all(b"\r\n").await?;
                }
                left -= n as u64;
            }
            if !content_length {
                stream.write_all(b"0\r\n\r\n").await?;
            }
        }
        Reply::Trickle { every } => {
            let bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                .iter()
                .chain(&[b'a'; 100]);
            for b in bytes {
                stream.write_all(&[*b]).await?;
                stream.flush().await?;
                tokio::time::sleep(every).await;
            }
        }
        Reply::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Reply::HalfClose(bytes) => {
            stream.write_all(&bytes).await?;
            stream.flush().await?;
            stream.shutdown().await?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
    stream.flush().await?;
    stream.shutdown().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
