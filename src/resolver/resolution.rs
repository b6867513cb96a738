//! The one resolution function: a name and type resolved the way a CA's
//! resolver does, alias by alias. Every check (CNAME, TXT, random value,
//! persist, CAA, the HTTP address lookup) reads a [`Resolution`]; none
//! follows an alias itself, so the chain limit, loop detection and the
//! per-server view are the same everywhere.
//!
//! Each link of the chain is an engine [`Lookup`]: in authoritative mode
//! every server of the zone that holds the link's name (parent side
//! included), so a target in another zone is asked at that zone's servers;
//! in recursive mode every resolver given. An answer that carries the rest
//! of the chain (a resolver, or an authoritative server whose zone holds
//! the target) ends the resolution there; one that stops at an alias (an
//! authoritative server at its zone's edge, or a resolver that does not
//! chase) is followed with the next link. Boulder's `bdns` and hickory's
//! `Resolver::lookup` have the same shape: the caller gets the answer and
//! the names it passed through, never a half-followed alias.

use futures::future::join_all;

use super::engine::{Engine, Lookup, Mode, Observation, Origin, Server};
use super::{Answer, Data, MAX_CHAIN, QueryError, RType, Rcode, Security, chain, normalize};

/// A name and type resolved through its aliases.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The question, as given (case kept for display), without the dot.
    pub name: String,
    pub rtype: RType,
    /// One lookup per link, the question's first: each link's name is the
    /// target the servers of the link before it agreed on.
    pub links: Vec<Lookup>,
    /// Why the resolution stopped where it did.
    pub end: ChainEnd,
}

/// How a resolution ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEnd {
    /// The last link answers for its own name: records, a negative answer
    /// or failures, which the check reads.
    Answered,
    /// The servers of the last link disagree on the alias (some name one
    /// target, others another or none): the chain is not followed, and the
    /// check reads the disagreement from that link.
    Diverged,
    /// The chain comes back to a name it passed (the names, in order, the
    /// repeated one last).
    Loop(Vec<String>),
    /// More than [`MAX_CHAIN`] aliases: resolvers give up (the names
    /// passed through).
    TooLong(Vec<String>),
}

impl Resolution {
    /// The link the checks judge: the last one asked.
    pub fn last(&self) -> &Lookup {
        // A resolution always holds its question's lookup.
        &self.links[self.links.len() - 1]
    }

    /// Whether the question name is an alias the resolution followed.
    pub fn followed(&self) -> bool {
        self.links.len() > 1
    }

    /// Every name of the chain, the question first, as the answers spell it
    /// (within an answer and across links).
    pub fn aliases(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for link in &self.links {
            for n in chain_within(link) {
                if names.last() != Some(&n) {
                    names.push(n);
                }
            }
        }
        names
    }

    /// The chain in words, for reports: `a. → b. → c.`.
    pub fn path(&self) -> String {
        arrows(&self.aliases())
    }

    /// The chain's failure in words, when it is a loop or too long.
    pub fn broken(&self) -> Option<BrokenChain> {
        match &self.end {
            ChainEnd::Loop(names) => Some(BrokenChain::Loop(names.clone())),
            ChainEnd::TooLong(names) => Some(BrokenChain::TooLong(names.len().saturating_sub(1))),
            _ => None,
        }
    }
}

/// A chain no resolver completes: the CA's lookup fails (SERVFAIL).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrokenChain {
    #[error("alias loop ({})", arrows(.0))]
    Loop(Vec<String>),
    #[error("a chain of more than {MAX_CHAIN} aliases ({0} followed; resolvers give up)")]
    TooLong(usize),
}

fn arrows(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n}."))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The alias chain a link's first answer spells out, its name first (the
/// name alone when no server answered).
fn chain_within(link: &Lookup) -> Vec<String> {
    link.observations
        .iter()
        .find_map(|o| o.result.as_ref().ok().map(|a| chain(a, &link.name)))
        .unwrap_or_else(|| vec![normalize(&link.name)])
}

/// Where one server's answer leads: nowhere (it answers for the name, or
/// failed), or on to a target its answer names but does not resolve.
fn continuation(o: &Observation, qname: &str, rtype: RType) -> Option<String> {
    let a = o.result.as_ref().ok()?;
    if a.rcode != Rcode::NoError {
        return None;
    }
    let names = chain(a, qname);
    let end = names.last()?;
    if names.len() < 2 || holds_type(a, end, rtype) {
        return None;
    }
    Some(end.clone())
}

