//! Orchestration of one round of HTTP checks: look each host up once (or
//! take `--resolve`), fetch from every address concurrently within the
//! round's bound on work in flight, and hand each attempt to [`super::judge`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::Semaphore;

use super::HttpScheme;
use super::diagnose::Expected;
use super::fetch::{FetchRequest, Fetcher};
use super::judge::{
    fold, judge, mark_disagreement, mark_double_extension, note_internal_addresses,
};
use super::lookup::{AddressLookup, Family, LookupError};
use crate::report::{CheckResult, Status};

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
}

impl Settings {
    /// The `--resolve` addresses for `host`: its own entry, else a `*` one.
    fn override_for(&self, host: &str) -> Option<&Vec<IpAddr>> {
        self.overrides.get(host).or_else(|| self.overrides.get("*"))
    }

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
pub enum NoAddress {
    /// The URL's IP literal is of a family `-4`/`-6` excludes.
    LiteralExcluded(IpAddr),
    /// Every `--resolve` address of the host is of an excluded family.
    OverridesExcluded {
        host: String,
    },
    NxDomain {
        host: String,
    },
    /// The name is an alias (CNAME) chain ending at a name that does not
    /// exist: `chain` starts at the host and ends at the missing name.
    Dangling {
        chain: Vec<String>,
    },
    /// A lookup failed: some address may be missing, so no pass is possible.
    LookupFailed {
        host: String,
        errors: Vec<LookupError>,
    },
    /// The name exists without address records (of the allowed families).
    NoRecords {
        host: String,
        types: Vec<&'static str>,
    },
}

impl NoAddress {
    pub fn detail(&self) -> String {
        match self {
            NoAddress::LiteralExcluded(ip) => {
                format!("the URL's address {ip} is excluded by -4/-6")
            }
            NoAddress::OverridesExcluded { host } => {
                format!("every --resolve address of {host} is excluded by -4/-6")
            }
            NoAddress::NxDomain { host } => format!("{host} does not exist in DNS (NXDOMAIN)"),
            NoAddress::Dangling { chain } => format!(
                "{} is a CNAME to {}, which does not exist (NXDOMAIN): a dangling alias{}",
                chain[0],
                chain[chain.len() - 1],
                if chain.len() > 2 {
                    format!(" ({})", chain.join(" → "))
                } else {
                    String::new()
                }
            ),
            NoAddress::LookupFailed { host, errors } => {
                let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
                format!("cannot list the addresses of {host}: {}", errors.join("; "))
            }
            NoAddress::NoRecords { host, types } => {
                format!("{host} has no {} record", types.join(" or "))
            }
        }
    }

    pub fn hint(&self) -> &'static str {
        match self {
            NoAddress::LiteralExcluded(_) => "drop -4/-6 or use a URL of the other family",
            NoAddress::OverridesExcluded { .. } => {
                "give a --resolve address of the selected family"
            }
            NoAddress::NxDomain { .. } => {
                "create an A or AAAA record for the name (or check its spelling); the CA resolves it the same way"
            }
            NoAddress::Dangling { .. } => {
                "point the CNAME at a name that exists (the web server's), or replace it with A/AAAA records; a dangling CNAME can also be taken over by whoever claims the missing name"
            }
            NoAddress::LookupFailed { .. } => {
                "check the resolvers (--resolver) and the zone's nameservers; with --resolve HOST:IP you can test a server directly"
            }
            NoAddress::NoRecords { .. } => {
                "publish an A (and/or AAAA) record pointing at the web server"
            }
        }
    }
}

/// The addresses of a host, and what the lookups said on the side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addresses {
    pub ips: Vec<IpAddr>,
    /// A family answered NXDOMAIN while another had addresses (RFC 4074).
    pub nxdomain_family: Option<Family>,
}

/// The HTTP check with its lookup and fetcher.
pub struct Checker<L, F> {
    lookup: L,
    fetcher: F,
    settings: Settings,
    in_flight: Arc<Semaphore>,
}

impl<L: AddressLookup, F: Fetcher> Checker<L, F> {
    pub fn new(lookup: L, fetcher: F, settings: Settings, in_flight: Arc<Semaphore>) -> Self {
        Checker {
            lookup,
            fetcher,
            settings,
            in_flight,
        }
    }

