//! What one server's answer means for a record check: the answer reduced
//! to [`Seen`] (match, another value, NXDOMAIN/NODATA with the negative TTL,
//! lame, failed), and the attempts and server lists a result reports.

use futures::future::join_all;

use super::findings::{ServerFailure, Trouble, resolver_trouble};
use crate::report::{Attempt, CheckResult, Status};
use crate::resolver::{Answer, Data, Rcode, chain, normalize};
use crate::resolver::{Bogus, Security};
use crate::resolver::{Engine, Lookup, Mode, Observation, Resolution};

/// What one server said, reduced for a CNAME or TXT check.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Match,
    /// A CNAME with another target (or TXT without the value).
    Wrong(String),
    NxDomain(Option<(String, u32)>),
    /// NXDOMAIN for the end of the alias chain the answer carries (RFC
    /// 6604: the code speaks of the chain's last name, not of the question).
    Dangling {
        end: String,
        negative: Option<(String, u32)>,
    },
    NoData(Option<(String, u32)>),
    Lame,
    Failed(ServerFailure),
}

impl Seen {
    /// The name (or the end of its alias chain) does not exist.
    pub fn is_nxdomain(&self) -> bool {
        matches!(self, Seen::NxDomain(_) | Seen::Dangling { .. })
    }

    /// The zone and negative-caching TTL of a negative answer.
    pub fn negative(&self) -> Option<&(String, u32)> {
        match self {
            Seen::NxDomain(n) | Seen::NoData(n) | Seen::Dangling { negative: n, .. } => n.as_ref(),
            _ => None,
        }
    }

    pub fn outcome(&self) -> String {
        match self {
            Seen::Match => "pass".into(),
            Seen::Wrong(v) => format!("found {v}"),
            Seen::NxDomain(n) => format!("NXDOMAIN{}", neg(n)),
            Seen::Dangling { end, negative } => format!(
                "NXDOMAIN for {end}., the end of its alias chain (the alias dangles){}",
                neg(negative)
            ),
            Seen::NoData(n) => format!("NODATA (the name exists, without this type){}", neg(n)),
            Seen::Lame => "not authoritative (lame delegation?)".into(),
            Seen::Failed(e) => e.to_string(),
        }
    }
}

fn neg(n: &Option<(String, u32)>) -> String {
    n.as_ref()
        .map(|(z, t)| format!(" (negative TTL {t}s, zone {z})"))
        .unwrap_or_default()
}

/// What a check looks for in an answer: `None` when the answer holds no
/// record of the kind, `Some(Err(shown))` when it holds a different one.
pub type Found = Result<(), String>;
pub type Picker = dyn Fn(&Answer, &str) -> Option<Found>;

pub fn classify(mode: Mode, obs: &Observation, qname: &str, pick: &Picker) -> Seen {
    let a = match &obs.result {
        Ok(a) => a,
        Err(e) => return Seen::Failed(ServerFailure::Query(e.clone())),
    };
    match a.rcode {
        Rcode::NoError | Rcode::NxDomain => {}
        other => return Seen::Failed(ServerFailure::Rcode(other)),
    }
    // Records only count in a positive answer: an NXDOMAIN says the name
    // does not exist, whatever a hostile server adds to the answer section.
    let picked = match a.rcode {
        Rcode::NxDomain => None,
        _ => pick(a, &normalize(qname)),
    };
    if let Some(found) = picked {
        return match found {
            Ok(()) => Seen::Match,
            Err(v) => Seen::Wrong(v),
        };
    }
    if mode == Mode::Authoritative && !a.authoritative {
        return Seen::Lame;
    }
    if a.rcode == Rcode::NxDomain {
        let aliases = crate::resolver::chain(a, qname);
        match aliases.last() {
            Some(end) if aliases.len() > 1 => Seen::Dangling {
                end: end.clone(),
                negative: a.negative_ttl(),
            },
            _ => Seen::NxDomain(a.negative_ttl()),
        }
    } else {
        Seen::NoData(a.negative_ttl())
    }
}

/// A server as reports name it: host, address, and where dcv learnt of it
/// when that is not the zone's own NS set (a CA's resolver may be sent
/// there by the parent's delegation).
pub fn server_label(o: &Observation) -> String {
    match o.server.origin.note() {
        Some(note) => format!("{} ({}, {note})", o.server.name, o.server.addr),
        None => format!("{} ({})", o.server.name, o.server.addr),
    }
}