/// Whether an answer holds records of `rtype` at `owner`.
fn holds_type(a: &Answer, owner: &str, rtype: RType) -> bool {
    a.answers.iter().any(|r| {
        r.owner == owner
            && match (&r.data, rtype) {
                (Data::Addr(ip), RType::A) => ip.is_ipv4(),
                (Data::Addr(ip), RType::Aaaa) => ip.is_ipv6(),
                (Data::Txt(_), RType::Txt) => true,
                (Data::Caa { .. }, RType::Caa) => true,
                (Data::Ns(_), RType::Ns) => true,
                (Data::Soa { .. }, RType::Soa) => true,
                (Data::Cname(_), RType::Cname) => true,
                _ => false,
            }
    })
}

/// Whom a resolution asks at each link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// As the engine's mode says: every authoritative server of the link's
    /// zone, or every resolver.
    Mode,
    /// The resolvers in turn until one answers (the HTTP address lookup,
    /// which a CA makes through its resolver).
    FirstResolver,
}

impl Engine {
    /// Resolves `name`/`rtype` through its aliases (see the module doc).
    /// A question for CNAME records is not followed: the alias is the data.
    pub async fn resolve(&self, name: &str, rtype: RType) -> Resolution {
        self.resolve_via(name, rtype, Via::Mode).await
    }

    /// [`Engine::resolve`], asking whom `via` says.
    pub async fn resolve_via(&self, name: &str, rtype: RType, via: Via) -> Resolution {
        let mut passed: Vec<String> = Vec::new();
        let mut links: Vec<Lookup> = Vec::new();
        let mut qname = name.trim_end_matches('.').to_owned();
        loop {
            let link = match via {
                Via::Mode => self.lookup(&qname, rtype).await,
                Via::FirstResolver => self.first_resolver(&qname, rtype).await,
            };
            let targets: Vec<Option<String>> = if rtype == RType::Cname {
                Vec::new()
            } else {
                link.observations
                    .iter()
                    .map(|o| continuation(o, &qname, rtype))
                    .collect()
            };
            let within = chain_within(&link);
            links.push(link);
            let next = match targets.first() {
                Some(Some(t)) if targets.iter().all(|x| x.as_ref() == Some(t)) => t.clone(),
                _ if targets.iter().any(Option::is_some) => {
                    return self.ended(name, rtype, links, ChainEnd::Diverged);
                }
                _ => {
                    // A resolver that gives up on a chain answers SERVFAIL
                    // without it: ask for the aliases themselves (CNAME
                    // questions are not chased) to name a loop or an
                    // endless chain, as the CA's resolver met it.
                    let last = &links[links.len() - 1];
                    let end = self
                        .chain_behind_failure(last, via)
                        .await
                        .unwrap_or(ChainEnd::Answered);
                    return self.ended(name, rtype, links, end);
                }
            };
            // The names this link passed through (its own chain without the
            // target), then the target: a repeat is a loop.
            for n in &within[..within.len() - 1] {
                if passed.contains(n) {
                    passed.push(n.clone());
                    return self.ended(name, rtype, links, ChainEnd::Loop(passed));
                }
                passed.push(n.clone());
            }
            if passed.contains(&next) {
                passed.push(next);
                return self.ended(name, rtype, links, ChainEnd::Loop(passed));
            }
            if passed.len() > MAX_CHAIN {
                passed.push(next);
                return self.ended(name, rtype, links, ChainEnd::TooLong(passed));
            }
            qname = next;
        }
    }