    /// One round: a result per target, in the targets' order.
    pub async fn check(&self, targets: &[Target]) -> Vec<CheckResult> {
        // A host checked over http and https is looked up once.
        let mut hosts: Vec<&str> = Vec::new();
        for t in targets.iter().filter(|t| t.literal.is_none()) {
            if !hosts.contains(&t.host.as_str()) {
                hosts.push(&t.host);
            }
        }
        let resolved = join_all(hosts.iter().map(|h| self.addresses(h))).await;
        let addresses: HashMap<&str, Result<Addresses, NoAddress>> =
            hosts.into_iter().zip(resolved).collect();
        let results = join_all(targets.iter().map(|t| {
            let addrs = match t.literal {
                Some(ip) => self.literal(ip),
                // Every non-literal host was looked up above.
                None => addresses.get(t.host.as_str()).cloned().unwrap_or_else(|| {
                    Err(NoAddress::NxDomain {
                        host: t.host.clone(),
                    })
                }),
            };
            self.check_target(t, addrs)
        }))
        .await;
        self.confirm_default_site(targets, results).await
    }

    /// A 404 for a name where another name passes at the same address is
    /// asked once more with a host name no site has: the same status means
    /// unknown names get the default site, so this name is missing from it
    /// (otherwise the name has a site of its own without the file).
    async fn confirm_default_site(
        &self,
        targets: &[Target],
        mut results: Vec<CheckResult>,
    ) -> Vec<CheckResult> {
        let suspects = super::judge::default_server_suspects(&results);
        let probes = join_all(suspects.iter().map(|(i, _, label)| async move {
            let target = &targets[*i];
            let address = label
                .parse::<std::net::SocketAddr>()
                .map(|a| a.ip())
                .or_else(|_| label.parse::<IpAddr>())
                .ok()?;
            let req = FetchRequest {
                scheme: target.scheme,
                host: super::judge::PROBE_HOST.to_owned(),
                port: target.port,
                path: target.path.clone(),
                address,
                timeout: self.settings.timeout,
            };
            let _permit = self.in_flight.acquire().await;
            self.fetcher.fetch(&req).await.ok().map(|r| r.status)
        }))
        .await;
        for ((i, other, label), probe) in suspects.iter().zip(probes) {
            let status = results[*i].attempts.iter().find_map(|a| a.status);
            if probe.is_some() && probe == status {
                super::judge::mark_default_server(&mut results[*i], other, label);
            }
        }
        results
    }

    /// A 404 for a validation file is asked once more as `<MD5>.txt.txt`
    /// (a file named in Windows with its extension hidden) at the first
    /// address; when that serves the file, the result says so.
    async fn probe_double_extension(
        &self,
        target: &Target,
        addresses: &[IpAddr],
        result: &mut CheckResult,
    ) {
        if target.expected.file.is_none() || !target.path.ends_with(".txt") {
            return;
        }
        let Some(&address) = addresses.first() else {
            return;
        };
        let req = FetchRequest {
            scheme: target.scheme,
            host: target.host.clone(),
            port: target.port,
            path: format!("{}.txt", target.path),
            address,
            timeout: self.settings.timeout,
        };
        let outcome = {
            let _permit = self.in_flight.acquire().await;
            self.fetcher.fetch(&req).await
        };
        if judge(&req, outcome, &target.expected).passed() {
            mark_double_extension(result, &target.path);
        }
    }

    fn literal(&self, ip: IpAddr) -> Result<Addresses, NoAddress> {
        if self.settings.allows(&ip) {
            Ok(Addresses {
                ips: vec![ip],
                nxdomain_family: None,
            })
        } else {
            Err(NoAddress::LiteralExcluded(ip))
        }
    }

