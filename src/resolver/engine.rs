//! Query orchestration over a [`DnsTransport`]: identical questions asked
//! once, a bounded number in flight, zone cuts found through the resolvers,
//! nameserver addresses resolved, and every authoritative address (or every
//! resolver) asked, following referrals into delegated subzones.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt, Shared, join_all};
use tokio::sync::{OnceCell, Semaphore};

use super::LookupFailure;
use super::chain;
use super::dnssec::{Bogus, ChainSource, Security, TrustAnchors, Validation, Validator};
use super::flow::{Outcome, Windows};
use super::generations::Generations;
use super::{Answer, Data, DnsTransport, QueryError, RType, Rcode, in_zone, normalize, parent};
use crate::net::{MAX_FETCHES_IN_FLIGHT, MAX_IN_FLIGHT, QUESTIONS_IN_FLIGHT};
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
    /// Questions in flight at once to any one server address (the ceiling
    /// of its adaptive window, [`super::flow`]); HTTP fetches in flight at
    /// once are bounded by the smaller of this and
    /// [`MAX_FETCHES_IN_FLIGHT`].
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

/// A server asked: a nameserver host (or `resolver`), the address used,
/// and where dcv learnt of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub addr: SocketAddr,
    pub origin: Origin,
}

/// Where a server to ask comes from. A CA's resolver follows the parent's
/// delegation (its NS set and glue) and then the zone's own NS set, so a
/// server known from either side may be the one it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A resolver asked directly (recursive mode).
    Resolver,
    /// In the zone's own NS set (whatever the parent says), at an address
    /// the host's A/AAAA records give.
    Zone,
    /// In the parent's delegation only: the zone's own NS set no longer
    /// lists it (a stale delegation at the registry).
    ParentOnly,
    /// An address known only from the parent's glue: the host's own A/AAAA
    /// records do not give it (stale glue, or a host with no records).
    Glue,
}

impl Origin {
    /// How a report names it, after the address (`None`: nothing to say).
    pub fn note(self) -> Option<&'static str> {
        match self {
            Origin::Resolver | Origin::Zone => None,
            Origin::ParentOnly => Some("listed only in the parent zone's delegation"),
            Origin::Glue => Some("address only in the parent zone's glue"),
        }
    }
}

/// Whether nameserver addresses are DNSSEC-validated before use. The
/// parent zone's servers are asked only to read the delegation (which
/// servers to add); a CA's resolver that could not validate their addresses
/// could not resolve the name at all, which the checks' own chain of trust
/// shows, so their validation is not waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddressCheck {
    Validated,
    AsGiven,
}

/// The parent's side of a delegation: the NS hosts its servers refer to
/// and the glue addresses they give.
#[derive(Debug, Clone, Default)]
struct Delegation {
    hosts: Vec<String>,
    glue: HashMap<String, Vec<IpAddr>>,
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

/// Answers remembered in one generation of the cache: the questions of
/// one name are forgotten two generations after their last use, so memory
/// does not grow with the names of a run.
const ANSWERS_REMEMBERED: usize = 1024;
/// Answers kept for the whole round once asked for a third time: the
/// questions many names share (a zone's NS set and DNSKEY, its servers'
/// addresses, a parent's DS and CAA), which a run over 100 zones would
/// otherwise ask again and again as the names' own questions push them out.
/// A name's own questions are asked once or twice (its CNAME check and its
/// CAA check both search its zone), so they do not get in.
const SHARED_REMEMBERED: usize = 4096;
/// Asks of one question that make it a shared one.
const SHARED_AFTER: u32 = 3;

/// The round's questions, asked or in flight: the shared ones, and the
/// others in two generations.
struct Asked {
    shared: HashMap<Key, Pending>,
    /// Each question with the times it was asked.
    recent: Generations<Key, (Pending, u32)>,
}

impl Asked {
    fn new(capacity: usize) -> Asked {
        Asked {
            shared: HashMap::new(),
            recent: Generations::new(capacity),
        }
    }

