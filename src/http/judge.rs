//! The CA's judgement of HTTP fetches: one response (or fetch error) becomes
//! a typed [`Failure`] or a pass, and the attempts on every address of a
//! name fold into one [`CheckResult`] with its detail and hint. Pure.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use super::cause::{CacheSeen, Obstacle, cache_hit, obstacle};
use super::cert::{certificate_problems, chain_problem};
use super::diagnose::{BodyProblem, Expected, diagnose};
use super::fetch::{FetchError, FetchRequest, MAX_BODY, Response};
use super::lookup::Family;
use super::round::Target;
use crate::reason::Code;
use crate::report::{Attempt, CheckResult, Status};

/// Adds a note when DNS gave addresses the CA cannot reach from the internet.
pub fn note_internal_addresses(mut result: CheckResult, addresses: &[IpAddr]) -> CheckResult {
    let internal: Vec<String> = addresses
        .iter()
        .filter_map(|ip| internal_kind(ip).map(|kind| format!("{ip} is a {kind} address")))
        .collect();
    if internal.is_empty() {
        return result;
    }
    result.detail.push_str(&format!(
        "; note: {}, which the CA cannot reach over the internet",
        internal.join(", ")
    ));
    let advice = "the resolver used here answers with internal addresses (split-horizon DNS?): \
                  check what the internet sees with --resolver 1.1.1.1 (or another public resolver)";
    result.hint = Some(match result.hint.take() {
        Some(h) => format!("{advice}. Also: {h}"),
        None => advice.to_owned(),
    });
    result
}

/// The kind of a non-public address, or `None` for a public one.
/// (Documentation ranges are left alone: they appear in examples only.)
pub(crate) fn internal_kind(ip: &IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if o[0] == 100 && (64..128).contains(&o[1]) {
                Some("shared (CGNAT)")
            } else if v4.is_unspecified() {
                Some("unspecified")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if first & 0xfe00 == 0xfc00 {
                Some("unique local")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else {
                v6.to_ipv4_mapped()
                    .and_then(|v4| internal_kind(&IpAddr::V4(v4)))
            }
        }
    }
}

/// Why one fetch did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A 3xx: CAs do not follow redirects.
    Redirect {
        status: u16,
        location: Option<String>,
    },
    NotFound(u16),
    Denied(u16),
    ServerError(u16),
    /// Another status than 200.
    Status(u16),
    /// A 200 whose body is larger than [`MAX_BODY`].
    TooLarge {
        content_length: Option<u64>,
    },
    /// No complete response.
    Fetch(FetchError),
    /// A 200 with the wrong body.
    Body(BodyProblem),
    /// A body sent with a `Content-Encoding` that was not asked for.
    Encoded {
        encoding: String,
    },
    /// The response names what is in the way (a WAF, Windows
    /// authentication, a rate limit, IIS's MIME map).
    Obstacle(Obstacle),
    /// A failure served by a cache from its store: the origin may be right.
    Cached {
        failure: Box<Failure>,
        cache: CacheSeen,
    },
}

/// The web server software, from the `Server` header: its fixes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    Nginx,
    Apache,
    Iis,
    Caddy,
    Lighttpd,
    Other,
}

impl ServerKind {
    pub fn of(resp: &Response) -> ServerKind {
        let server = resp
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("server"))
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        if server.contains("nginx") {
            ServerKind::Nginx
        } else if server.contains("apache") {
            ServerKind::Apache
        } else if server.contains("microsoft-iis") {
            ServerKind::Iis
        } else if server.contains("caddy") {
            ServerKind::Caddy
        } else if server.contains("lighttpd") {
            ServerKind::Lighttpd
        } else {
            ServerKind::Other
        }
    }
}

/// A redirect to the site's root: what error pages of many sites do.
fn to_home_page(location: &str) -> bool {
    let path = match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => location,
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    matches!(
        path,
        "" | "/" | "/index.html" | "/index.php" | "/home" | "/404" | "/404.html"
    )
}