    async fn addresses(&self, host: &str) -> Result<Addresses, NoAddress> {
        if let Some(ips) = self.settings.override_for(host) {
            let ips: Vec<IpAddr> = ips
                .iter()
                .copied()
                .filter(|ip| self.settings.allows(ip))
                .collect();
            return if ips.is_empty() {
                Err(NoAddress::OverridesExcluded {
                    host: host.to_owned(),
                })
            } else {
                Ok(Addresses {
                    ips,
                    nxdomain_family: None,
                })
            };
        }
        let families = self.settings.families();
        // Not bounded here: the lookups go through the DNS engine, which is.
        let answers = join_all(
            families
                .iter()
                .map(|&f| async move { (f, self.lookup.lookup(host, f).await) }),
        )
        .await;
        let mut ips: Vec<IpAddr> = Vec::new();
        let mut errors = Vec::new();
        let mut nxdomain = None;
        let mut dangling = None;
        for (family, answer) in answers {
            match answer {
                Ok(found) => {
                    for ip in found {
                        if !ips.contains(&ip) {
                            ips.push(ip);
                        }
                    }
                }
                Err(LookupError::NxDomain) => nxdomain = Some(family),
                Err(LookupError::Dangling(chain)) => {
                    nxdomain = Some(family);
                    dangling = Some(chain);
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            // Some address may be missing: a pass would not be trustworthy.
            return Err(NoAddress::LookupFailed {
                host: host.to_owned(),
                errors,
            });
        }
        if ips.is_empty() {
            if let Some(chain) = dangling {
                return Err(NoAddress::Dangling { chain });
            }
            if nxdomain.is_some() {
                return Err(NoAddress::NxDomain {
                    host: host.to_owned(),
                });
            }
            return Err(NoAddress::NoRecords {
                host: host.to_owned(),
                types: families.iter().map(|f| f.record_type()).collect(),
            });
        }
        // One family said the name does not exist while another has
        // addresses: a nameserver bug (RFC 4074); the CA uses what it got.
        Ok(Addresses {
            ips,
            nxdomain_family: nxdomain,
        })
    }

    async fn check_target(
        &self,
        target: &Target,
        addresses: Result<Addresses, NoAddress>,
    ) -> CheckResult {
        let kind = target.scheme.kind();
        let Addresses {
            ips: addresses,
            nxdomain_family,
        } = match addresses {
            Ok(a) => a,
            Err(no) => {
                return CheckResult::new(&target.domain, kind, Status::Fail, no.detail())
                    .with_hint(no.hint())
                    .with_code(crate::reason::Code::HttpNoAddress);
            }
        };
        let fetched = join_all(addresses.iter().map(|&address| async move {
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
            let first = judge(&req, outcome, &target.expected);
            // A 404 or a wrong body may come from one backend of several:
            // ask once more, and name a different answer.
            let second = if first.worth_a_second_fetch() {
                let outcome = {
                    let _permit = self.in_flight.acquire().await;
                    self.fetcher.fetch(&req).await
                };
                let again = judge(&req, outcome, &target.expected);
                (again.attempt.outcome != first.attempt.outcome).then_some(again)
            } else {
                None
            };
            (first, second)
        }))
        .await;
        let (judged, seconds): (Vec<_>, Vec<_>) = fetched.into_iter().unzip();
        let mut result = fold(target, judged);
        if let Some(second) = seconds.iter().flatten().next() {
            mark_disagreement(&mut result, second);
        } else if result.code == Some(crate::reason::Code::HttpNotFound) {
            self.probe_double_extension(target, &addresses, &mut result)
                .await;
        }
        if target.literal.is_none() && !self.settings.overrides.contains_key(&target.host) {
            result = result.with_dnssec(self.lookup.security(&target.host));
        }
        if let Some(family) = nxdomain_family {
            result.detail.push_str(&format!(
                "; note: the {} lookup answered NXDOMAIN although the name has other addresses (a nameserver bug, RFC 4074)",
                family.record_type()
            ));
        }
        // Addresses chosen by the user (--resolve, an IP URL) are deliberate;
        // internal ones from DNS mean the CA will see something else.
        let from_dns =
            target.literal.is_none() && self.settings.override_for(&target.host).is_none();
        if from_dns {
            note_internal_addresses(result, &addresses)
        } else {
            result
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fetch::{FetchError, Response};
    use super::super::judge::internal_kind;
    use super::*;
    use crate::report::CheckKind;
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
        }
    }

    /// The fetches a test checker may have in flight at once.
    fn bound(n: usize) -> Arc<Semaphore> {
        Arc::new(Semaphore::new(n))
    }

    async fn run(
        lookup: FakeLookup,
        fetcher: FakeFetcher,
        settings: Settings,
        targets: &[Target],
    ) -> Vec<CheckResult> {
        Checker::new(lookup, fetcher, settings, bound(4))
            .check(targets)
            .await
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
        let checker = Checker::new(lookup, fetcher, settings(), bound(4));
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
        let checker = Checker::new(lookup, fetcher, s, bound(4));
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
        // Each pass is fetched twice (a load balancer's backends may differ).
        assert_eq!(seen.len(), 4);
        assert!(
            seen.iter()
                .all(|r| r.address.is_ipv4() && r.host == "www.example.com")
        );
        assert_eq!(seen.iter().filter(|r| r.port == 443).count(), 2);
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
        let checker = Checker::new(lookup, fetcher, settings(), bound(4));
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
        let checker = Checker::new(lookup, fetcher, settings(), bound(8));
        let started = tokio::time::Instant::now();
        let r = checker.check(&targets).await;
        assert!(r.iter().all(|x| x.status == Status::Pass));
        assert_eq!(checker.fetcher.peak.load(Ordering::SeqCst), 8);
        // 40 fetches of 200 ms, each asked twice (a pass is fetched once
        // more, for load-balanced backends), 8 at a time: 10 waves.
        assert_eq!(started.elapsed(), Duration::from_millis(2000));
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