    /// The question's pending answer, or a new one from `ask`.
    fn get_or_ask(&mut self, key: Key, ask: impl FnOnce(&Key) -> Pending) -> Pending {
        if let Some(p) = self.shared.get(&key) {
            return p.clone();
        }
        let (pending, asks) = match self.recent.take(&key) {
            Some((p, n)) => (p, n + 1),
            None => (ask(&key), 1),
        };
        if asks >= SHARED_AFTER && self.shared.len() < SHARED_REMEMBERED {
            self.shared.insert(key, pending.clone());
        } else {
            self.recent.put(key, (pending.clone(), asks));
        }
        pending
    }

    /// Questions remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shared.len() + self.recent.len()
    }
}

/// One round of questions: every DNS question of a check goes through one
/// engine, with one cache, an adaptive window per server and one bound on
/// what is in flight. Answers are remembered for the round (a bounded
/// number), so a new round (`--wait`) uses a new engine.
pub struct Engine {
    transport: Arc<dyn DnsTransport>,
    cfg: Config,
    /// DNS questions in flight, whatever the server.
    questions: Arc<Semaphore>,
    windows: Windows,
    /// HTTP fetches in flight.
    fetches: Arc<Semaphore>,
    asked: Mutex<Asked>,
    /// The zones worked out, in two generations.
    zones: Mutex<Generations<String, Arc<ZoneServers>>>,
    validation: Option<Validation>,
}

/// What the round has worked out about one zone's servers, each part once,
/// by whichever lookup needs it first. The questions behind them are
/// cached anyway, but working the answers out again at every lookup (the
/// nameservers' addresses resolved and validated, the parent's delegation
/// read, the union formed) cost more CPU than the lookup's own question
/// (issue 24).
#[derive(Default)]
struct ZoneServers {
    /// The zone's own NS set, every address of each host.
    own: OnceCell<Result<Vec<Server>, LookupFailure>>,
    /// The parent's side of the delegation.
    delegation: OnceCell<Delegation>,
    /// The union of both sides.
    all: OnceCell<Result<Vec<Server>, LookupFailure>>,
}

/// Zones remembered in one generation: a run's zones are few and asked
/// all the time, but a run of names in as many zones must not keep all.
const ZONES_REMEMBERED: usize = 1024;

