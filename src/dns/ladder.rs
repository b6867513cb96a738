//! The verdict ladder of the DNS record checks (the DCV CNAME, `--cname`
//! and `--txt`, the random-value TXT, the persistent TXT), written once.
//! Over an ADN walk (one lookup per candidate, closest first, and what
//! every server said) the first rung that holds decides: a pass at the
//! first candidate every server holds; a record some servers hold and
//! others do not (a stale server or delegation: a perspective may land on
//! either); a wrong value; server failures; nothing at all. [`climb`]
//! returns the typed [`Rung`]; [`Walk`] words the rungs every check shares
//! (with the hints and codes of [`super::findings`]), and each check words
//! its own wrong values and misses (with [`super::diagnose`]).

use super::findings::{STALE_SECONDARY_HINT, worst_trouble};
use super::observe::{Seen, attempts, differing, holds, server_label, troubles, walk_attempts};
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult, Status};
use crate::resolver::{Lookup, Observation, Origin};

/// Where an ADN walk's verdict rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rung {
    /// Every server of candidate `i` holds the record (the closest such).
    Pass(usize),
    /// Some servers of candidate `i` hold it, others do not.
    SomeServers(usize),
    /// A server of candidate `i` holds another value.
    Wrong(usize),
    /// No candidate holds it, and servers failed (or could not be found).
    ServerFailures,
    /// No candidate holds it and every server said so.
    Missing,
}

/// The rung an ADN walk stands on.
pub fn climb(lookups: &[Lookup], seen: &[Vec<Seen>]) -> Rung {
    if let Some(i) = (0..lookups.len()).find(|&i| holds(&lookups[i], &seen[i])) {
        return Rung::Pass(i);
    }
    if let Some(i) = seen.iter().position(|s| s.contains(&Seen::Match)) {
        return Rung::SomeServers(i);
    }
    if let Some(i) = seen
        .iter()
        .position(|s| s.iter().any(|x| matches!(x, Seen::Wrong(_))))
    {
        return Rung::Wrong(i);
    }
    let failed = lookups
        .iter()
        .zip(seen)
        .any(|(l, s)| l.error.is_some() || !troubles(l, s).is_empty());
    if failed {
        Rung::ServerFailures
    } else {
        Rung::Missing
    }
}

/// One check's walk, for wording its result: the name checked, the kind of
/// check, the candidates and what their servers said.
pub struct Walk<'a> {
    pub domain: &'a str,
    pub kind: CheckKind,
    pub candidates: &'a [String],
    pub lookups: &'a [Lookup],
    pub seen: &'a [Vec<Seen>],
}

impl Walk<'_> {
    /// The rung this walk stands on.
    pub fn rung(&self) -> Rung {
        climb(self.lookups, self.seen)
    }

    /// A pass at candidate `i`, with the attempts it rests on.
    pub fn pass(&self, i: usize, detail: String) -> CheckResult {
        CheckResult::new(self.domain, self.kind, Status::Pass, detail)
            .with_adn(&self.candidates[i])
            .with_attempts(attempts(&self.lookups[i], &self.seen[i]))
    }

    /// A failure, with every attempt of the walk.
    pub fn fail(&self, detail: String, hint: String, code: Code) -> CheckResult {
        CheckResult::new(self.domain, self.kind, Status::Fail, detail)
            .with_hint(hint)
            .with_code(code)
            .with_attempts(walk_attempts(self.lookups, self.seen))
    }

    /// The rungs every check words alike (`what`: what the servers hold,
    /// e.g. "the random value"); `None` for a pass, a wrong value or a miss.
    pub fn shared(&self, rung: Rung, what: &str) -> Option<CheckResult> {
        match rung {
            Rung::SomeServers(i) => {
                let (l, s) = (&self.lookups[i], &self.seen[i]);
                let n_ok = s.iter().filter(|x| **x == Seen::Match).count();
                let (hint, code) = partial_presence(l, s);
                let detail = format!(
                    "{}. has {what} on {n_ok} of {} servers only; {}",
                    l.name,
                    s.len(),
                    differing(l, s)
                );
                Some(self.fail(detail, hint, code).with_adn(&self.candidates[i]))
            }
            Rung::ServerFailures => {
                let (detail, hint, code) = server_failures(self.lookups, self.seen)?;
                Some(self.fail(detail, hint, code))
            }
            Rung::Pass(_) | Rung::Wrong(_) | Rung::Missing => None,
        }
    }
}

/// The hint and code of a record found on some servers only: a stale
/// delegation when every server without it is one only the parent zone
/// names (its NS set or glue: the fix is at the registrar), a stale
/// secondary when the others answered without it, else what went wrong
/// with the others (a dead server is not a stale one).
pub fn partial_presence(lookup: &Lookup, seen: &[Seen]) -> (String, Code) {
    let without: Vec<&Observation> = lookup
        .observations
        .iter()
        .zip(seen)
        .filter(|(_, s)| **s != Seen::Match)
        .map(|(o, _)| o)
        .collect();
    if !without.is_empty()
        && without
            .iter()
            .all(|o| matches!(o.server.origin, Origin::ParentOnly | Origin::Glue))
    {
        let named: Vec<String> = without.iter().map(|o| server_label(o)).collect();
        return (
            format!(
                "the parent zone's delegation (NS records or glue at the registry) still sends resolvers to {}, which does not serve the record; the CA's resolver may be sent there: update the delegation at the registrar (remove the old nameserver, or correct its glue address)",
                named.join(", ")
            ),
            Code::DelegationStale,
        );
    }
    let missing = seen.iter().any(|s| {
        matches!(
            s,
            Seen::Wrong(_) | Seen::NxDomain(_) | Seen::Dangling { .. } | Seen::NoData(_)
        )
    });
    let kinds = troubles(lookup, seen);
    if missing || kinds.is_empty() {
        (STALE_SECONDARY_HINT.to_owned(), Code::ServerStale)
    } else {
        let worst = worst_trouble(kinds);
        (worst.hint().to_owned(), worst.code())
    }
}

