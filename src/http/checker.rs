//! Orchestration of one round of HTTP checks: resolve each host once
//! (or take `--resolve`), fetch from every address concurrently with a bound
//! on what is in flight, judge each response, and fold the attempts of a
//! name and scheme into one [`CheckResult`] with a detail and a hint.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::join_all;
use tokio::sync::Semaphore;

use super::HttpScheme;
use super::cert::certificate_problems;
use super::diagnose::{Expected, diagnose};
use super::fetch::{FetchError, FetchRequest, Fetcher, MAX_BODY, Response};
use super::lookup::{AddressLookup, Family, LookupError};
use crate::check::{Attempt, CheckResult, Status};

/// One URL to check on every address of its host.
#[derive(Debug, Clone)]
pub struct Target {
    /// The name the result reports.
    pub domain: String,
    pub scheme: HttpScheme,
    /// The name looked up, sent as Host and as TLS SNI.
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
    pub expected: Expected,
    /// An IP literal host (`--url http://192.0.2.1/...`): no lookup.
    pub literal: Option<IpAddr>,
}

/// How a round runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub timeout: Duration,
    pub ipv4: bool,
    pub ipv6: bool,
    /// `--resolve HOST:IP`: these hosts are not looked up.
    pub overrides: HashMap<String, Vec<IpAddr>>,
    pub max_in_flight: usize,
}

impl Settings {
    fn families(&self) -> Vec<Family> {
        let mut f = Vec::new();
        if self.ipv4 {
            f.push(Family::V4);
        }
        if self.ipv6 {
            f.push(Family::V6);
        }
        f
    }

    fn allows(&self, ip: &IpAddr) -> bool {
        match Family::of(ip) {
            Family::V4 => self.ipv4,
            Family::V6 => self.ipv6,
        }
    }
}

/// Why a host has no address to fetch from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NoAddress {
    detail: String,
    hint: String,
}

/// The HTTP check with its lookup and fetcher.
pub struct Checker<L, F> {
    lookup: L,
    fetcher: F,
    settings: Settings,
    in_flight: Semaphore,
}

impl<L: AddressLookup, F: Fetcher> Checker<L, F> {
    pub fn new(lookup: L, fetcher: F, settings: Settings) -> Self {
        let in_flight = Semaphore::new(settings.max_in_flight.max(1));
        Checker {
            lookup,
            fetcher,
            settings,
            in_flight,
        }
    }

    /// One round: a result per target, in the targets' order.
    pub async fn check(&self, targets: &[Target]) -> Vec<CheckResult> {
        self.lookup.new_round();
        // A host checked over http and https is looked up once.
        let mut hosts: Vec<&str> = Vec::new();
        for t in targets.iter().filter(|t| t.literal.is_none()) {
            if !hosts.contains(&t.host.as_str()) {
                hosts.push(&t.host);
            }
        }
        let resolved = join_all(hosts.iter().map(|h| self.addresses(h))).await;
        let addresses: HashMap<&str, Result<Vec<IpAddr>, NoAddress>> =
            hosts.into_iter().zip(resolved).collect();
        join_all(targets.iter().map(|t| {
            let addrs = match t.literal {
                Some(ip) => self.literal(ip),
                // Every non-literal host was looked up above.
                None => addresses.get(t.host.as_str()).cloned().unwrap_or_else(|| {
                    Err(NoAddress {
                        detail: format!("{} was not looked up", t.host),
                        hint: "this is a bug in dcv; please report it".into(),
                    })
                }),
            };
            self.check_target(t, addrs)
        }))
        .await
    }

    fn literal(&self, ip: IpAddr) -> Result<Vec<IpAddr>, NoAddress> {
        if self.settings.allows(&ip) {
            Ok(vec![ip])
        } else {
            Err(NoAddress {
                detail: format!("the URL's address {ip} is excluded by -4/-6"),
                hint: "drop -4/-6 or use a URL of the other family".into(),
            })
        }
    }