impl Failure {
    /// What happened, for the attempt's outcome and the result's detail.
    pub fn detail(&self) -> String {
        match self {
            Failure::Redirect { status, location } => {
                let to = location
                    .as_deref()
                    .map_or_else(|| "no Location header".to_owned(), |l| format!("to {l}"));
                let home = location.as_deref().is_some_and(to_home_page);
                if home {
                    format!(
                        "redirect ({status}) {to}, the site's home page: the file is probably missing (an error page redirects)"
                    )
                } else {
                    format!("redirect ({status}) {to}")
                }
            }
            Failure::NotFound(status) => format!("not found ({status})"),
            Failure::Denied(status) => format!("access denied ({status})"),
            Failure::ServerError(status) => format!("server error ({status})"),
            Failure::Status(status) => format!("status {status}"),
            Failure::TooLarge { content_length } => {
                let size = content_length.map_or_else(
                    || format!("more than {MAX_BODY} bytes"),
                    |n| format!("{n} bytes"),
                );
                format!("the body is larger than 64 KiB ({size}); reading stopped there")
            }
            Failure::Fetch(e) => e.to_string(),
            Failure::Body(p) => p.detail(),
            Failure::Encoded { encoding } => format!(
                "the file is sent with Content-Encoding: {encoding}, which was not asked for (no Accept-Encoding, as CAs send none)"
            ),
            Failure::Obstacle(o) => o.detail(),
            Failure::Cached { failure, cache } => format!("{}{}", failure.detail(), cache.detail()),
        }
    }

    /// The reason code of a result this failure decides (SPEC section 7).
    pub fn code(&self) -> Code {
        match self {
            Failure::Redirect { .. } => Code::HttpRedirect,
            Failure::NotFound(_) => Code::HttpNotFound,
            Failure::Denied(_) => Code::HttpForbidden,
            Failure::ServerError(_) => Code::HttpServerError,
            Failure::Status(_) => Code::HttpStatus,
            Failure::TooLarge { .. } => Code::HttpTooLarge,
            Failure::Fetch(e) => match e {
                FetchError::Refused => Code::HttpRefused,
                FetchError::ConnectTimeout(_)
                | FetchError::NoResponse(_)
                | FetchError::Stalled { .. } => Code::HttpTimeout,
                FetchError::Unreachable(_) => Code::HttpUnreachable,
                FetchError::Closed | FetchError::Reset => Code::HttpClosed,
                FetchError::Truncated { .. } => Code::HttpTruncated,
                FetchError::TlsOnHttpPort | FetchError::HttpOnHttpsPort => Code::HttpWrongScheme,
                FetchError::Tls(_) | FetchError::TlsNoCommon(_) => Code::HttpTls,
                FetchError::Protocol(_) | FetchError::Io(_) | FetchError::Http2Only => {
                    Code::HttpProtocol
                }
            },
            Failure::Body(p) => match p {
                BodyProblem::Html { .. } => Code::HttpHtmlPage,
                BodyProblem::Cosmetic(_) | BodyProblem::BlankLine => Code::HttpBodyFormatting,
                _ => Code::HttpWrongBody,
            },
            Failure::Encoded { .. } => Code::HttpContentEncoding,
            Failure::Obstacle(o) => o.code(),
            Failure::Cached { .. } => Code::HttpCached,
        }
    }