pub fn attempts(lookup: &Lookup, seen: &[Seen]) -> Vec<Attempt> {
    let query = format!("{}. {}", lookup.name, lookup.rtype);
    let mut out: Vec<Attempt> = lookup
        .observations
        .iter()
        .zip(seen)
        .map(|(o, s)| Attempt {
            query: Some(query.clone()),
            server: Some(o.server.name.clone()),
            zone: o.zone.clone(),
            address: o.server.addr.to_string(),
            outcome: s.outcome(),
            ..Attempt::default()
        })
        .collect();
    if let Some(e) = &lookup.error {
        out.push(Attempt {
            query: Some(query),
            address: "-".into(),
            outcome: e.to_string(),
            ..Attempt::default()
        });
    }
    out
}

/// A resolution whose chain never ends (a loop, or longer than resolvers
/// follow): every server of its last link is read as the failure the CA's
/// resolver gives, whatever that link's answers hold.
pub fn mark_broken(r: &Resolution, seen: &mut [Seen]) {
    if let Some(broken) = r.broken() {
        for s in seen {
            *s = Seen::Failed(ServerFailure::Chain(broken.clone()));
        }
    }
}

/// [`classify_walk`] over the last links of resolutions, a broken chain
/// marked as such.
pub fn classify_resolutions(mode: Mode, walks: &[Resolution], pick: &Picker) -> Vec<Vec<Seen>> {
    walks
        .iter()
        .map(|r| {
            let l = r.last();
            let mut seen: Vec<Seen> = l
                .observations
                .iter()
                .map(|o| classify(mode, o, &l.name, pick))
                .collect();
            mark_broken(r, &mut seen);
            seen
        })
        .collect()
}

/// The FQDN's CNAME target when every server that answered gives the
/// same one: the name a CA may look under by BR 3.2.2.4.7's CNAME step
/// (ballot SC-101), which is the CA's option, so a pass never rests on it.
pub async fn cname_step_target(engine: &Engine, fqdn: &str) -> Option<String> {
    let r = engine.resolve(fqdn, crate::resolver::RType::Cname).await;
    let l = r.last();
    let targets: Vec<String> = l
        .observations
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .filter_map(|a| {
            a.answers.iter().find_map(|rec| match &rec.data {
                Data::Cname(t) if rec.owner == normalize(fqdn) => Some(normalize(t)),
                _ => None,
            })
        })
        .collect();
    let first = targets.first()?.clone();
    targets.iter().all(|t| *t == first).then_some(first)
}

/// Every server agrees the record is there.
pub fn holds(lookup: &Lookup, seen: &[Seen]) -> bool {
    lookup.error.is_none() && !seen.is_empty() && seen.iter().all(|s| *s == Seen::Match)
}

pub fn servers_line(lookup: &Lookup) -> String {
    let names: Vec<String> = lookup.observations.iter().map(server_label).collect();
    format!(
        "{} server{}: {}",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    )
}

pub fn cname_picker(expected: String) -> impl Fn(&Answer, &str) -> Option<Found> {
    move |a: &Answer, qname: &str| {
        // Only the CNAME owned by the question name counts; a resolver may
        // add the rest of the chain after it, and a hostile server may add
        // records of other names.
        let found = a.answers.iter().find_map(|r| match &r.data {
            Data::Cname(t) if r.owner == qname => Some(t),
            _ => None,
        });
        found.map(|t| {
            if normalize(t) == normalize(&expected) {
                Ok(())
            } else {
                Err(t.clone())
            }
        })
    }
}