    async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, NoAddress> {
        if let Some(ips) = self.settings.overrides.get(host) {
            let ips: Vec<IpAddr> = ips
                .iter()
                .copied()
                .filter(|ip| self.settings.allows(ip))
                .collect();
            return if ips.is_empty() {
                Err(NoAddress {
                    detail: format!("every --resolve address of {host} is excluded by -4/-6"),
                    hint: "give a --resolve address of the selected family".into(),
                })
            } else {
                Ok(ips)
            };
        }
        let families = self.settings.families();
        let answers = join_all(families.iter().map(|&f| async move {
            let _permit = self.in_flight.acquire().await;
            (f, self.lookup.lookup(host, f).await)
        }))
        .await;
        let mut ips: Vec<IpAddr> = Vec::new();
        let mut errors = Vec::new();
        for (_, answer) in answers {
            match answer {
                Ok(found) => {
                    for ip in found {
                        if !ips.contains(&ip) {
                            ips.push(ip);
                        }
                    }
                }
                Err(LookupError::NxDomain) => {
                    return Err(NoAddress {
                        detail: format!("{host} does not exist in DNS (NXDOMAIN)"),
                        hint: "create an A or AAAA record for the name (or check its spelling); the CA resolves it the same way".into(),
                    });
                }
                Err(e) => errors.push(e.to_string()),
            }
        }
        if !errors.is_empty() {
            // Some address may be missing: a pass would not be trustworthy.
            return Err(NoAddress {
                detail: format!("cannot list the addresses of {host}: {}", errors.join("; ")),
                hint: "check the resolvers (--resolver) and the zone's nameservers; with --resolve HOST:IP you can test a server directly".into(),
            });
        }
        if ips.is_empty() {
            let types: Vec<&str> = families.iter().map(|f| f.record_type()).collect();
            return Err(NoAddress {
                detail: format!("{host} has no {} record", types.join(" or ")),
                hint: "publish an A (and/or AAAA) record pointing at the web server".into(),
            });
        }
        Ok(ips)
    }

    async fn check_target(
        &self,
        target: &Target,
        addresses: Result<Vec<IpAddr>, NoAddress>,
    ) -> CheckResult {
        let kind = target.scheme.kind();
        let addresses = match addresses {
            Ok(a) => a,
            Err(no) => {
                return CheckResult::new(&target.domain, kind, Status::Fail, no.detail)
                    .with_hint(no.hint);
            }
        };
        let judged = join_all(addresses.iter().map(|&address| async move {
            let req = FetchRequest {
                scheme: target.scheme,
                host: target.host.clone(),
                port: target.port,
                path: target.path.clone(),
                address,
                timeout: self.settings.timeout,
            };
            let outcome = {
                let _permit = self.in_flight.acquire().await;
                self.fetcher.fetch(&req).await
            };
            judge(&req, outcome, &target.expected)
        }))
        .await;
        let result = fold(target, judged);
        // Addresses chosen by the user (--resolve, an IP URL) are deliberate;
        // internal ones from DNS mean the CA will see something else.
        let from_dns =
            target.literal.is_none() && !self.settings.overrides.contains_key(&target.host);
        if from_dns {
            note_internal_addresses(result, &addresses)
        } else {
            result
        }
    }
}