    /// What to do about it.
    pub fn hint(&self, req: &FetchRequest, is_file: bool, server: ServerKind) -> Option<String> {
        Some(match self {
            Failure::Redirect { location: Some(l), .. } if to_home_page(l) => format!(
                "the site sends unknown paths to its home page, so the file is probably not where it is served from: publish it at WEBROOT{} in the web root that serves {} (`dcv file --write WEBROOT`)",
                req.path, req.host
            ),
            Failure::Redirect { .. } => match server {
                ServerKind::Apache => "CAs do not follow redirects: serve the file at this very URL; exempt \
                     /.well-known/pki-validation/ from the redirect (Apache: `RewriteCond %{REQUEST_URI} \
                     !^/\\.well-known/pki-validation/` before the RewriteRule, or `RedirectMatch` with a \
                     `^/(?!\\.well-known/pki-validation/)` pattern)"
                    .into(),
                ServerKind::Iis => "CAs do not follow redirects: serve the file at this very URL; exempt \
                     /.well-known/pki-validation/ from the redirect (IIS: in the web.config rewrite rule add \
                     `<add input=\"{REQUEST_URI}\" pattern=\"^/\\.well-known/pki-validation/\" negate=\"true\" />` \
                     to its <conditions>, or turn off HTTP Redirect for that folder)"
                    .into(),
                ServerKind::Caddy => "CAs do not follow redirects: serve the file at this very URL; Caddy redirects \
                     http:// to https:// by itself: add an `http://NAME` site block with \
                     `handle /.well-known/pki-validation/* { root * WEBROOT; file_server }` (or exempt the path \
                     from your `redir`)"
                    .into(),
                ServerKind::Lighttpd => "CAs do not follow redirects: serve the file at this very URL; exempt \
                     /.well-known/pki-validation/ from the redirect (lighttpd: wrap `url.redirect` in \
                     `$HTTP[\"url\"] !~ \"^/\\.well-known/pki-validation/\" { ... }`)"
                    .into(),
                _ => "CAs do not follow redirects: serve the file at this very URL; exempt \
                     /.well-known/pki-validation/ from redirects to HTTPS or to another host \
                     (nginx: `location ^~ /.well-known/pki-validation/ { }` before the redirect)"
                    .into(),
            },
            Failure::NotFound(_) if is_file => format!(
                "publish the file at WEBROOT{} in the web root that serves {} on port {} (`dcv file --write WEBROOT`)",
                req.path, req.host, req.port
            ),
            Failure::NotFound(_) => {
                "publish the file at this path on the server that answers for this name".into()
            }
            // The path starts with a dot-directory: the usual cause is a
            // rule hiding dot-files, whose fix depends on the server.
            Failure::Denied(403) if req.path.starts_with("/.") => match server {
                ServerKind::Nginx => "nginx refuses the dot-directory (a `location ~ /\\. { deny all; }` rule hides .well-known too): \
                     put `location ^~ /.well-known/pki-validation/ { allow all; }` before it (or write the rule as \
                     `location ~ /\\.(?!well-known)`); else an auth wall or file permissions"
                    .into(),
                ServerKind::Apache => "Apache refuses the dot-directory (a rule hiding dot-files such as \
                     `<FilesMatch \"^\\.\">`, `<DirectoryMatch \"/\\.\">` or `RedirectMatch 403 /\\.` catches .well-known too): \
                     except it, e.g. `<DirectoryMatch \"/\\.(?!well-known)\">` or `RedirectMatch 403 /\\.(?!well-known)`; \
                     else an auth wall or file permissions"
                    .into(),
                ServerKind::Iis => "IIS refuses this path: give the site's identity (IIS_IUSRS / the application pool) read access to \
                     the folder, check Request Filtering (hiddenSegments, denied URL sequences or file extensions) and that \
                     Anonymous Authentication is enabled for /.well-known/pki-validation"
                    .into(),
                ServerKind::Caddy => "Caddy refuses this path: a matcher in the Caddyfile catches it (e.g. `respond /.* 403` or \
                     `@hidden path /.*`): put `handle /.well-known/pki-validation/* { file_server }` before it; else file permissions"
                    .into(),
                ServerKind::Lighttpd => "lighttpd refuses this path: a `url.access-deny` or a `$HTTP[\"url\"] =~ \"/\\.\"` rule catches \
                     .well-known: exempt `^/\\.well-known/pki-validation/`; else file permissions (the server's user must read the file)"
                    .into(),
                ServerKind::Other => "the server refuses this path: allow it (a rule denying dot-directories such as \
                     .well-known — nginx `location ~ /\\.(?!well-known)`, Apache `/\\.(?!well-known)` — an \
                     authentication wall, or file permissions)"
                    .into(),
            },
            Failure::Denied(_) => "the server refuses this path: allow it (a rule denying dot-directories such as \
                 .well-known, an authentication wall, or file permissions)"
                .into(),
            Failure::ServerError(_) => "the server failed to answer this path; see its error log".into(),
            Failure::Status(_) => "only a 200 response with the exact body passes".into(),
            Failure::TooLarge { .. } => "this URL serves something else than the small text file (a download or a catch-all route)".into(),
            Failure::Fetch(e) => return fetch_hint(req, e),
            Failure::Body(BodyProblem::Html { .. }) if server != ServerKind::Nginx && server != ServerKind::Other => {
                html_page_hint(server)
            }
            Failure::Body(p) => p.hint(is_file),
            Failure::Obstacle(o) => o.hint(),
            Failure::Cached { cache, .. } => cache.hint(),
            Failure::Encoded { encoding } => format!(
                "serve the file uncompressed: the CA compares the bytes it receives ({encoding} here: nginx \
                 `gzip_static always` or a precompressed .gz beside it; Apache mod_deflate without a \
                 `no-gzip` exception for /.well-known/pki-validation/)"
            ),
        })
    }
}