/// Servers that differ from the rest, named with what they returned.
pub fn differing(lookup: &Lookup, seen: &[Seen]) -> String {
    lookup
        .observations
        .iter()
        .zip(seen)
        .filter(|(_, s)| **s != Seen::Match)
        .map(|(o, s)| format!("{} returned {}", server_label(o), s.outcome()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The failures among what the servers said, for choosing a hint and a
/// code. An observation without a zone was asked of a resolver dcv was
/// given (recursive mode): its failure is that resolver's, not a server the
/// CA asks.
pub fn troubles(lookup: &Lookup, seen: &[Seen]) -> Vec<Trouble> {
    lookup
        .observations
        .iter()
        .zip(seen)
        .filter_map(|(o, s)| match s {
            Seen::Failed(ServerFailure::Query(e)) if o.zone.is_none() => Some(resolver_trouble(e)),
            Seen::Failed(f) => Some(f.trouble()),
            Seen::Lame => Some(Trouble::Lame),
            _ => None,
        })
        .collect()
}

/// The DNSSEC verdict on every answer of a lookup (the worst of them), or
/// `None` when validation is off or no server answered.
pub async fn lookup_security(engine: &Engine, lookup: &Lookup) -> Option<Security> {
    let verdicts = engine.verdicts(lookup).await;
    let answered = verdicts.iter().flatten().count();
    let bogus: Vec<String> = lookup
        .observations
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| matches!(v, Some(Security::Bogus(_))))
        .map(|(o, _)| server_label(o))
        .collect();
    let worst = verdicts.into_iter().flatten().reduce(Security::worst)?;
    // Bogus at some servers only: the CA's resolver fails only when it
    // happens to ask one of them, and the report names them.
    Some(match worst {
        Security::Bogus(cause) if !bogus.is_empty() && bogus.len() < answered => {
            Security::Bogus(Bogus::OnSomeServers {
                cause: Box::new(cause),
                servers: bogus,
            })
        }
        other => other,
    })
}

/// The worst verdict over several lookups.
pub async fn lookups_security(engine: &Engine, lookups: &[Lookup]) -> Option<Security> {
    worst_of(engine, lookups.iter()).await
}

/// The worst verdict over every link of several resolutions: a chain is as
/// secure as its weakest link, and bogus answers from some servers only
/// are named as such.
pub async fn resolutions_security(engine: &Engine, walks: &[Resolution]) -> Option<Security> {
    worst_of(engine, walks.iter().flat_map(|w| &w.links)).await
}

async fn worst_of<'a>(
    engine: &Engine,
    lookups: impl Iterator<Item = &'a Lookup>,
) -> Option<Security> {
    let verdicts = join_all(lookups.map(|l| lookup_security(engine, l))).await;
    verdicts.into_iter().flatten().reduce(Security::worst)
}

/// The first negative answer's zone and negative-caching TTL, if any.
pub fn first_negative(seen: &[Vec<Seen>]) -> Option<(String, u32)> {
    seen.iter().flatten().find_map(|s| s.negative().cloned())
}

/// Each candidate of a walk that found nothing, in words: `NAME. NXDOMAIN`
/// when every server said so, else `NAME. NODATA`.
pub fn misses(lookups: &[Lookup], seen: &[Vec<Seen>]) -> Vec<String> {
    lookups
        .iter()
        .zip(seen)
        .map(|(l, s)| {
            let kind = if s.iter().all(|x| x.is_nxdomain()) {
                "NXDOMAIN"
            } else {
                "NODATA"
            };
            format!("{}. {kind}", l.name)
        })
        .collect()
}

/// What every server said for each lookup of an ADN walk.
pub fn classify_walk(mode: Mode, lookups: &[Lookup], pick: &Picker) -> Vec<Vec<Seen>> {
    lookups
        .iter()
        .map(|l| {
            l.observations
                .iter()
                .map(|o| classify(mode, o, &l.name, pick))
                .collect()
        })
        .collect()
}

/// The attempts of every lookup of an ADN walk, in order.
pub fn walk_attempts(lookups: &[Lookup], seen: &[Vec<Seen>]) -> Vec<Attempt> {
    lookups
        .iter()
        .zip(seen)
        .flat_map(|(l, s)| attempts(l, s))
        .collect()
}

/// What an ADN walk's result relies on, of `per_candidate` (one item per
/// ADN candidate, in `candidates` order): the item of the ADN where it
/// passed, or every item when it failed.
pub fn relied_on<'a, T>(
    result: &CheckResult,
    candidates: &[String],
    per_candidate: &'a [T],
) -> &'a [T] {
    match (&result.status, &result.adn) {
        (Status::Pass, Some(adn)) => candidates
            .iter()
            .position(|c| c == adn)
            .map_or(per_candidate, |i| &per_candidate[i..=i]),
        _ => per_candidate,
    }
}

/// A picker for the TXT checks: the TXT records of the question name (or
/// its alias chain) match when `accepts` takes them, else they are shown.
pub fn txt_picker(accepts: impl Fn(&[&String]) -> bool) -> impl Fn(&Answer, &str) -> Option<Found> {
    move |a: &Answer, qname: &str| {
        let txts = txts_of(a, qname);
        if txts.is_empty() {
            return None;
        }
        Some(if accepts(&txts) {
            Ok(())
        } else {
            Err(shown_txts(&txts))
        })
    }
}