/// Adds a note when DNS gave addresses the CA cannot reach from the internet.
fn note_internal_addresses(mut result: CheckResult, addresses: &[IpAddr]) -> CheckResult {
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
fn internal_kind(ip: &IpAddr) -> Option<&'static str> {
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

/// One attempt, judged.
#[derive(Debug, Clone)]
struct Judged {
    attempt: Attempt,
    family: Family,
    /// What went wrong, and what to do; `None` when it passed.
    failure: Option<(String, Option<String>)>,
    certificate: Vec<String>,
}

fn judge(req: &FetchRequest, outcome: Result<Response, FetchError>, expected: &Expected) -> Judged {
    let mut attempt = Attempt {
        url: Some(req.url()),
        address: req.address_label(),
        ..Attempt::default()
    };
    let mut certificate = Vec::new();
    let failure = match outcome {
        Ok(resp) => {
            attempt.status = Some(resp.status);
            if let Some(der) = &resp.certificate {
                certificate = certificate_problems(der, &req.host, unix_now());
            }
            judge_response(req, &resp, expected)
        }
        Err(e) => Some((e.to_string(), fetch_hint(req, &e))),
    };
    attempt.outcome = match &failure {
        None => "pass".into(),
        Some((what, _)) => what.clone(),
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

fn judge_response(
    req: &FetchRequest,
    resp: &Response,
    expected: &Expected,
) -> Option<(String, Option<String>)> {
    let status = resp.status;
    let is_file = expected.file.is_some();
    if (300..400).contains(&status) {
        let to = resp
            .location
            .as_deref()
            .map_or_else(|| "no Location header".to_owned(), |l| format!("to {l}"));
        return Some((
            format!("redirect ({status}) {to}"),
            Some(
                "CAs do not follow redirects: serve the file at this very URL; exempt \
                 /.well-known/pki-validation/ from redirects to HTTPS or to another host \
                 (nginx: `location ^~ /.well-known/pki-validation/ { }` before the redirect)"
                    .into(),
            ),
        ));
    }
    if status == 400
        && String::from_utf8_lossy(&resp.body).contains("plain HTTP request was sent to HTTPS port")
    {
        let e = FetchError::TlsOnHttpPort;
        return Some((e.to_string(), fetch_hint(req, &e)));
    }
    if status != 200 {
        let (what, hint) = match status {
            404 | 410 => (
                format!("not found ({status})"),
                if is_file {
                    format!(
                        "publish the file at WEBROOT{} in the web root that serves {} on port {} (`dcv file --write WEBROOT`)",
                        req.path, req.host, req.port
                    )
                } else {
                    "publish the file at this path on the server that answers for this name".into()
                },
            ),
            401 | 403 => (
                format!("access denied ({status})"),
                "the server refuses this path: allow it (a rule denying dot-directories such as \
                 .well-known, an authentication wall, or file permissions)"
                    .into(),
            ),
            500..=599 => (
                format!("server error ({status})"),
                "the server failed to answer this path; see its error log".into(),
            ),
            _ => (
                format!("status {status}"),
                "only a 200 response with the exact body passes".into(),
            ),
        };
        return Some((what, Some(hint)));
    }
    if resp.too_large {
        let size = resp.content_length.map_or_else(
            || format!("more than {MAX_BODY} bytes"),
            |n| format!("{n} bytes"),
        );
        return Some((
            format!("the body is larger than 64 KiB ({size}); reading stopped there"),
            Some("this URL serves something else than the small text file (a download or a catch-all route)".into()),
        ));
    }
    diagnose(&resp.body, resp.content_type.as_deref(), expected)
        .map(|p| (p.detail(), Some(p.hint(is_file))))
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
        FetchError::Protocol(_) => format!("the server does not speak HTTP/1.1 properly on port {port}"),
        FetchError::Io(_) => return None,
    };
    Some(hint)
}

/// Folds the attempts of one target into its result: a pass only when every address passed.
fn fold(target: &Target, judged: Vec<Judged>) -> CheckResult {
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
    let result =
        CheckResult::new(&target.domain, kind, Status::Fail, detail).with_attempts(attempts);
    if hints.is_empty() {
        result
    } else {
        result.with_hint(hints.join(". Also: "))
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckKind;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SHA: &str = "BC870A155ABCFD66FE3193E653E3E28F54F1FD34090414185B0891BE88078E2C";
    const MD5: &str = "24D70B5796C322160073BBE3C29CB19F";

    /// Answers from a table; a missing host is NXDOMAIN.
    #[derive(Default)]
    struct FakeLookup {
        table: HashMap<(String, Family), Result<Vec<IpAddr>, LookupError>>,
        asked: Mutex<Vec<(String, Family)>>,
    }

    impl FakeLookup {
        fn with(
            mut self,
            host: &str,
            family: Family,
            answer: Result<Vec<&str>, LookupError>,
        ) -> Self {
            let answer = answer.map(|v| v.iter().map(|s| s.parse().unwrap()).collect());
            self.table.insert((host.into(), family), answer);
            self
        }
    }

    impl AddressLookup for FakeLookup {
        async fn lookup(&self, host: &str, family: Family) -> Result<Vec<IpAddr>, LookupError> {
            self.asked.lock().unwrap().push((host.into(), family));
            self.table
                .get(&(host.to_owned(), family))
                .cloned()
                .unwrap_or(Err(LookupError::NxDomain))
        }
    }

    /// Serves per address; counts the fetches in flight.
    struct FakeFetcher {
        by_address: HashMap<IpAddr, Result<Response, FetchError>>,
        delay: Duration,
        now: AtomicUsize,
        peak: AtomicUsize,
        seen: Mutex<Vec<FetchRequest>>,
    }

    impl FakeFetcher {
        fn new(delay: Duration) -> Self {
            FakeFetcher {
                by_address: HashMap::new(),
                delay,
                now: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
                seen: Mutex::new(Vec::new()),
            }
        }

        fn serve(mut self, address: &str, outcome: Result<Response, FetchError>) -> Self {
            self.by_address.insert(address.parse().unwrap(), outcome);
            self
        }
    }

    impl Fetcher for FakeFetcher {
        async fn fetch(&self, req: &FetchRequest) -> Result<Response, FetchError> {
            let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(n, Ordering::SeqCst);
            self.seen.lock().unwrap().push(req.clone());
            tokio::time::sleep(self.delay).await;
            self.now.fetch_sub(1, Ordering::SeqCst);
            self.by_address
                .get(&req.address)
                .cloned()
                .unwrap_or(Err(FetchError::Refused))
        }
    }

    fn ok(body: &str) -> Result<Response, FetchError> {
        Ok(Response {
            status: 200,
            body: body.as_bytes().to_vec(),
            ..Response::default()
        })
    }

    fn expected() -> Expected {
        Expected::file(MD5, SHA, "sectigo.com", None)
    }

    fn good() -> String {
        expected().body
    }

    fn target(domain: &str, scheme: HttpScheme) -> Target {
        Target {
            domain: domain.into(),
            scheme,
            host: domain.into(),
            port: scheme.default_port(),
            path: format!("/.well-known/pki-validation/{MD5}.txt"),
            expected: expected(),
            literal: None,
        }
    }

    fn settings() -> Settings {
        Settings {
            timeout: Duration::from_secs(10),
            ipv4: true,
            ipv6: true,
            overrides: HashMap::new(),
            max_in_flight: 4,
        }
    }

    async fn run(
        lookup: FakeLookup,
        fetcher: FakeFetcher,
        settings: Settings,
        targets: &[Target],
    ) -> Vec<CheckResult> {
        Checker::new(lookup, fetcher, settings).check(targets).await
    }

    #[tokio::test]
    async fn every_address_must_serve_the_file() {
        let lookup = FakeLookup::default()
            .with(
                "www.example.com",
                Family::V4,
                Ok(vec!["192.0.2.1", "192.0.2.2"]),
            )
            .with("www.example.com", Family::V6, Ok(vec!["2001:db8::1"]));
        let fetcher = FakeFetcher::new(Duration::ZERO)
            .serve("192.0.2.1", ok(&good()))
            .serve("192.0.2.2", ok(&good()))
            .serve("2001:db8::1", ok(&good()));
        let r = run(
            lookup,
            fetcher,
            settings(),
            &[target("www.example.com", HttpScheme::Http)],
        )
        .await;
        assert_eq!(r[0].status, Status::Pass, "{:?}", r[0]);
        assert_eq!(r[0].check, CheckKind::Http);
        assert_eq!(r[0].attempts.len(), 3);
        assert!(r[0].detail.contains("all 3 addresses"));

        let lookup = FakeLookup::default()
            .with(
                "www.example.com",
                Family::V4,
                Ok(vec!["192.0.2.1", "192.0.2.2"]),
            )
            .with("www.example.com", Family::V6, Ok(vec![]));
        let fetcher = FakeFetcher::new(Duration::ZERO)
            .serve("192.0.2.1", ok(&good()))
            .serve("192.0.2.2", ok("old"));
        let r = run(
            lookup,
            fetcher,
            settings(),
            &[target("www.example.com", HttpScheme::Http)],
        )
        .await;
        assert_eq!(r[0].status, Status::Fail);
        assert!(
            r[0].detail
                .starts_with("some addresses fail (1 of 2): 192.0.2.2:"),
            "{}",
            r[0].detail
        );
        assert_eq!(r[0].attempts[0].outcome, "pass");
    }

    #[tokio::test]
    async fn ipv6_failing_while_ipv4_works_is_named() {
        let lookup = FakeLookup::default()
            .with("a.example", Family::V4, Ok(vec!["192.0.2.1"]))
            .with("a.example", Family::V6, Ok(vec!["2001:db8::1"]));
        let fetcher = FakeFetcher::new(Duration::ZERO)
            .serve("192.0.2.1", ok(&good()))
            .serve(
                "2001:db8::1",
                Err(FetchError::ConnectTimeout(Duration::from_secs(10))),
            );
        let r = run(
            lookup,
            fetcher,
            settings(),
            &[target("a.example", HttpScheme::Http)],
        )
        .await;
        assert_eq!(r[0].status, Status::Fail);
        assert!(
            r[0].detail
                .starts_with("IPv6 fails while IPv4 serves the file"),
            "{}",
            r[0].detail
        );
        let hint = r[0].hint.as_deref().unwrap();
        assert!(hint.contains("IPv6") && hint.contains("firewall"), "{hint}");
    }

    #[tokio::test]
    async fn lookup_problems_fail_without_fetching() {
        let lookup = FakeLookup::default()
            .with("none.example", Family::V4, Ok(vec![]))
            .with("none.example", Family::V6, Ok(vec![]))
            .with("slow.example", Family::V4, Err(LookupError::Timeout("A")))
            .with("slow.example", Family::V6, Ok(vec!["2001:db8::1"]));
        let fetcher = FakeFetcher::new(Duration::ZERO);
        let checker = Checker::new(lookup, fetcher, settings());
        let r = checker
            .check(&[
                target("gone.example", HttpScheme::Http),
                target("none.example", HttpScheme::Http),
                target("slow.example", HttpScheme::Http),
            ])
            .await;
        assert!(r[0].detail.contains("NXDOMAIN"));
        assert_eq!(r[1].detail, "none.example has no A or AAAA record");
        assert!(
            r[2].detail.contains("the A lookup timed out"),
            "{}",
            r[2].detail
        );
        assert!(
            r.iter()
                .all(|x| x.status == Status::Fail && x.attempts.is_empty())
        );
        assert!(checker.fetcher.seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn overrides_and_families() {
        let mut s = settings();
        s.overrides.insert(
            "www.example.com".into(),
            vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()],
        );
        s.ipv6 = false;
        let fetcher = FakeFetcher::new(Duration::ZERO).serve("127.0.0.1", ok(&good()));
        let lookup = FakeLookup::default();
        let checker = Checker::new(lookup, fetcher, s);
        let r = checker
            .check(&[
                target("www.example.com", HttpScheme::Http),
                target("www.example.com", HttpScheme::Https),
            ])
            .await;
        assert_eq!(r[0].status, Status::Pass);
        assert_eq!(r[1].check, CheckKind::Https);
        assert!(checker.lookup.asked.lock().unwrap().is_empty());
        let seen = checker.fetcher.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert!(
            seen.iter()
                .all(|r| r.address.is_ipv4() && r.host == "www.example.com")
        );
        assert_eq!(seen.iter().filter(|r| r.port == 443).count(), 1);
    }

    #[tokio::test]
    async fn internal_addresses_from_dns_are_noted() {
        let lookup = FakeLookup::default()
            .with("a.example", Family::V4, Ok(vec!["10.0.0.5"]))
            .with("a.example", Family::V6, Ok(vec!["fd00::5"]));
        let fetcher = FakeFetcher::new(Duration::ZERO)
            .serve("10.0.0.5", ok(&good()))
            .serve("fd00::5", ok(&good()));
        let r = run(
            lookup,
            fetcher,
            settings(),
            &[target("a.example", HttpScheme::Http)],
        )
        .await;
        assert_eq!(r[0].status, Status::Pass);
        assert!(
            r[0].detail.ends_with(
                "; note: 10.0.0.5 is a private address, fd00::5 is a unique local address, which the CA cannot reach over the internet"
            ),
            "{}",
            r[0].detail
        );
        assert!(r[0].hint.as_deref().unwrap().contains("split-horizon"));
        assert_eq!(
            internal_kind(&"100.64.1.1".parse().unwrap()),
            Some("shared (CGNAT)")
        );
        assert_eq!(
            internal_kind(&"::ffff:127.0.0.1".parse().unwrap()),
            Some("loopback")
        );
        assert_eq!(
            internal_kind(&"fe80::1".parse().unwrap()),
            Some("link-local")
        );
        assert_eq!(internal_kind(&"93.184.216.34".parse().unwrap()), None);
        assert_eq!(internal_kind(&"2606:2800:220:1::1".parse().unwrap()), None);
    }

    #[tokio::test]
    async fn each_host_is_looked_up_once_per_family() {
        let lookup = FakeLookup::default()
            .with("a.example", Family::V4, Ok(vec!["192.0.2.1"]))
            .with("a.example", Family::V6, Ok(vec![]));
        let fetcher = FakeFetcher::new(Duration::ZERO).serve("192.0.2.1", ok(&good()));
        let checker = Checker::new(lookup, fetcher, settings());
        checker
            .check(&[
                target("a.example", HttpScheme::Http),
                target("a.example", HttpScheme::Https),
            ])
            .await;
        assert_eq!(checker.lookup.asked.lock().unwrap().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_bounded_and_used() {
        let mut lookup = FakeLookup::default();
        let mut fetcher = FakeFetcher::new(Duration::from_millis(200));
        let mut targets = Vec::new();
        for i in 0..40u8 {
            let host = format!("h{i}.example");
            let ip = format!("192.0.2.{i}");
            lookup = lookup.with(&host, Family::V4, Ok(vec![ip.as_str()])).with(
                &host,
                Family::V6,
                Ok(vec![]),
            );
            fetcher = fetcher.serve(&ip, ok(&good()));
            targets.push(target(&host, HttpScheme::Http));
        }
        let mut s = settings();
        s.max_in_flight = 8;
        let checker = Checker::new(lookup, fetcher, s);
        let started = tokio::time::Instant::now();
        let r = checker.check(&targets).await;
        assert!(r.iter().all(|x| x.status == Status::Pass));
        assert_eq!(checker.fetcher.peak.load(Ordering::SeqCst), 8);
        // 40 fetches of 200 ms, 8 at a time: 5 waves.
        assert_eq!(started.elapsed(), Duration::from_millis(1000));
        // Results stay in the targets' order.
        assert_eq!(r[7].domain, "h7.example");
    }

    #[tokio::test]
    async fn responses_are_judged_by_the_cas_rules() {
        let redirect = Response {
            status: 301,
            location: Some("https://a.example/.well-known/pki-validation/x.txt".into()),
            ..Response::default()
        };
        let big = Response {
            status: 200,
            content_length: Some(50_000_000),
            too_large: true,
            ..Response::default()
        };
        let cases: Vec<(Result<Response, FetchError>, &str)> = vec![
            (
                Ok(redirect),
                "redirect (301) to https://a.example/.well-known/pki-validation/x.txt",
            ),
            (
                Ok(Response {
                    status: 404,
                    ..Response::default()
                }),
                "not found (404)",
            ),
            (
                Ok(Response {
                    status: 500,
                    ..Response::default()
                }),
                "server error (500)",
            ),
            (
                Ok(Response {
                    status: 403,
                    ..Response::default()
                }),
                "access denied (403)",
            ),
            (
                Ok(big),
                "the body is larger than 64 KiB (50000000 bytes); reading stopped there",
            ),
            (Err(FetchError::Refused), "connection refused"),
            (
                ok(&format!("{}\n", good())),
                "the body differs from the expected one only by a trailing newline",
            ),
        ];
        for (outcome, want) in cases {
            let lookup = FakeLookup::default()
                .with("a.example", Family::V4, Ok(vec!["192.0.2.1"]))
                .with("a.example", Family::V6, Ok(vec![]));
            let fetcher = FakeFetcher::new(Duration::ZERO).serve("192.0.2.1", outcome);
            let r = run(
                lookup,
                fetcher,
                settings(),
                &[target("a.example", HttpScheme::Http)],
            )
            .await;
            assert_eq!(r[0].status, Status::Fail);
            assert_eq!(r[0].detail, want);
            assert_eq!(r[0].attempts[0].outcome, want);
            assert!(r[0].hint.is_some(), "{want}");
        }
    }
}