impl Engine {
    pub fn new(transport: Arc<dyn DnsTransport>, cfg: Config) -> Engine {
        let ceiling = cfg.max_in_flight.max(1);
        let validation = cfg.trust_anchors.clone().map(Validation::new);
        Engine {
            transport,
            questions: Arc::new(Semaphore::new(QUESTIONS_IN_FLIGHT.max(ceiling))),
            windows: Windows::new(ceiling),
            fetches: Arc::new(Semaphore::new(ceiling.min(MAX_FETCHES_IN_FLIGHT))),
            cfg,
            asked: Mutex::new(Asked::new(ANSWERS_REMEMBERED)),
            zones: Mutex::new(Generations::new(ZONES_REMEMBERED)),
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

    /// The round's bound on HTTP fetches in flight.
    pub fn slots(&self) -> Arc<Semaphore> {
        self.fetches.clone()
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
        let pending = crate::resolver::lock(&self.asked).get_or_ask(key, |key| {
            let questions = self.questions.clone();
            let window = self.windows.of(server);
            let transport = self.transport.clone();
            let fut = self.transport.query(server, &key.1, rtype, rd);
            async move {
                // Room at the server first, then in the round: a
                // question waiting for a slow server holds no place
                // another server's question could use.
                let slot = window.enter().await;
                let _permit = questions.acquire_owned().await;
                let resent = transport.resent(server);
                let result = fut.await;
                // A question that had to be sent again meanwhile (this
                // one or another to the server) is a loss: back off
                // before questions start timing out whole.
                let lost = transport.resent(server) > resent;
                slot.done(match &result {
                    Err(QueryError::Timeout(_)) => Outcome::TimedOut,
                    _ if lost => Outcome::TimedOut,
                    Ok(_) => Outcome::Answered,
                    Err(_) => Outcome::Other,
                });
                result
            }
            .boxed()
            .shared()
        });
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

    /// Whether the resolvers say `name` is an alias (a CNAME question is
    /// never chased, so it is answered where the SOA question fails).
    async fn is_alias(&self, name: &str) -> bool {
        self.ask_resolvers(name, RType::Cname).await.is_ok_and(|a| {
            a.rcode == Rcode::NoError
                && a.answers
                    .iter()
                    .any(|r| r.owner == name && matches!(r.data, Data::Cname(_)))
        })
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
                // A resolver chases an alias for the SOA question too, and
                // fails (SERVFAIL) at a chain longer than it follows or a
                // loop; the name's own zone is fine. A name that is an alias
                // is no apex: its zone is its parent's, as below.
                if answer.rcode == Rcode::ServFail
                    && self.is_alias(&name).await
                    && let Some(p) = parent(&name)
                {
                    name = p.to_owned();
                    continue;
                }
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

    /// The addresses of one nameserver host, restricted to the allowed
    /// families, and the DNSSEC cause when an address answer was bogus.
    async fn ns_addresses(
        &self,
        host: &str,
        check: AddressCheck,
    ) -> (Vec<SocketAddr>, Option<Bogus>) {
        let host = normalize(host);
        if let Some(addrs) = self.cfg.ns_addrs.get(&host) {
            return (addrs.clone(), None);
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
            if check == AddressCheck::AsGiven {
                return Some(Ok(a));
            }
            // A bogus address is one the CA's validating resolver cannot
            // use: the CA never asks that server, so neither does dcv.
            match self.security(host, t, &a).await {
                Some(Security::Bogus(b)) => Some(Err(b)),
                _ => Some(Ok(a)),
            }
        }))
        .await;
        let mut out = Vec::new();
        let mut bogus = None;
        for answer in answers.into_iter().flatten() {
            let a = match answer {
                Ok(a) => a,
                Err(b) => {
                    bogus = Some(b);
                    continue;
                }
            };
            // Addresses of the host (or its alias chain) only.
            let owners = chain(&a, host);
            for r in a.answers {
                if !owners.contains(&r.owner) {
                    continue;
                }
                if let Data::Addr(ip) = r.data {
                    let addr = SocketAddr::new(ip, self.cfg.ns_port);
                    if self.family_allowed(&ip) && !out.contains(&addr) {
                        out.push(addr);
                    }
                }
            }
        }
        (out, bogus)
    }

    /// Every address of the given nameserver hosts: each host's own A/AAAA
    /// addresses, and the parent's glue for it where that differs (a
    /// resolver uses the glue). `parent_only` hosts are those the parent
    /// delegates to but the zone does not list.
    async fn servers_of(
        &self,
        zone: &str,
        hosts: Vec<String>,
        parent_only: &[String],
        glue: &HashMap<String, Vec<IpAddr>>,
        check: AddressCheck,
    ) -> Result<Vec<Server>, LookupFailure> {
        if hosts.is_empty() {
            return Err(LookupFailure::NoNs {
                zone: zone.to_owned(),
            });
        }
        let addrs = join_all(hosts.iter().map(|h| self.ns_addresses(h, check))).await;
        let mut servers = Vec::new();
        let mut bogus: Option<(String, Bogus)> = None;
        for (host, (addrs, host_bogus)) in hosts.into_iter().zip(addrs) {
            if let Some(b) = host_bogus {
                bogus.get_or_insert((host.clone(), b));
            }
            let listed = if parent_only.contains(&host) {
                Origin::ParentOnly
            } else {
                Origin::Zone
            };
            let glued = glue
                .get(&host)
                .into_iter()
                .flatten()
                .filter(|ip| self.family_allowed(ip))
                .map(|ip| (SocketAddr::new(*ip, self.cfg.ns_port), Origin::Glue));
            let found = addrs.into_iter().map(|a| (a, listed)).chain(glued);
            for (addr, origin) in found {
                if !servers.iter().any(|s: &Server| s.addr == addr) {
                    // A stale host keeps saying so, whichever address.
                    let origin = if listed == Origin::ParentOnly {
                        listed
                    } else {
                        origin
                    };
                    servers.push(Server {
                        name: host.clone(),
                        addr,
                        origin,
                    });
                }
            }
        }
        if servers.is_empty() {
            // Addresses there were, but a validating resolver rejects them.
            if let Some((host, cause)) = bogus {
                return Err(LookupFailure::NsAddressBogus {
                    zone: zone.to_owned(),
                    host,
                    cause: cause.to_string(),
                });
            }
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

    fn family_allowed(&self, ip: &IpAddr) -> bool {
        (ip.is_ipv4() && self.cfg.ipv4) || (ip.is_ipv6() && self.cfg.ipv6)
    }

    /// The zone's own NS hosts, as the resolvers give them.
    async fn child_ns(&self, zone: &str) -> Result<Vec<String>, LookupFailure> {
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
        Ok(hosts)
    }

    /// The parent's side of the delegation of `zone`: what every server of
    /// the parent zone refers a resolver to. Empty when the parent cannot
    /// be found or asked (a lab without one): the zone's own NS set then
    /// stands alone, as before.
    async fn delegation(&self, zone: &str) -> Delegation {
        let mut out = Delegation::default();
        let Some(above) = parent(zone) else {
            return out;
        };
        let Ok(parent_zone) = self.find_zone(above).await else {
            return out;
        };
        let Ok(hosts) = self.child_ns(&parent_zone).await else {
            return out;
        };
        let Ok(servers) = self
            .servers_of(
                &parent_zone,
                hosts,
                &[],
                &HashMap::new(),
                AddressCheck::AsGiven,
            )
            .await
        else {
            return out;
        };
        let answers = join_all(
            servers
                .iter()
                .map(|s| self.ask(s.addr, zone, RType::Ns, false)),
        )
        .await;
        for answer in answers.into_iter().flatten() {
            let Some((child, hosts)) = referral(&answer, zone, &parent_zone) else {
                continue;
            };
            if child != zone {
                continue;
            }
            for h in hosts {
                if !out.hosts.contains(&h) {
                    out.hosts.push(h);
                }
            }
            add_glue(&mut out.glue, &answer, &out.hosts, &parent_zone);
        }
        out
    }

    /// The NS hosts each server lists for `zone` in an authoritative answer
    /// (servers that do not answer so list nothing).
    async fn listed_by(&self, zone: &str, servers: &[Server]) -> Vec<(String, Vec<String>)> {
        let answers = join_all(
            servers
                .iter()
                .map(|s| self.ask(s.addr, zone, RType::Ns, false)),
        )
        .await;
        servers
            .iter()
            .zip(answers)
            .map(|(s, a)| {
                let hosts = a
                    .ok()
                    .filter(|a| a.authoritative && a.rcode == Rcode::NoError)
                    .map(|a| {
                        a.answers
                            .into_iter()
                            .filter(|r| r.owner == zone)
                            .filter_map(|r| match r.data {
                                Data::Ns(h) => Some(h),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (s.name.clone(), hosts)
            })
            .collect()
    }

    /// The authoritative servers of a zone: the union of its own NS set and
    /// the parent's delegation (with glue), every address of each.
    async fn zone_servers_with(
        &self,
        zone: &str,
        delegation: &Delegation,
    ) -> Result<Vec<Server>, LookupFailure> {
        let mut hosts = self.child_ns(zone).await.unwrap_or_default();
        let mut parent_only = Vec::new();
        for h in &delegation.hosts {
            if !hosts.contains(h) {
                parent_only.push(h.clone());
                hosts.push(h.clone());
            }
        }
        self.servers_of(
            zone,
            hosts,
            &parent_only,
            &delegation.glue,
            AddressCheck::Validated,
        )
        .await
    }

    /// Asks the question of every server of `zone`. The zone's own servers
    /// are asked as soon as they are known; the parent's side of the
    /// delegation (one or two round trips more) is read meanwhile, and the
    /// servers only it names are asked when it is in, so it adds to the
    /// wait only for them. Each server's origin is settled at the end, with
    /// the NS set each server serves.
    async fn ask_zone(&self, lookup: &mut Lookup, zone: String) {
        let name = lookup.name.clone();
        let rtype = lookup.rtype;
        let known = {
            let mut zones = crate::resolver::lock(&self.zones);
            zones.get(&zone).unwrap_or_else(|| {
                let known = Arc::<ZoneServers>::default();
                zones.put(zone.clone(), known.clone());
                known
            })
        };
        let own = async {
            let servers = known
                .own
                .get_or_init(|| async {
                    let hosts = self.child_ns(&zone).await?;
                    self.servers_of(&zone, hosts, &[], &HashMap::new(), AddressCheck::Validated)
                        .await
                })
                .await
                .clone()?;
            let (observations, listed) = futures::join!(
                self.ask_servers(name.clone(), rtype, zone.clone(), servers.clone(), 0),
                self.listed_by(&zone, &servers),
            );
            Ok::<_, LookupFailure>((servers, observations, listed))
        };
        let (own, delegation) =
            futures::join!(own, known.delegation.get_or_init(|| self.delegation(&zone)));
        // The union (the questions of the zone's own side are cached; only
        // the addresses of hosts the parent alone names are new).
        let all = known
            .all
            .get_or_init(|| self.zone_servers_with(&zone, delegation))
            .await
            .clone();
        let (asked, mut observations, mut listed, own_error) = match own {
            Ok((servers, observations, listed)) => (servers, observations, listed, None),
            Err(e) => (Vec::new(), Vec::new(), Vec::new(), Some(e)),
        };
        let servers = match all {
            Ok(servers) => servers,
            Err(e) => {
                // Neither side names a server that can be asked.
                lookup.error = Some(own_error.unwrap_or(e));
                lookup.observations = observations;
                return;
            }
        };
        let extra: Vec<Server> = servers
            .iter()
            .filter(|s| !asked.iter().any(|a| a.addr == s.addr))
            .cloned()
            .collect();
        let (more, more_listed) = futures::join!(
            self.ask_servers(name, rtype, zone.clone(), extra.clone(), 0),
            self.listed_by(&zone, &extra),
        );
        observations.extend(more);
        listed.extend(more_listed);
        // Origins as the union has them (the zone's servers were asked
        // before the parent's glue and NS set were known).
        for o in observations.iter_mut() {
            if let Some(s) = servers
                .iter()
                .find(|s| s.addr == o.server.addr && s.name == o.server.name)
            {
                o.server.origin = s.origin;
            }
        }
        relabel(&mut observations, &zone, &listed, &delegation.hosts);
        lookup.observations = observations;
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
                            origin: Origin::Resolver,
                        },
                        zone: None,
                        result,
                    })
                    .collect();
            }
            Mode::Authoritative => match self.find_zone(&name).await {
                Ok(zone) => self.ask_zone(&mut lookup, zone).await,
                Err(e) => lookup.error = Some(e),
            },
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
            type Child = (String, Vec<String>, HashMap<String, Vec<IpAddr>>);
            let mut children: Vec<Child> = Vec::new();
            let mut sources = Vec::with_capacity(servers.len());
            for (server, result) in servers.into_iter().zip(results) {
                let child = result.as_ref().ok().and_then(|a| referral(a, &name, &zone));
                match child {
                    Some((child, hosts)) if depth < MAX_REFERRALS => {
                        let i = match children.iter().position(|(c, _, _)| *c == child) {
                            Some(i) => i,
                            None => {
                                children.push((child, Vec::new(), HashMap::new()));
                                children.len() - 1
                            }
                        };
                        let (_, known, glue) = &mut children[i];
                        for h in hosts {
                            if !known.contains(&h) {
                                known.push(h);
                            }
                        }
                        if let Ok(a) = &result {
                            add_glue(glue, a, known, &zone);
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
            let followed = join_all(children.iter().map(|(child, hosts, glue)| async {
                let child_servers = self
                    .servers_of(child, hosts.clone(), &[], glue, AddressCheck::Validated)
                    .await?;
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

impl ChainSource for Engine {
    fn ask_resolvers<'a>(
        &'a self,
        name: &'a str,
        rtype: RType,
    ) -> BoxFuture<'a, Result<Answer, QueryError>> {
        Engine::ask_resolvers(self, name, rtype).boxed()
    }

    fn find_zone<'a>(&'a self, start: &'a str) -> BoxFuture<'a, Result<String, LookupFailure>> {
        Engine::find_zone(self, start).boxed()
    }
}

impl Engine {
    /// The DNSSEC verdict on one server's answer to `qname`/`qtype`, or
    /// `None` when validation is off.
    pub async fn security(&self, qname: &str, qtype: RType, answer: &Answer) -> Option<Security> {
        let v = self.validation.as_ref()?;
        Validator::new(self, v).security(qname, qtype, answer).await
    }

    /// The DNSSEC verdict on each server's answer of a lookup, in the
    /// order of its observations (`None`: validation is off, or the server
    /// gave no answer to judge).
    pub async fn verdicts(&self, lookup: &Lookup) -> Vec<Option<Security>> {
        join_all(lookup.observations.iter().map(|o| async {
            match &o.result {
                Ok(answer) => self.security(&lookup.name, lookup.rtype, answer).await,
                Err(_) => None,
            }
        }))
        .await
    }
}

/// Whether the zone still lists each server's host, as its own servers
/// serve the NS set: a host the parent delegates to is "listed only in the
/// parent" when no *other* server lists it (a stale copy may list itself),
/// and is the zone's when another does, whatever a resolver's cached NS set
/// said. Without another server's word the resolvers' view stands.
fn relabel(
    observations: &mut [Observation],
    zone: &str,
    listed: &[(String, Vec<String>)],
    parent_hosts: &[String],
) {
    for o in observations.iter_mut() {
        if o.zone.as_deref() != Some(zone) || o.server.origin == Origin::Resolver {
            continue;
        }
        let host = &o.server.name;
        let others: Vec<&Vec<String>> = listed
            .iter()
            .filter(|(name, hosts)| name != host && !hosts.is_empty())
            .map(|(_, hosts)| hosts)
            .collect();
        if others.is_empty() {
            continue;
        }
        let by_zone = others.iter().any(|hosts| hosts.contains(host));
        match o.server.origin {
            Origin::Zone | Origin::Glue if !by_zone && parent_hosts.contains(host) => {
                o.server.origin = Origin::ParentOnly;
            }
            Origin::ParentOnly if by_zone => o.server.origin = Origin::Zone,
            _ => {}
        }
    }
}

/// Glue: the addresses a referral from `zone`'s server gives for the
/// delegation's `hosts`, those the parent zone may vouch for (in
/// bailiwick), as a resolver reads them.
fn add_glue(
    glue: &mut HashMap<String, Vec<IpAddr>>,
    referral: &Answer,
    hosts: &[String],
    zone: &str,
) {
    for r in &referral.additional {
        if let Data::Addr(ip) = r.data
            && hosts.contains(&r.owner)
            && in_zone(&r.owner, zone)
        {
            let ips = glue.entry(r.owner.clone()).or_default();
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
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
        Answer::of(rcode, true, answers, authority)
    }

    fn soa(owner: &str) -> Record {
        rec(
            owner,
            Data::Soa {
                mname: "ns1.example.com".into(),
                minimum: 60,
                serial: 1,
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

    /// Counts the questions that reach the wire; `lossy`: each is answered
    /// only after being sent again (a server that drops first copies), as
    /// a resending transport reports.
    #[derive(Default)]
    struct Counted {
        asked: std::sync::atomic::AtomicUsize,
        lossy: bool,
    }

    impl DnsTransport for Counted {
        fn query(
            &self,
            _: SocketAddr,
            _: &str,
            _: RType,
            _: bool,
        ) -> BoxFuture<'static, Result<Answer, QueryError>> {
            self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async {
                tokio::task::yield_now().await;
                Ok(answer(Rcode::NxDomain, vec![], vec![]))
            }
            .boxed()
        }

        fn resent(&self, _: SocketAddr) -> u64 {
            if self.lossy {
                self.asked.load(std::sync::atomic::Ordering::SeqCst) as u64
            } else {
                0
            }
        }
    }

    #[tokio::test]
    async fn the_answer_cache_keeps_what_is_asked_again_and_forgets_the_rest() {
        let counted = Arc::new(Counted::default());
        let cfg = Config::new(vec![], Mode::Recursive, Duration::from_secs(1));
        let e = Engine {
            asked: Mutex::new(Asked::new(8)),
            ..Engine::new(counted.clone(), cfg)
        };
        let server: SocketAddr = "127.0.0.1:53".parse().unwrap();
        // A shared question asked between every name's own question stays
        // remembered however many names go by; memory stays bounded.
        for i in 0..100 {
            e.ask(server, "example.test", RType::Dnskey, false)
                .await
                .unwrap();
            e.ask(server, &format!("n{i}.example.test"), RType::Cname, false)
                .await
                .unwrap();
            // The shared question, and two generations of 8.
            assert!(e.asked.lock().unwrap().len() <= 1 + 16);
        }
        let asked = || counted.asked.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(asked(), 101);
        // A name's question asked again soon is answered from memory; one
        // forgotten generations ago is asked again.
        e.ask(server, "n99.example.test", RType::Cname, false)
            .await
            .unwrap();
        assert_eq!(asked(), 101);
        e.ask(server, "n0.example.test", RType::Cname, false)
            .await
            .unwrap();
        assert_eq!(asked(), 102);
        // Only the question asked of every name became a shared one.
        let cache = e.asked.lock().unwrap();
        assert_eq!(cache.shared.len(), 1);
        assert!(cache.shared.keys().all(|k| k.1 == "example.test"));
    }

    #[tokio::test]
    async fn questions_sent_again_make_the_server_window_back_off() {
        let server: SocketAddr = "127.0.0.1:53".parse().unwrap();
        let mut cfg = Config::new(vec![server], Mode::Recursive, Duration::from_secs(1));
        cfg.max_in_flight = 64;
        let lossy = Counted {
            lossy: true,
            ..Counted::default()
        };
        let e = Engine::new(Arc::new(lossy), cfg);
        let names: Vec<String> = (0..64).map(|i| format!("n{i}.example.test")).collect();
        join_all(names.iter().map(|n| e.ask(server, n, RType::Txt, true))).await;
        // Every answer came, but after losses: the window halved (once for
        // the burst), and another server's window is untouched.
        assert_eq!(e.windows.of(server).limit(), 32);
        let other: SocketAddr = "127.0.0.2:53".parse().unwrap();
        assert_eq!(e.windows.of(other).limit(), 64);
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
        let a = Answer::of(
            Rcode::NoError,
            false,
            vec![],
            vec![ns("sub.example.com", "ns.sub.example.com")],
        );
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

#[cfg(test)]
mod delegation_tests {
    //! The parent's side of a delegation (issue 15 items 10–12): a resolver
    //! can be sent to any server either side names, at any address either
    //! side gives.
    use super::*;
    use crate::resolver::Record;
    use futures::FutureExt;

    const RESOLVER: &str = "127.0.0.1:53";
    const PARENT: &str = "127.0.1.1:53";

    fn rec(owner: &str, data: Data) -> Record {
        Record {
            owner: owner.into(),
            ttl: 300,
            data,
        }
    }

    fn addr(owner: &str, ip: &str) -> Record {
        rec(owner, Data::Addr(ip.parse().unwrap()))
    }

    fn soa(owner: &str) -> Record {
        rec(
            owner,
            Data::Soa {
                mname: format!("ns.{owner}"),
                minimum: 60,
                serial: 1,
            },
        )
    }

    /// com is the parent; example.com's own NS set is ns1, ns3, ns4, the
    /// parent delegates to ns1, ns2 (stale), ns4, with glue for ns1 at an
    /// old address and for ns4, which has no A record of its own.
    struct StaleDelegation;

    impl DnsTransport for StaleDelegation {
        fn query(
            &self,
            server: SocketAddr,
            name: &str,
            rtype: RType,
            _rd: bool,
        ) -> BoxFuture<'static, Result<Answer, QueryError>> {
            let mut a = Answer::of(Rcode::NoError, true, vec![], vec![]);
            let server = server.to_string();
            if server == RESOLVER {
                match (name, rtype) {
                    ("example.com" | "com", RType::Soa) => a.answers.push(soa(name)),
                    (_, RType::Soa) => {
                        a.rcode = Rcode::NxDomain;
                        a.authority.push(soa("example.com"));
                    }
                    ("example.com", RType::Ns) => {
                        for h in ["ns1.example.com", "ns3.example.com", "ns4.example.com"] {
                            a.answers.push(rec("example.com", Data::Ns(h.into())));
                        }
                    }
                    ("com", RType::Ns) => a.answers.push(rec("com", Data::Ns("a.nic.com".into()))),
                    ("a.nic.com", RType::A) => a.answers.push(addr("a.nic.com", "127.0.1.1")),
                    ("ns1.example.com", RType::A) => a.answers.push(addr(name, "127.0.0.11")),
                    ("ns2.example.com", RType::A) => a.answers.push(addr(name, "127.0.0.12")),
                    ("ns3.example.com", RType::A) => a.answers.push(addr(name, "127.0.0.13")),
                    _ => {}
                }
            } else if server == PARENT {
                a.authoritative = false;
                for h in ["ns1.example.com", "ns2.example.com", "ns4.example.com"] {
                    a.authority.push(rec("example.com", Data::Ns(h.into())));
                }
                a.additional.push(addr("ns1.example.com", "127.0.0.21"));
                a.additional.push(addr("ns4.example.com", "127.0.0.14"));
                // Out of bailiwick for com: not glue a resolver trusts.
                a.additional.push(addr("ns1.example.net", "127.0.0.99"));
            } else if server == "127.0.0.12:53" || server == "127.0.0.21:53" {
                // The stale copies: the record is not there.
                a.rcode = Rcode::NxDomain;
                a.authority.push(soa("example.com"));
            } else {
                a.answers.push(rec("_x.example.com", Data::Txt("v".into())));
            }
            async move { Ok(a) }.boxed()
        }
    }

    #[tokio::test]
    async fn every_server_either_side_names_is_asked_and_says_where_it_came_from() {
        let mut cfg = Config::new(
            vec![RESOLVER.parse().unwrap()],
            Mode::Authoritative,
            Duration::from_secs(1),
        );
        cfg.ipv6 = false;
        let e = Engine::new(Arc::new(StaleDelegation), cfg);
        let l = e.lookup("_x.example.com", RType::Txt).await;
        assert!(l.error.is_none(), "{:?}", l.error);
        let mut seen: Vec<(String, String, Origin, bool)> = l
            .observations
            .iter()
            .map(|o| {
                let found = o.result.as_ref().is_ok_and(|a| !a.answers.is_empty());
                (
                    o.server.name.clone(),
                    o.server.addr.ip().to_string(),
                    o.server.origin,
                    found,
                )
            })
            .collect();
        seen.sort_by(|x, y| x.1.cmp(&y.1));
        let want =
            |h: &str, ip: &str, o: Origin, found: bool| (h.to_owned(), ip.to_owned(), o, found);
        assert_eq!(
            seen,
            vec![
                want("ns1.example.com", "127.0.0.11", Origin::Zone, true),
                // Item 11: only the parent still delegates to ns2.
                want("ns2.example.com", "127.0.0.12", Origin::ParentOnly, false),
                want("ns3.example.com", "127.0.0.13", Origin::Zone, true),
                // Item 12: ns4 has no A record; its glue is its address.
                want("ns4.example.com", "127.0.0.14", Origin::Glue, true),
                // Item 10: the parent's stale glue for ns1.
                want("ns1.example.com", "127.0.0.21", Origin::Glue, false),
            ]
        );
    }

    #[test]
    fn a_host_only_its_own_stale_copy_lists_is_the_parents_whatever_the_resolver_cached() {
        let obs = |host: &str, last: u8, origin: Origin| Observation {
            server: Server {
                name: host.into(),
                addr: SocketAddr::from(([192, 0, 2, last], 53)),
                origin,
            },
            zone: Some("example.com".into()),
            result: Err(QueryError::Timeout(Duration::from_secs(1))),
        };
        // The resolver had cached the stale copy's NS set (ns1, ns2).
        let mut observations = vec![
            obs("ns1.example.com", 1, Origin::Zone),
            obs("ns2.example.com", 2, Origin::Zone),
            obs("ns3.example.com", 3, Origin::ParentOnly),
        ];
        let listed = vec![
            (
                "ns1.example.com".to_owned(),
                vec!["ns1.example.com".to_owned(), "ns3.example.com".to_owned()],
            ),
            (
                "ns2.example.com".to_owned(),
                vec!["ns1.example.com".to_owned(), "ns2.example.com".to_owned()],
            ),
            (
                "ns3.example.com".to_owned(),
                vec!["ns1.example.com".to_owned(), "ns3.example.com".to_owned()],
            ),
        ];
        let parent = vec![
            "ns1.example.com".to_owned(),
            "ns2.example.com".to_owned(),
            "ns3.example.com".to_owned(),
        ];
        relabel(&mut observations, "example.com", &listed, &parent);
        let origins: Vec<Origin> = observations.iter().map(|o| o.server.origin).collect();
        assert_eq!(origins, [Origin::Zone, Origin::ParentOnly, Origin::Zone]);
    }
}