/// The TXT records of the question name or of its alias chain only.
pub fn txts_of<'a>(a: &'a Answer, qname: &str) -> Vec<&'a String> {
    let owners = chain(a, qname);
    a.answers
        .iter()
        .filter_map(|r| match &r.data {
            Data::Txt(t) if owners.contains(&r.owner) => Some(t),
            _ => None,
        })
        .collect()
}

/// The TXT set a server returned when it was judged wrong (the first such
/// server's: the servers usually agree).
pub fn wrong_txts(l: &Lookup, seen: &[Seen]) -> Option<Vec<String>> {
    l.observations.iter().zip(seen).find_map(|(o, s)| match s {
        Seen::Wrong(_) => o
            .result
            .as_ref()
            .ok()
            .map(|a| txts_of(a, &l.name).into_iter().cloned().collect()),
        _ => None,
    })
}

/// TXT records shown in a mismatch: a hostile or busy name can hold
/// hundreds, so at most [`SHOWN_TXTS`] of at most 100 characters each.
pub fn shown_txts(txts: &[&String]) -> String {
    let mut shown: Vec<String> = txts
        .iter()
        .take(SHOWN_TXTS)
        .map(|t| {
            let short: String = t.chars().take(100).collect();
            if short.len() < t.len() {
                format!("{short:?}…")
            } else {
                format!("{short:?}")
            }
        })
        .collect();
    if txts.len() > SHOWN_TXTS {
        shown.push(format!("and {} more", txts.len() - SHOWN_TXTS));
    }
    shown.join(", ")
}

const SHOWN_TXTS: usize = 5;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::resolver::{Origin, Record, Server};

    /// A resolver's answer, as the checks' unit tests build them.
    pub(crate) fn observation(rcode: Rcode, answers: Vec<Record>) -> Observation {
        Observation {
            server: Server {
                name: "resolver".into(),
                addr: "127.0.0.1:53".parse().unwrap(),
                origin: Origin::Resolver,
            },
            zone: None,
            result: Ok(Answer::of(rcode, false, answers, vec![])),
        }
    }

    #[test]
    fn a_server_known_only_from_the_parent_is_named_with_where_it_came_from() {
        let mut o = observation(Rcode::NxDomain, vec![]);
        o.server = Server {
            name: "ns2.example.com".into(),
            addr: "192.0.2.2:53".parse().unwrap(),
            origin: Origin::ParentOnly,
        };
        assert_eq!(
            server_label(&o),
            "ns2.example.com (192.0.2.2:53, listed only in the parent zone's delegation)"
        );
        o.server.origin = Origin::Glue;
        assert!(server_label(&o).ends_with("address only in the parent zone's glue)"));
        o.server.origin = Origin::Zone;
        assert_eq!(server_label(&o), "ns2.example.com (192.0.2.2:53)");
    }

    #[test]
    fn an_nxdomain_carrying_an_alias_chain_speaks_of_the_chain_end() {
        // RFC 6604: the NXDOMAIN is old.example.net's, not the question's.
        let alias = Record {
            owner: "_x.example.com".into(),
            ttl: 300,
            data: Data::Cname("old.example.net.".into()),
        };
        let o = observation(Rcode::NxDomain, vec![alias]);
        let never = |_: &Answer, _: &str| -> Option<Found> { None };
        let seen = classify(Mode::Recursive, &o, "_x.example.com", &never);
        assert!(seen.is_nxdomain());
        assert_eq!(
            seen,
            Seen::Dangling {
                end: "old.example.net".into(),
                negative: None
            }
        );
        assert!(
            seen.outcome().contains("NXDOMAIN for old.example.net."),
            "{}",
            seen.outcome()
        );
        // Without a chain it stays a plain NXDOMAIN of the name.
        let bare = observation(Rcode::NxDomain, vec![]);
        assert_eq!(
            classify(Mode::Recursive, &bare, "_x.example.com", &never),
            Seen::NxDomain(None)
        );
    }

    #[test]
    fn a_large_txt_set_is_cut_short() {
        let many: Vec<String> = (0..40)
            .map(|i| format!("v{i}-{}", "x".repeat(300)))
            .collect();
        let refs: Vec<&String> = many.iter().collect();
        let shown = shown_txts(&refs);
        assert!(shown.ends_with("and 35 more"), "{shown}");
        assert!(shown.len() < 800, "{}", shown.len());
        let one = ["a".to_owned()];
        assert_eq!(shown_txts(&[&one[0]]), "\"a\"");
    }
}