/// One attempt, judged.
#[derive(Debug, Clone)]
pub struct Judged {
    pub attempt: Attempt,
    family: Family,
    /// What went wrong, what to do, and its code; `None` when it passed.
    failure: Option<(String, Option<String>, Code)>,
    certificate: Vec<String>,
}

impl Judged {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    /// Whether a second fetch could come from another backend with another
    /// answer: a pass (a backend without the file may answer the CA), or a
    /// 404 or a wrong body.
    pub fn worth_a_second_fetch(&self) -> bool {
        self.attempt.status.is_some()
            && self.failure.as_ref().is_none_or(|f| {
                matches!(
                    f.2,
                    Code::HttpNotFound
                        | Code::HttpWrongBody
                        | Code::HttpHtmlPage
                        | Code::HttpBodyFormatting
                )
            })
    }
}

/// Two fetches from one address that got different answers: the result
/// names the disagreement (a load balancer over backends that differ).
pub fn mark_disagreement(r: &mut CheckResult, second: &Judged) {
    if r.status == Status::Pass {
        // One fetch passed: a CA fetching from several places may not.
        r.status = Status::Fail;
        r.detail = format!(
            "the first fetch from {address} passed, a second got: {}: the answers depend on which backend serves the request",
            second.attempt.outcome,
            address = second.attempt.address
        );
    } else {
        r.detail.push_str(&format!(
            "; a second fetch from {} got another answer ({}): the answers depend on which backend serves the request",
            second.attempt.address, second.attempt.outcome
        ));
    }
    let advice = "this address is load-balanced over backends that do not serve the same thing (e.g. HAProxy round-robin, one backend without the file), and the CA may reach any of them: publish the file on every backend (or on storage they share), then check again";
    r.hint = Some(match r.hint.take() {
        Some(h) => format!("{advice}. Also: {h}"),
        None => advice.to_owned(),
    });
    r.code = Some(Code::HttpBackendsDisagree);
    r.attempts.push(second.attempt.clone());
}

/// A 404 for `<MD5>.txt` while `<MD5>.txt.txt` serves the file.
pub fn mark_double_extension(r: &mut CheckResult, path: &str) {
    let file = path.rsplit('/').next().unwrap_or(path);
    r.detail.push_str(&format!(
        "; {path}.txt serves the expected file: it was saved as {file}.txt"
    ));
    r.hint = Some(format!(
        "rename the file to {file} (Windows hides known extensions, so a file named \"{file}\" in Explorer or Notepad is really {file}.txt; `dir /b` or `ls` shows the real name), or write it with `dcv file --write WEBROOT`"
    ));
    r.code = Some(Code::HttpDoubleExtension);
}

pub fn judge(
    req: &FetchRequest,
    outcome: Result<Response, FetchError>,
    expected: &Expected,
) -> Judged {
    let mut attempt = Attempt {
        url: Some(req.url()),
        address: req.address_label(),
        ..Attempt::default()
    };
    let mut certificate = Vec::new();
    let mut server = ServerKind::Other;
    let failure = match outcome {
        Ok(resp) => {
            attempt.status = Some(resp.status);
            server = ServerKind::of(&resp);
            if let Some(der) = &resp.certificate {
                certificate = certificate_problems(der, &req.host, unix_now());
                certificate.extend(chain_problem(der, &resp.intermediates, &req.host));
            }
            judge_response(&resp, expected)
        }
        Err(e) => Some(Failure::Fetch(e)),
    };
    let is_file = expected.file.is_some();
    let failure = failure.map(|f| (f.detail(), f.hint(req, is_file, server), f.code()));
    attempt.outcome = match &failure {
        None => "pass".into(),
        Some((what, _, _)) => what.clone(),
    };
    if !certificate.is_empty() {
        attempt
            .outcome
            .push_str(&format!("; certificate: {}", certificate.join(", ")));
    }
    Judged {
        attempt,
        family: Family::of(&req.address),
        failure,
        certificate,
    }
}

