//! Query orchestration over a [`DnsTransport`]: identical questions asked
//! once, a bounded number in flight, zone cuts found through the resolvers,
//! nameserver addresses resolved, and every authoritative address (or every
//! resolver) asked, following referrals into delegated subzones.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt, Shared, join_all};
use tokio::sync::Semaphore;

use super::LookupFailure;
use super::chain;
use super::dnssec::chain::Validation;
use super::dnssec::{Security, TrustAnchors};
use super::{Answer, Data, DnsTransport, QueryError, RType, Rcode, in_zone, normalize, parent};
use crate::net::MAX_IN_FLIGHT;
/// Referral depth limit: a delegation chain deeper than this is a loop.
const MAX_REFERRALS: usize = 4;

/// Whom to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every address of every authoritative nameserver, recursion off.
    Authoritative,
    /// Every resolver, recursion on.
    Recursive,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Recursive resolvers: asked directly in recursive mode, and for zone
    /// cuts, NS names and their addresses in authoritative mode.
    pub resolvers: Vec<SocketAddr>,
    pub mode: Mode,
    /// Address families allowed for nameservers (`-4`/`-6`).
    pub ipv4: bool,
    pub ipv6: bool,
    /// Port nameservers are asked on (53; tests point it at a loopback port).
    pub ns_port: u16,
    /// Addresses to use for a nameserver host instead of looking them up
    /// (lowercase host name without trailing dot). For tests and labs.
    pub ns_addrs: HashMap<String, Vec<SocketAddr>>,
    /// Questions in flight at once (DNS and, through [`Engine::slots`],
    /// the HTTP fetches of the same round).
    pub max_in_flight: usize,
    /// Per-query timeout (also given to the transport).
    pub timeout: Duration,
    /// Where DNSSEC chains of trust start; `None` turns validation off.
    pub trust_anchors: Option<Arc<TrustAnchors>>,
}

impl Config {
    pub fn new(resolvers: Vec<SocketAddr>, mode: Mode, timeout: Duration) -> Config {
        Config {
            resolvers,
            mode,
            ipv4: true,
            ipv6: true,
            ns_port: 53,
            ns_addrs: HashMap::new(),
            max_in_flight: MAX_IN_FLIGHT,
            timeout,
            trust_anchors: None,
        }
    }
}

/// A server asked: a nameserver host (or `resolver`) and the address used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub addr: SocketAddr,
}

/// What one server said about one question.
#[derive(Debug, Clone)]
pub struct Observation {
    pub server: Server,
    /// The zone the server was asked as authoritative for (authoritative mode).
    pub zone: Option<String>,
    pub result: Result<Answer, QueryError>,
}

/// Every server's answer to one question; `error` when the servers to ask
/// could not be found (no zone cut, no nameserver address).
#[derive(Debug, Clone)]
pub struct Lookup {
    pub name: String,
    pub rtype: RType,
    pub observations: Vec<Observation>,
    pub error: Option<LookupFailure>,
}

type Pending = Shared<BoxFuture<'static, Result<Answer, QueryError>>>;
type Key = (SocketAddr, String, RType, bool);

/// One round of questions: every DNS question of a check goes through one
/// engine, with one cache and one bound on what is in flight. Answers are
/// remembered for the life of the engine, so a new round (`--wait`) uses a
/// new engine.
pub struct Engine {
    transport: Arc<dyn DnsTransport>,
    cfg: Config,
    slots: Arc<Semaphore>,
    asked: Mutex<HashMap<Key, Pending>>,
    validation: Option<Validation>,
}