/// The server failures (SERVFAIL, REFUSED, timeouts, no servers, broken
/// alias chains) across an ADN walk's lookups, as a result's detail, hint
/// and code; `None` when there are none.
pub fn server_failures(lookups: &[Lookup], seen: &[Vec<Seen>]) -> Option<(String, String, Code)> {
    use super::findings::LookupFailure;
    let mut failures: Vec<String> = Vec::new();
    // Names whose servers could not be found for the same reason share
    // one sentence: (what, names).
    let mut unreached: Vec<(String, &LookupFailure, Vec<String>)> = Vec::new();
    let mut kinds = Vec::new();
    for (l, s) in lookups.iter().zip(seen) {
        if let Some(e) = &l.error {
            let what = e.of_the_name(&l.name, false);
            match unreached.iter_mut().find(|(w, _, _)| *w == what) {
                Some((_, _, names)) => names.push(format!("{}.", l.name)),
                None => unreached.push((what, e, vec![format!("{}.", l.name)])),
            }
            kinds.push(e.trouble());
        }
        let server_troubles = troubles(l, s);
        if !server_troubles.is_empty() {
            failures.push(format!("{}.: {}", l.name, differing(l, s)));
            kinds.extend(server_troubles);
        }
    }
    for (what, e, names) in unreached.into_iter().rev() {
        let what = if names.len() > 1 {
            e.of_the_name(&names[0], true)
        } else {
            what
        };
        failures.insert(0, format!("{}: {what}", names.join(" and ")));
    }
    (!failures.is_empty()).then(|| {
        let worst = worst_trouble(kinds);
        (
            format!("could not check: {}", failures.join("; ")),
            worst.hint().to_owned(),
            worst.code(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolver::{Answer, Data, Rcode, Record, Server};

    fn observation(rcode: Rcode, answers: Vec<Record>) -> Observation {
        Observation {
            server: Server {
                name: "resolver".into(),
                addr: "127.0.0.1:53".parse().unwrap(),
                origin: Origin::Resolver,
            },
            zone: None,
            result: Ok(Answer {
                rcode,
                authoritative: false,
                answers,
                authority: vec![],
                additional: vec![],
                signed: None,
            }),
        }
    }

    #[test]
    fn a_record_missing_only_where_the_parent_alone_sends_resolvers_is_a_stale_delegation() {
        let found = Record {
            owner: "_x.example.com".into(),
            ttl: 300,
            data: Data::Txt("v".into()),
        };
        let mut good = observation(Rcode::NoError, vec![found]);
        good.server.origin = Origin::Zone;
        let mut stale = observation(Rcode::NxDomain, vec![]);
        stale.server = Server {
            name: "ns1.example.com".into(),
            addr: "192.0.2.9:53".parse().unwrap(),
            origin: Origin::Glue,
        };
        let lookup = Lookup {
            name: "_x.example.com".into(),
            rtype: crate::resolver::RType::Txt,
            observations: vec![good, stale],
            error: None,
        };
        let seen = [Seen::Match, Seen::NxDomain(None)];
        let (hint, code) = partial_presence(&lookup, &seen);
        assert_eq!(code, Code::DelegationStale);
        assert!(
            hint.contains("192.0.2.9:53, address only in the parent zone's glue"),
            "{hint}"
        );
        assert!(hint.contains("registrar"), "{hint}");
        // A server of the zone's own set without it: a stale secondary.
        let mut own = lookup.clone();
        own.observations[1].server.origin = Origin::Zone;
        assert_eq!(partial_presence(&own, &seen).1, Code::ServerStale);
    }

    #[test]
    fn the_ladder_takes_the_first_rung_that_holds() {
        let lookup = |n: usize| Lookup {
            name: format!("c{n}.test"),
            rtype: crate::resolver::RType::Txt,
            observations: (0..2)
                .map(|_| observation(Rcode::NoError, vec![]))
                .collect(),
            error: None,
        };
        let lookups = [lookup(0), lookup(1)];
        let wrong = Seen::Wrong("x".into());
        let none = Seen::NoData(None);
        // A pass at the second candidate beats a stale server at the first.
        let seen = [
            vec![Seen::Match, none.clone()],
            vec![Seen::Match, Seen::Match],
        ];
        assert_eq!(climb(&lookups, &seen), Rung::Pass(1));
        let seen = [
            vec![wrong.clone(), none.clone()],
            vec![Seen::Match, none.clone()],
        ];
        assert_eq!(climb(&lookups, &seen), Rung::SomeServers(1));
        let seen = [
            vec![none.clone(), none.clone()],
            vec![wrong.clone(), none.clone()],
        ];
        assert_eq!(climb(&lookups, &seen), Rung::Wrong(1));
        let seen = [
            vec![none.clone(), none.clone()],
            vec![none.clone(), none.clone()],
        ];
        assert_eq!(climb(&lookups, &seen), Rung::Missing);
        let failed = Seen::Failed(super::super::findings::ServerFailure::Rcode(
            Rcode::ServFail,
        ));
        let seen = [vec![none.clone(), failed], vec![none.clone(), none]];
        assert_eq!(climb(&lookups, &seen), Rung::ServerFailures);
    }
}