/// The CA's rules for a response that arrived, with what the response
/// shows of the thing in the way.
fn judge_response(resp: &Response, expected: &Expected) -> Option<Failure> {
    let failure = judge_status_and_body(resp, expected)?;
    if let Some(o) = obstacle(resp) {
        return Some(Failure::Obstacle(o));
    }
    // A cache's stored 404 or old file: the origin may already be right.
    // (A cached redirect keeps its own hint: the origin's rule must change too.)
    let stale_kind = matches!(failure, Failure::NotFound(_) | Failure::Body(_));
    if stale_kind && let Some(cache) = cache_hit(resp) {
        return Some(Failure::Cached {
            failure: Box::new(failure),
            cache,
        });
    }
    Some(failure)
}

/// The CA's rules for a response that arrived.
fn judge_status_and_body(resp: &Response, expected: &Expected) -> Option<Failure> {
    let status = resp.status;
    if (300..400).contains(&status) {
        return Some(Failure::Redirect {
            status,
            location: resp.location.clone(),
        });
    }
    // nginx's answer to plain HTTP on its TLS port: a 400 page saying so.
    if status == 400
        && String::from_utf8_lossy(&resp.body).contains("plain HTTP request was sent to HTTPS port")
    {
        return Some(Failure::Fetch(FetchError::TlsOnHttpPort));
    }
    if status != 200 {
        return Some(match status {
            404 | 410 => Failure::NotFound(status),
            401 | 403 => Failure::Denied(status),
            500..=599 => Failure::ServerError(status),
            _ => Failure::Status(status),
        });
    }
    if resp.too_large {
        return Some(Failure::TooLarge {
            content_length: resp.content_length,
        });
    }
    // No Accept-Encoding was sent: a compressed body is not the file.
    if let Some((_, encoding)) = resp.headers.iter().find(|(k, v)| {
        k.eq_ignore_ascii_case("content-encoding") && !v.trim().eq_ignore_ascii_case("identity")
    }) {
        return Some(Failure::Encoded {
            encoding: encoding.trim().to_owned(),
        });
    }
    diagnose(&resp.body, resp.content_type.as_deref(), expected).map(Failure::Body)
}

/// A web page where the file belongs, for a server other than nginx: the
/// rule that catches every path, in that server's terms.
fn html_page_hint(server: ServerKind) -> String {
    let fix = match server {
        ServerKind::Apache => {
            "Apache: a CMS's rewrite (WordPress's .htaccess) sends every path to index.php: put `RewriteRule ^\\.well-known/pki-validation/ - [L]` before it, or check the file exists where DocumentRoot points"
        }
        ServerKind::Iis => {
            "IIS: a URL Rewrite rule (a CMS or SPA catch-all) or custom error pages (httpErrors) answer this path: add `<add input=\"{REQUEST_URI}\" pattern=\"^/\\.well-known/pki-validation/\" negate=\"true\" />` to the rule's conditions, and check the file is in the site's physical path"
        }
        ServerKind::Caddy => {
            "Caddy: put `handle /.well-known/pki-validation/* { root * WEBROOT; file_server }` before the `reverse_proxy` or `try_files` that catches every path"
        }
        ServerKind::Lighttpd => {
            "lighttpd: `url.rewrite-if-not-file` or `server.error-handler-404` sends missing files to a script: publish the file in server.document-root, or exempt `^/\\.well-known/pki-validation/`"
        }
        ServerKind::Nginx | ServerKind::Other => {
            "nginx: `location ^~ /.well-known/pki-validation/ { root WEBROOT; }`"
        }
    };
    format!(
        "the server answers this path with a web page (a soft 404, a login, maintenance or parking page, or a CMS that catches every path): serve the file itself ({fix})"
    )
}