impl Engine {
    pub fn new(transport: Arc<dyn DnsTransport>, cfg: Config) -> Engine {
        let slots = Arc::new(Semaphore::new(cfg.max_in_flight.max(1)));
        let validation = cfg.trust_anchors.clone().map(Validation::new);
        Engine {
            transport,
            cfg,
            slots,
            asked: Mutex::new(HashMap::new()),
            validation,
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The round's DNSSEC state, when validation is on.
    pub fn validation(&self) -> Option<&Validation> {
        self.validation.as_ref()
    }

    /// The round's bound on work in flight, for the HTTP fetches to share.
    pub fn slots(&self) -> Arc<Semaphore> {
        self.slots.clone()
    }

    /// Asks one question, or joins the identical one already asked.
    pub async fn ask(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: RType,
        rd: bool,
    ) -> Result<Answer, QueryError> {
        let key = (server, normalize(name), rtype, rd);
        let pending = {
            let mut asked = self
                .asked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            asked
                .entry(key.clone())
                .or_insert_with(|| {
                    let slots = self.slots.clone();
                    let fut = self.transport.query(server, &key.1, rtype, rd);
                    async move {
                        // The permit is held for the whole exchange.
                        let _permit = slots.acquire_owned().await;
                        fut.await
                    }
                    .boxed()
                    .shared()
                })
                .clone()
        };
        pending.await
    }

    /// Asks the resolvers in turn until one gives a usable answer.
    pub async fn ask_resolvers(&self, name: &str, rtype: RType) -> Result<Answer, QueryError> {
        let mut last = Err(QueryError::Network("no resolver configured".into()));
        for &r in &self.cfg.resolvers {
            match self.ask(r, name, rtype, true).await {
                Ok(a) if matches!(a.rcode, Rcode::NoError | Rcode::NxDomain) => return Ok(a),
                other => last = other,
            }
        }
        last
    }

    /// The apex of the zone holding `start`: the owner of the SOA a resolver
    /// returns, passing over names that are CNAMEs.
    pub async fn find_zone(&self, start: &str) -> Result<String, LookupFailure> {
        let mut name = normalize(start);
        loop {
            let answer = self
                .ask_resolvers(&name, RType::Soa)
                .await
                .map_err(|cause| LookupFailure::ZoneQuery {
                    name: name.clone(),
                    cause,
                })?;
            if answer.rcode != Rcode::NoError && answer.rcode != Rcode::NxDomain {
                return Err(LookupFailure::ZoneRcode {
                    name,
                    rcode: answer.rcode,
                });
            }
            if answer
                .answers
                .iter()
                .any(|r| r.owner == name && matches!(r.data, Data::Soa { .. }))
            {
                return Ok(name);
            }
            let is_alias = answer
                .answers
                .iter()
                .any(|r| r.owner == name && matches!(r.data, Data::Cname(_)));
            if !is_alias
                && let Some(r) = answer
                    .authority
                    .iter()
                    .find(|r| matches!(r.data, Data::Soa { .. }) && in_zone(&name, &r.owner))
            {
                return Ok(r.owner.clone());
            }
            match parent(&name) {
                Some(p) => name = p.to_owned(),
                None => {
                    return Err(LookupFailure::NoZone {
                        start: start.to_owned(),
                    });
                }
            }
        }
    }

    /// The addresses of one nameserver host, restricted to the allowed families.
    async fn ns_addresses(&self, host: &str) -> Vec<SocketAddr> {
        let host = normalize(host);
        if let Some(addrs) = self.cfg.ns_addrs.get(&host) {
            return addrs.clone();
        }
        let mut types = Vec::new();
        if self.cfg.ipv4 {
            types.push(RType::A);
        }
        if self.cfg.ipv6 {
            types.push(RType::Aaaa);
        }
        let host = &host;
        let answers = join_all(types.iter().map(|&t| async move {
            let a = self.ask_resolvers(host, t).await.ok()?;
            // A bogus address is one the CA's validating resolver cannot
            // use: the CA never asks that server, so neither does dcv.
            match self.security(host, t, &a).await {
                Some(Security::Bogus(_)) => None,
                _ => Some(a),
            }
        }))
        .await;
        let mut out = Vec::new();
        for a in answers.into_iter().flatten() {
            // Addresses of the host (or its alias chain) only.
            let owners = chain(&a, host);
            for r in a.answers {
                if !owners.contains(&r.owner) {
                    continue;
                }
                if let Data::Addr(ip) = r.data {
                    let ok = (ip.is_ipv4() && self.cfg.ipv4) || (ip.is_ipv6() && self.cfg.ipv6);
                    let addr = SocketAddr::new(ip, self.cfg.ns_port);
                    if ok && !out.contains(&addr) {
                        out.push(addr);
                    }
                }
            }
        }
        out
    }

    /// Every address of the given nameserver hosts.
    async fn servers_of(
        &self,
        zone: &str,
        hosts: Vec<String>,
    ) -> Result<Vec<Server>, LookupFailure> {
        if hosts.is_empty() {
            return Err(LookupFailure::NoNs {
                zone: zone.to_owned(),
            });
        }
        let addrs = join_all(hosts.iter().map(|h| self.ns_addresses(h))).await;
        let mut servers = Vec::new();
        for (host, addrs) in hosts.into_iter().zip(addrs) {
            for addr in addrs {
                if !servers.iter().any(|s: &Server| s.addr == addr) {
                    servers.push(Server {
                        name: host.clone(),
                        addr,
                    });
                }
            }
        }
        if servers.is_empty() {
            let family = match (self.cfg.ipv4, self.cfg.ipv6) {
                (true, false) => Some("IPv4"),
                (false, true) => Some("IPv6"),
                _ => None,
            };
            return Err(LookupFailure::NoNsAddress {
                zone: zone.to_owned(),
                family,
            });
        }
        Ok(servers)
    }

    /// The authoritative servers of a zone, from its NS RRset.
    pub async fn zone_servers(&self, zone: &str) -> Result<Vec<Server>, LookupFailure> {
        let answer =
            self.ask_resolvers(zone, RType::Ns)
                .await
                .map_err(|cause| LookupFailure::NsQuery {
                    zone: zone.to_owned(),
                    cause,
                })?;
        let mut hosts: Vec<String> = Vec::new();
        for r in &answer.answers {
            if let Data::Ns(h) = &r.data
                && r.owner == zone
                && !hosts.contains(h)
            {
                hosts.push(h.clone());
            }
        }
        self.servers_of(zone, hosts).await
    }

    /// Asks the question the way the configured mode says. In authoritative
    /// mode the servers asked are those of the zone that really holds the
    /// name (its closest enclosing zone cut, from the SOA the resolvers
    /// return for it), not of its registrable domain: when one server hosts
    /// a parent and a child zone it answers for the child without a
    /// referral, and the child's other servers must be asked too.
    pub async fn lookup(&self, name: &str, rtype: RType) -> Lookup {
        // Kept as given (case included) for display; compared normalized.
        let name = name.trim_end_matches('.').to_owned();
        let mut lookup = Lookup {
            name: name.clone(),
            rtype,
            observations: Vec::new(),
            error: None,
        };
        match self.cfg.mode {
            Mode::Recursive => {
                let results = join_all(
                    self.cfg
                        .resolvers
                        .iter()
                        .map(|r| self.ask(*r, &name, rtype, true)),
                )
                .await;
                lookup.observations = self
                    .cfg
                    .resolvers
                    .iter()
                    .zip(results)
                    .map(|(r, result)| Observation {
                        server: Server {
                            name: "resolver".into(),
                            addr: *r,
                        },
                        zone: None,
                        result,
                    })
                    .collect();
            }
            Mode::Authoritative => {
                let found = async {
                    let zone = self.find_zone(&name).await?;
                    let servers = self.zone_servers(&zone).await?;
                    Ok::<_, LookupFailure>((zone, servers))
                }
                .await;
                match found {
                    Ok((zone, servers)) => {
                        lookup.observations = self
                            .ask_servers(name.clone(), rtype, zone, servers, 0)
                            .await;
                    }
                    Err(e) => lookup.error = Some(e),
                }
            }
        }
        lookup
    }

    /// Asks every server with recursion off; a referral to a subzone is
    /// replaced by what the subzone's servers say. Referrals to the same
    /// subzone are followed once, whichever servers gave them: following one
    /// per server made the work grow like servers^depth.
    fn ask_servers(
        &self,
        name: String,
        rtype: RType,
        zone: String,
        servers: Vec<Server>,
        depth: usize,
    ) -> BoxFuture<'_, Vec<Observation>> {
        /// Where one server's observation comes from.
        enum Source {
            Direct(Observation),
            Referred(usize, Server),
        }
        async move {
            let results = join_all(
                servers
                    .iter()
                    .map(|s| self.ask(s.addr, &name, rtype, false)),
            )
            .await;
            let mut children: Vec<(String, Vec<String>)> = Vec::new();
            let mut sources = Vec::with_capacity(servers.len());
            for (server, result) in servers.into_iter().zip(results) {
                let child = result.as_ref().ok().and_then(|a| referral(a, &name, &zone));
                match child {
                    Some((child, hosts)) if depth < MAX_REFERRALS => {
                        let i = match children.iter().position(|(c, _)| *c == child) {
                            Some(i) => i,
                            None => {
                                children.push((child, Vec::new()));
                                children.len() - 1
                            }
                        };
                        for h in hosts {
                            if !children[i].1.contains(&h) {
                                children[i].1.push(h);
                            }
                        }
                        sources.push(Source::Referred(i, server));
                    }
                    _ => sources.push(Source::Direct(Observation {
                        server,
                        zone: Some(zone.clone()),
                        result,
                    })),
                }
            }
            let followed = join_all(children.iter().map(|(child, hosts)| async {
                let child_servers = self.servers_of(child, hosts.clone()).await?;
                Ok::<_, LookupFailure>(
                    self.ask_servers(name.clone(), rtype, child.clone(), child_servers, depth + 1)
                        .await,
                )
            }))
            .await;
            let mut out: Vec<Observation> = Vec::new();
            for source in sources {
                match source {
                    Source::Direct(o) => out.push(o),
                    Source::Referred(i, server) => match &followed[i] {
                        Ok(obs) => {
                            for o in obs {
                                if !out
                                    .iter()
                                    .any(|x| x.server.addr == o.server.addr && x.zone == o.zone)
                                {
                                    out.push(o.clone());
                                }
                            }
                        }
                        Err(e) => out.push(Observation {
                            server,
                            zone: Some(zone.clone()),
                            result: Err(QueryError::BrokenReferral {
                                child: children[i].0.clone(),
                                cause: Box::new(e.clone()),
                            }),
                        }),
                    },
                }
            }
            out
        }
        .boxed()
    }
}

/// A referral: a non-authoritative, empty NOERROR answer whose authority
/// section delegates a zone below the current one that holds `name`.
fn referral(a: &Answer, name: &str, zone: &str) -> Option<(String, Vec<String>)> {
    if a.authoritative || a.rcode != Rcode::NoError || !a.answers.is_empty() {
        return None;
    }
    let mut child: Option<String> = None;
    let mut hosts = Vec::new();
    for r in &a.authority {
        if let Data::Ns(h) = &r.data {
            let below = r.owner != zone && in_zone(&r.owner, zone) && in_zone(name, &r.owner);
            if !below {
                continue;
            }
            match &child {
                None => child = Some(r.owner.clone()),
                Some(c) if *c != r.owner => continue,
                Some(_) => {}
            }
            if !hosts.contains(h) {
                hosts.push(h.clone());
            }
        }
    }
    child.map(|c| (c, hosts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolver::Record;
    use futures::FutureExt;

    /// A double that answers from a function of (name, type).
    struct Scripted(fn(&str, RType) -> Answer);

    impl DnsTransport for Scripted {
        fn query(
            &self,
            _: SocketAddr,
            name: &str,
            rtype: RType,
            _: bool,
        ) -> BoxFuture<'static, Result<Answer, QueryError>> {
            let a = (self.0)(name, rtype);
            async move { Ok(a) }.boxed()
        }
    }

    fn rec(owner: &str, data: Data) -> Record {
        Record {
            owner: owner.into(),
            ttl: 300,
            data,
        }
    }

    fn answer(rcode: Rcode, answers: Vec<Record>, authority: Vec<Record>) -> Answer {
        Answer {
            rcode,
            authoritative: true,
            answers,
            authority,
            additional: vec![],
            signed: None,
        }
    }

    fn soa(owner: &str) -> Record {
        rec(
            owner,
            Data::Soa {
                mname: "ns1.example.com".into(),
                minimum: 60,
            },
        )
    }

    #[tokio::test]
    async fn zone_search_passes_over_cnames_and_reads_negative_soa() {
        let t = Scripted(|name, _| match name {
            // An alias: the resolver answers with the target's zone SOA.
            "www.example.com" => answer(
                Rcode::NoError,
                vec![rec(
                    "www.example.com",
                    Data::Cname("cdn.example.net.".into()),
                )],
                vec![soa("example.net")],
            ),
            "example.com" => answer(Rcode::NoError, vec![soa("example.com")], vec![]),
            "_x.deep.example.org" => answer(Rcode::NxDomain, vec![], vec![soa("example.org")]),
            _ => answer(Rcode::ServFail, vec![], vec![]),
        });
        let cfg = Config::new(
            vec!["127.0.0.1:53".parse().unwrap()],
            Mode::Authoritative,
            Duration::from_secs(1),
        );
        let e = Engine::new(Arc::new(t), cfg);
        assert_eq!(e.find_zone("www.example.com").await.unwrap(), "example.com");
        assert_eq!(
            e.find_zone("_x.deep.example.org").await.unwrap(),
            "example.org"
        );
        assert_eq!(
            e.find_zone("broken.test").await.unwrap_err(),
            LookupFailure::ZoneRcode {
                name: "broken.test".into(),
                rcode: Rcode::ServFail
            }
        );
        // Asked once each, however often the same question comes up.
        let before = e.asked.lock().unwrap().len();
        e.find_zone("www.example.com").await.unwrap();
        assert_eq!(e.asked.lock().unwrap().len(), before);
    }

    fn ns(owner: &str, host: &str) -> Record {
        Record {
            owner: owner.into(),
            ttl: 300,
            data: Data::Ns(host.into()),
        }
    }

    #[test]
    fn referral_only_downwards() {
        let a = Answer {
            rcode: Rcode::NoError,
            authoritative: false,
            answers: vec![],
            authority: vec![ns("sub.example.com", "ns.sub.example.com")],
            additional: vec![],
            signed: None,
        };
        assert_eq!(
            referral(&a, "_x.sub.example.com", "example.com"),
            Some(("sub.example.com".into(), vec!["ns.sub.example.com".into()]))
        );
        // Not below the zone, or not holding the name: no referral.
        assert_eq!(referral(&a, "_x.other.example.com", "example.com"), None);
        assert_eq!(referral(&a, "_x.sub.example.com", "sub.example.com"), None);
        let mut aa = a.clone();
        aa.authoritative = true;
        assert_eq!(referral(&aa, "_x.sub.example.com", "example.com"), None);
    }
}