    /// When every resolver answered a link SERVFAIL, the loop or the chain
    /// too long behind it, read one CNAME question at a time; `None` when
    /// the SERVFAIL has another cause (or servers, not resolvers, said it).
    async fn chain_behind_failure(&self, link: &Lookup, via: Via) -> Option<ChainEnd> {
        let recursive = via == Via::FirstResolver || self.config().mode == Mode::Recursive;
        let all_servfail = !link.observations.is_empty()
            && link
                .observations
                .iter()
                .all(|o| matches!(&o.result, Ok(a) if a.rcode == Rcode::ServFail));
        if !recursive || !all_servfail || link.rtype == RType::Cname {
            return None;
        }
        let mut names = vec![normalize(&link.name)];
        loop {
            let current = names[names.len() - 1].clone();
            let answer = self.ask_resolvers(&current, RType::Cname).await.ok()?;
            let next = answer.answers.iter().find_map(|r| match &r.data {
                Data::Cname(t) if r.owner == current => Some(normalize(t)),
                _ => None,
            })?;
            let repeated = names.contains(&next);
            names.push(next);
            if repeated {
                return Some(ChainEnd::Loop(names));
            }
            if names.len() > MAX_CHAIN + 1 {
                return Some(ChainEnd::TooLong(names));
            }
        }
    }

    fn ended(&self, name: &str, rtype: RType, links: Vec<Lookup>, end: ChainEnd) -> Resolution {
        Resolution {
            name: name.trim_end_matches('.').to_owned(),
            rtype,
            links,
            end,
        }
    }

    /// One link asked of the resolvers in turn: the first usable answer (or
    /// the last failure) as the link's one observation.
    async fn first_resolver(&self, name: &str, rtype: RType) -> Lookup {
        let mut last: Option<Observation> = None;
        for &r in &self.config().resolvers {
            let result = self.ask(r, name, rtype, true).await;
            let usable =
                matches!(&result, Ok(a) if matches!(a.rcode, Rcode::NoError | Rcode::NxDomain));
            let o = Observation {
                server: Server {
                    name: "resolver".into(),
                    addr: r,
                    origin: Origin::Resolver,
                },
                zone: None,
                result,
            };
            last = Some(o);
            if usable {
                break;
            }
        }
        let observations = match last {
            Some(o) => vec![o],
            None => vec![Observation {
                server: Server {
                    name: "resolver".into(),
                    addr: ([0, 0, 0, 0], 0).into(),
                    origin: Origin::Resolver,
                },
                zone: None,
                result: Err(QueryError::Network("no resolver configured".into())),
            }],
        };
        Lookup {
            name: name.to_owned(),
            rtype,
            observations,
            error: None,
        }
    }