fn fetch_hint(req: &FetchRequest, e: &FetchError) -> Option<String> {
    let port = req.port;
    let hint = match e {
        FetchError::Refused => format!(
            "nothing accepts connections on port {port} at {}: start the web server there, fix the DNS record, or open the firewall",
            req.address
        ),
        FetchError::ConnectTimeout(_) => format!(
            "no answer to the connection: a firewall probably drops port {port}, or the address is wrong or down"
        ),
        FetchError::Unreachable(_) if req.address.is_ipv6() => {
            "this machine has no route to that IPv6 address, but the CA will use it: check from a host with IPv6, or remove the AAAA record if the site has no IPv6".into()
        }
        FetchError::Unreachable(_) => "no route to the address: check the DNS record and the network".into(),
        FetchError::NoResponse(_) | FetchError::Stalled { .. } => {
            "the server accepted the connection but did not answer in time (overloaded, a hanging proxy, or a filter that stalls); the CA will time out too".into()
        }
        FetchError::Closed | FetchError::Reset => {
            "the server hung up without a response: see its error log (or a filter in front of it)".into()
        }
        FetchError::TlsOnHttpPort => format!(
            "port {port} expects TLS: serve plain HTTP on it for http:// (nginx: `listen {port};` without `ssl`), or check with --scheme https"
        ),
        FetchError::HttpOnHttpsPort => format!(
            "port {port} serves plain HTTP: enable TLS on it for https:// (nginx: `listen {port} ssl;`), or check with --scheme http"
        ),
        FetchError::Tls(_) => "the TLS handshake fails (the CA's will too): check the server's TLS configuration".into(),
        FetchError::TlsNoCommon(_) => format!(
            "dcv speaks TLS 1.2 and 1.3 with AEAD suites only (AES-GCM, ChaCha20-Poly1305) and ECDSA, RSA or Ed25519 keys; a server offering only older suites (TLS 1.2 CBC) or versions fails here, but the CA's fetcher may still connect: check with `openssl s_client -connect {} -servername {}`, and prefer modern suites (Mozilla's intermediate profile)",
            std::net::SocketAddr::new(req.address, port),
            req.host
        ),
        FetchError::Protocol(_) => format!("the server does not speak HTTP/1.1 properly on port {port}"),
        FetchError::Http2Only => format!(
            "CAs fetch the file over HTTP/1.1: serve HTTP/1.1 on port {port} too (a server or proxy set to h2c only, e.g. a gRPC-style listener, cannot validate)"
        ),
        FetchError::Truncated { .. } => {
            "the server (or a proxy in front of it) sends less than it announces and hangs up: a file changed while being sent, a crashed backend, or a proxy's buffer limit; see the server's error log".into()
        }
        FetchError::Io(_) => return None,
    };
    Some(hint)
}