    /// The DNSSEC verdict on a resolution: the worst of every link's every
    /// server's answer (a chain is as secure as its weakest link), `None`
    /// when validation is off or nothing was answered.
    pub async fn resolution_security(&self, r: &Resolution) -> Option<Security> {
        let verdicts = join_all(r.links.iter().map(|l| self.verdicts(l))).await;
        verdicts
            .into_iter()
            .flatten()
            .flatten()
            .reduce(Security::worst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolver::engine::Config;
    use crate::resolver::{DnsTransport, Record};
    use futures::FutureExt;
    use futures::future::BoxFuture;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    /// A resolver that does not chase aliases: each `hopN.test` is a CNAME
    /// to `hopN+1.test`, up to `last`, which holds a TXT.
    struct Hops {
        last: usize,
        loop_back: bool,
    }

    fn answer(rcode: Rcode, answers: Vec<Record>) -> Answer {
        Answer::of(rcode, false, answers, vec![])
    }

    impl DnsTransport for Hops {
        fn query(
            &self,
            _: SocketAddr,
            name: &str,
            _: RType,
            _: bool,
        ) -> BoxFuture<'static, Result<Answer, QueryError>> {
            let n: usize = name
                .trim_start_matches("hop")
                .trim_end_matches(".test")
                .parse()
                .unwrap_or(usize::MAX);
            let a = if n == self.last && !self.loop_back {
                answer(
                    Rcode::NoError,
                    vec![Record {
                        owner: name.to_owned(),
                        ttl: 60,
                        data: Data::Txt("v".into()),
                    }],
                )
            } else if n <= self.last {
                let next = if n == self.last { 0 } else { n + 1 };
                answer(
                    Rcode::NoError,
                    vec![Record {
                        owner: name.to_owned(),
                        ttl: 60,
                        data: Data::Cname(format!("hop{next}.test.")),
                    }],
                )
            } else {
                answer(Rcode::NxDomain, vec![])
            };
            async move { Ok(a) }.boxed()
        }
    }

    fn engine(last: usize, loop_back: bool) -> Engine {
        let cfg = Config::new(
            vec!["127.0.0.1:53".parse().unwrap()],
            Mode::Recursive,
            Duration::from_secs(1),
        );
        Engine::new(Arc::new(Hops { last, loop_back }), cfg)
    }

    #[tokio::test]
    async fn a_chain_of_twelve_links_is_followed_to_its_records() {
        let r = engine(12, false).resolve("hop0.test", RType::Txt).await;
        assert_eq!(r.end, ChainEnd::Answered);
        assert_eq!(r.links.len(), 13);
        assert_eq!(r.last().name, "hop12.test");
        assert_eq!(r.aliases().len(), 13);
        assert!(
            r.path().starts_with("hop0.test. → hop1.test."),
            "{}",
            r.path()
        );
    }

    #[tokio::test]
    async fn a_loop_is_named_and_an_endless_chain_stops() {
        let r = engine(3, true).resolve("hop0.test", RType::Txt).await;
        let names = match &r.end {
            ChainEnd::Loop(names) => names.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            names,
            [
                "hop0.test",
                "hop1.test",
                "hop2.test",
                "hop3.test",
                "hop0.test"
            ]
        );
        assert_eq!(
            r.broken().unwrap().to_string(),
            "alias loop (hop0.test. → hop1.test. → hop2.test. → hop3.test. → hop0.test.)"
        );
        let long = engine(40, false).resolve("hop0.test", RType::Txt).await;
        assert!(matches!(long.end, ChainEnd::TooLong(_)), "{:?}", long.end);
        assert_eq!(long.links.len(), MAX_CHAIN + 1);
    }

    #[tokio::test]
    async fn a_cname_question_is_not_followed() {
        let r = engine(5, false).resolve("hop0.test", RType::Cname).await;
        assert_eq!(r.end, ChainEnd::Answered);
        assert_eq!(r.links.len(), 1);
    }

    /// A resolver that gives up on aliases the way Unbound does: every
    /// question but CNAME at `hopN.test` (a loop of four) is SERVFAIL; the
    /// CNAME questions are answered; `test` is a zone.
    struct GivesUp;

    impl DnsTransport for GivesUp {
        fn query(
            &self,
            _: SocketAddr,
            name: &str,
            rtype: RType,
            _: bool,
        ) -> BoxFuture<'static, Result<Answer, QueryError>> {
            let n: Option<usize> = name
                .trim_start_matches("hop")
                .trim_end_matches(".test")
                .parse()
                .ok();
            let a = match (n, rtype) {
                (Some(n), RType::Cname) => answer(
                    Rcode::NoError,
                    vec![Record {
                        owner: name.to_owned(),
                        ttl: 60,
                        data: Data::Cname(format!("hop{}.test.", (n + 1) % 4)),
                    }],
                ),
                (Some(_), _) => answer(Rcode::ServFail, vec![]),
                (None, RType::Soa) if name == "test" => answer(
                    Rcode::NoError,
                    vec![Record {
                        owner: "test".into(),
                        ttl: 60,
                        data: Data::Soa {
                            mname: "ns.test".into(),
                            minimum: 60,
                            serial: 1,
                        },
                    }],
                ),
                _ => answer(Rcode::NxDomain, vec![]),
            };
            async move { Ok(a) }.boxed()
        }
    }

    fn giving_up(mode: Mode) -> Engine {
        let cfg = Config::new(
            vec!["127.0.0.1:53".parse().unwrap()],
            mode,
            Duration::from_secs(1),
        );
        Engine::new(Arc::new(GivesUp), cfg)
    }

    #[tokio::test]
    async fn a_loop_a_resolver_answers_servfail_is_named_from_the_cname_questions() {
        let r = giving_up(Mode::Recursive)
            .resolve("hop0.test", RType::Txt)
            .await;
        assert_eq!(
            r.end,
            ChainEnd::Loop(
                [
                    "hop0.test",
                    "hop1.test",
                    "hop2.test",
                    "hop3.test",
                    "hop0.test"
                ]
                .map(String::from)
                .to_vec()
            )
        );
    }

    #[tokio::test]
    async fn the_zone_of_an_alias_whose_soa_question_fails_is_its_parents() {
        // The resolver chases the alias for the SOA question and gives up;
        // the name is an alias, so no apex, and the search goes on above it.
        let zone = giving_up(Mode::Authoritative).find_zone("hop2.test").await;
        assert_eq!(zone, Ok("test".to_owned()));
    }
}