/// Folds the attempts of one target into its result: a pass only when every address passed.
pub fn fold(target: &Target, judged: Vec<Judged>) -> CheckResult {
    let kind = target.scheme.kind();
    let total = judged.len();
    let mut notes: Vec<String> = Vec::new();
    for n in judged.iter().flat_map(|j| j.certificate.iter()) {
        if !notes.contains(n) {
            notes.push(n.clone());
        }
    }
    let cert_note = (!notes.is_empty()).then(|| format!("the certificate is {}", notes.join(", ")));
    let failed: Vec<&Judged> = judged.iter().filter(|j| j.failure.is_some()).collect();
    let addresses: Vec<&str> = judged.iter().map(|j| j.attempt.address.as_str()).collect();
    let attempts: Vec<Attempt> = judged.iter().map(|j| j.attempt.clone()).collect();

    if failed.is_empty() {
        let mut detail = format!(
            "200 with the expected body from {} ({})",
            if total == 1 {
                "its address".to_owned()
            } else {
                format!("all {total} addresses")
            },
            addresses.join(", ")
        );
        if let Some(n) = &cert_note {
            detail.push_str(&format!("; note: {n}"));
        }
        let result =
            CheckResult::new(&target.domain, kind, Status::Pass, detail).with_attempts(attempts);
        return match cert_note {
            Some(_) => result.with_hint(
                "the CA does not verify the certificate for this check, but browsers will: install a valid one once issued",
            ),
            None => result,
        };
    }

    let what = |j: &Judged| j.failure.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    let mut distinct: Vec<String> = Vec::new();
    for j in &failed {
        let w = what(j);
        if !distinct.contains(&w) {
            distinct.push(w);
        }
    }
    let v6_only = failed.iter().all(|j| j.family == Family::V6)
        && judged
            .iter()
            .any(|j| j.family == Family::V4 && j.failure.is_none());
    let mut detail = if failed.len() == total && distinct.len() == 1 {
        if total == 1 {
            distinct[0].clone()
        } else {
            format!("{} (all {total} addresses)", distinct[0])
        }
    } else {
        let list: Vec<String> = failed
            .iter()
            .map(|j| format!("{}: {}", j.attempt.address, what(j)))
            .collect();
        let lead = if v6_only {
            "IPv6 fails while IPv4 serves the file"
        } else {
            "some addresses fail"
        };
        format!("{lead} ({} of {total}): {}", failed.len(), list.join("; "))
    };
    if let Some(n) = &cert_note {
        detail.push_str(&format!("; note: {n}"));
    }
    let mut hints: Vec<String> = Vec::new();
    if v6_only {
        hints.push(
            "the CA may pick the IPv6 address: make the server answer on IPv6 like on IPv4 (listen [::]:port, firewall), or remove the AAAA record".into(),
        );
    }
    for h in failed
        .iter()
        .filter_map(|j| j.failure.as_ref().and_then(|f| f.1.clone()))
    {
        if !hints.contains(&h) && hints.len() < 2 {
            hints.push(h);
        }
    }
    // The first failing address's cause names the result.
    let code = failed
        .iter()
        .find_map(|j| j.failure.as_ref().map(|f| f.2))
        .unwrap_or(Code::HttpStatus);
    let result = CheckResult::new(&target.domain, kind, Status::Fail, detail)
        .with_attempts(attempts)
        .with_code(code);
    if hints.is_empty() {
        result
    } else {
        result.with_hint(hints.join(". Also: "))
    }
}

/// A 404 for one name at an address (and port) where another name's file
/// was served: the web server may have answered this name with its
/// default site. Returns (result index, the other name, the address label)
/// for each such result; the caller confirms with a probe.
pub fn default_server_suspects(results: &[CheckResult]) -> Vec<(usize, String, String)> {
    let served: Vec<(&str, &str, crate::report::CheckKind)> = results
        .iter()
        .filter(|r| r.status == Status::Pass)
        .flat_map(|r| {
            r.attempts
                .iter()
                .map(move |a| (r.domain.as_str(), a.address.as_str(), r.check))
        })
        .collect();
    results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.code == Some(Code::HttpNotFound))
        .filter_map(|(i, r)| {
            r.attempts.iter().find_map(|a| {
                served
                    .iter()
                    .find(|(d, addr, kind)| {
                        *d != r.domain && *addr == a.address && *kind == r.check
                    })
                    .map(|(d, addr, _)| (i, (*d).to_owned(), (*addr).to_owned()))
            })
        })
        .collect()
}

/// The host name of the probe: no server has a site for it (RFC 2606).
pub const PROBE_HOST: &str = "dcv-default-site-probe.invalid";

/// A suspect confirmed (a request with [`PROBE_HOST`] got the same status):
/// the name is missing from the site's `server_name` / `ServerAlias`.
pub fn mark_default_server(r: &mut CheckResult, other: &str, address: &str) {
    r.detail.push_str(&format!(
        "; {other} passes at the same address ({address}) and a host name no site has gets the same answer: the default site answered for {}",
        r.domain
    ));
    r.hint = Some(format!(
        "the web server does not know {name} and answers with its default site: add {name} to the server_name of the site that serves {other} (nginx) or a ServerAlias {name} (Apache), then reload",
        name = r.domain
    ));
    r.code = Some(Code::HttpDefaultServer);
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
