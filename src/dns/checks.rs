//! The DNS checks of `check-dns`: the DCV CNAME over every ADN candidate,
//! generic `--cname`/`--txt` values, and CAA, each turned into a
//! [`CheckResult`] with per-server attempts and a diagnosis on failure.

use futures::future::join_all;
use futures::stream::{self, StreamExt};

use super::diagnose::{self, Diagnosis};
use super::engine::{Engine, Lookup, Mode, Observation};
use super::{Answer, Data, RType, Rcode, normalize, parent};
use crate::artifacts::Expectation;
use crate::caa::{self, CaaRecord, Verdict};
use crate::check::{Attempt, CheckKind, CheckResult, Status};
use crate::cli::HostValue;
use crate::names::{DnsName, Rejection};

/// Everything one round checks.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The CSR's expectation: a CNAME check per domain.
    pub expectation: Option<Expectation>,
    /// Names checked for the CNAME (with an expectation) and for CAA.
    pub domains: Vec<DnsName>,
    pub rejected: Vec<Rejection>,
    pub cnames: Vec<HostValue>,
    pub txts: Vec<HostValue>,
    /// The CA's CAA issuer names; empty means no CAA check.
    pub caa_issuers: Vec<String>,
}

/// Names checked at once; with the engine's 64 questions in flight this
/// keeps every wave full for a 120-name CSR.
const NAMES_IN_FLIGHT: usize = 256;

/// Runs every check of the request concurrently, results in a stable order.
pub async fn run(engine: &Engine, req: &Request) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> =
        req.rejected.iter().map(CheckResult::invalid_name).collect();
    // A bounded window of names in progress, in order: the questions they
    // share are still asked once (the engine dedups), but memory holds the
    // state of a few hundred checks, not of every name of a huge CSR.
    let cnames = stream::iter(&req.domains)
        .map(|d| async move {
            match &req.expectation {
                Some(exp) => Some(dcv_cname(engine, exp, d).await),
                None => None,
            }
        })
        .buffered(NAMES_IN_FLIGHT)
        .collect::<Vec<_>>();
    let caas = stream::iter(&req.domains)
        .map(|d| async move {
            if req.caa_issuers.is_empty() {
                None
            } else {
                Some(caa_check(engine, d, &req.caa_issuers).await)
            }
        })
        .buffered(NAMES_IN_FLIGHT)
        .collect::<Vec<_>>();
    let generic_c = join_all(req.cnames.iter().map(|hv| generic_cname(engine, hv)));
    let generic_t = join_all(req.txts.iter().map(|hv| txt(engine, hv)));
    let (cnames, caas, gc, gt) = futures::join!(cnames, caas, generic_c, generic_t);
    for (c, a) in cnames.into_iter().zip(caas) {
        results.extend(c);
        results.extend(a);
    }
    results.extend(gc);
    results.extend(gt);
    results
}

/// Where a zone search for an arbitrary host starts: its registrable domain
/// when one can be derived (labels with `_` are skipped), else the host.
pub fn zone_hint(host: &str) -> String {
    let mut rest = normalize(host);
    loop {
        if let Ok(name) = DnsName::from_user(&rest) {
            return name.registrable_domain().to_owned();
        }
        match parent(&rest) {
            Some(p) => rest = p.to_owned(),
            None => return normalize(host),
        }
    }
}

/// What one server said, reduced for a CNAME or TXT check.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Match,
    /// A CNAME with another target (or TXT without the value).
    Wrong(String),
    NxDomain(Option<(String, u32)>),
    NoData(Option<(String, u32)>),
    Lame,
    Failed(String),
}

impl Seen {
    fn outcome(&self) -> String {
        match self {
            Seen::Match => "pass".into(),
            Seen::Wrong(v) => format!("found {v}"),
            Seen::NxDomain(n) => format!("NXDOMAIN{}", neg(n)),
            Seen::NoData(n) => format!("NODATA (the name exists, without this type){}", neg(n)),
            Seen::Lame => "not authoritative (lame delegation?)".into(),
            Seen::Failed(e) => e.clone(),
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
type Found = Result<(), String>;
type Picker = dyn Fn(&Answer, &str) -> Option<Found>;

fn classify(mode: Mode, obs: &Observation, qname: &str, pick: &Picker) -> Seen {
    let a = match &obs.result {
        Ok(a) => a,
        Err(e) => return Seen::Failed(e.to_string()),
    };
    match a.rcode {
        Rcode::NoError | Rcode::NxDomain => {}
        other => return Seen::Failed(other.to_string()),
    }
    if let Some(found) = pick(a, &normalize(qname)) {
        return match found {
            Ok(()) => Seen::Match,
            Err(v) => Seen::Wrong(v),
        };
    }
    if mode == Mode::Authoritative && !a.authoritative {
        return Seen::Lame;
    }
    if a.rcode == Rcode::NxDomain {
        Seen::NxDomain(a.negative_ttl())
    } else {
        Seen::NoData(a.negative_ttl())
    }
}

fn server_label(o: &Observation) -> String {
    format!("{} ({})", o.server.name, o.server.addr)
}

fn attempts(lookup: &Lookup, seen: &[Seen]) -> Vec<Attempt> {
    let query = format!("{}. {}", lookup.name, lookup.rtype);
    let mut out: Vec<Attempt> = lookup
        .observations
        .iter()
        .zip(seen)
        .map(|(o, s)| Attempt {
            query: Some(query.clone()),
            server: Some(o.server.name.clone()),
            address: o.server.addr.to_string(),
            outcome: s.outcome(),
            ..Attempt::default()
        })
        .collect();
    if let Some(e) = &lookup.error {
        out.push(Attempt {
            query: Some(query),
            address: "-".into(),
            outcome: e.clone(),
            ..Attempt::default()
        });
    }
    out
}

/// Every server agrees the record is there.
fn holds(lookup: &Lookup, seen: &[Seen]) -> bool {
    lookup.error.is_none() && !seen.is_empty() && seen.iter().all(|s| *s == Seen::Match)
}

fn servers_line(lookup: &Lookup) -> String {
    let names: Vec<String> = lookup.observations.iter().map(server_label).collect();
    format!(
        "{} server{}: {}",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    )
}

fn cname_picker(expected: String) -> impl Fn(&Answer, &str) -> Option<Found> {
    move |a: &Answer, qname: &str| {
        // The CNAME owned by the question name; a resolver may add the
        // rest of the chain after it.
        let cnames = || {
            a.answers.iter().filter_map(|r| match &r.data {
                Data::Cname(t) => Some((r.owner.as_str(), t)),
                _ => None,
            })
        };
        let found = cnames()
            .find(|(owner, _)| *owner == qname)
            .or_else(|| cnames().next());
        found.map(|(_, t)| {
            if normalize(t) == normalize(&expected) {
                Ok(())
            } else {
                Err(t.clone())
            }
        })
    }
}

/// Servers that differ from the rest, named with what they returned.
fn differing(lookup: &Lookup, seen: &[Seen]) -> String {
    lookup
        .observations
        .iter()
        .zip(seen)
        .filter(|(_, s)| **s != Seen::Match)
        .map(|(o, s)| format!("{} returned {}", server_label(o), s.outcome()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn failure_words(seen: &[Seen]) -> Option<String> {
    let mut kinds: Vec<String> = Vec::new();
    for s in seen {
        let k = match s {
            Seen::Failed(e) => e.clone(),
            Seen::Lame => s.outcome(),
            _ => continue,
        };
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    (!kinds.is_empty()).then(|| kinds.join(", "))
}

fn failure_hint(words: &str) -> String {
    if words.contains("SERVFAIL") {
        "SERVFAIL: the server could not answer for the zone (broken DNSSEC, an unloaded zone, or a lame delegation); the CA will fail the same way".into()
    } else if words.contains("REFUSED") {
        "REFUSED: the server does not serve this zone (a nameserver listed in the delegation that is not configured for it)".into()
    } else if words.contains("timed out") {
        "a server did not answer in time (firewall, down, or unreachable over this address family); the CA asks it too".into()
    } else if words.contains("no zone found") {
        "the resolvers know no zone for this name: check that the domain is registered and delegated (NS records at the registry), or give --resolver a resolver that can see it".into()
    } else if words.contains("connection refused") {
        "nothing answers DNS at that address: check the --resolver address and port, or the nameserver's listening addresses".into()
    } else {
        "a server could not be asked: check its address and that it answers DNS over UDP and TCP"
            .into()
    }
}

/// The CSR's CNAME for one name, over every ADN candidate.
async fn dcv_cname(engine: &Engine, exp: &Expectation, domain: &DnsName) -> CheckResult {
    let mode = engine.config().mode;
    let hint = domain.registrable_domain().to_owned();
    let target = exp.cname_target();
    let candidates: Vec<String> = domain
        .adn_candidates()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let qnames: Vec<String> = candidates
        .iter()
        .map(|a| exp.cname_name(a).trim_end_matches('.').to_owned())
        .collect();
    let lookups = join_all(qnames.iter().map(|q| engine.lookup(q, RType::Cname, &hint))).await;
    let picker = cname_picker(target.clone());
    let seen: Vec<Vec<Seen>> = lookups
        .iter()
        .map(|l| {
            l.observations
                .iter()
                .map(|o| classify(mode, o, &l.name, &picker))
                .collect()
        })
        .collect();
    let all_attempts: Vec<Attempt> = lookups
        .iter()
        .zip(&seen)
        .flat_map(|(l, s)| attempts(l, s))
        .collect();
    let d = domain.to_string();

    if let Some(i) = (0..lookups.len()).find(|&i| holds(&lookups[i], &seen[i])) {
        return CheckResult::new(
            &d,
            CheckKind::Cname,
            Status::Pass,
            format!(
                "{}. CNAME {target} on {}",
                lookups[i].name,
                servers_line(&lookups[i])
            ),
        )
        .with_adn(&candidates[i])
        .with_attempts(attempts(&lookups[i], &seen[i]));
    }
    let fail = |detail: String, hint: String| {
        CheckResult::new(&d, CheckKind::Cname, Status::Fail, detail)
            .with_hint(hint)
            .with_attempts(all_attempts.clone())
    };
    // 1. Present on some servers only: a stale nameserver.
    for (i, l) in lookups.iter().enumerate() {
        if seen[i].contains(&Seen::Match) {
            let n_ok = seen[i].iter().filter(|s| **s == Seen::Match).count();
            return fail(
                format!(
                    "{}. CNAME {target} is on {n_ok} of {} servers; {}",
                    l.name,
                    seen[i].len(),
                    differing(l, &seen[i])
                ),
                "a nameserver does not serve the current zone (stale secondary: check zone transfers and the SOA serial); the CA may ask any of them".into(),
            )
            .with_adn(&candidates[i]);
        }
    }
    // 2. A wrong CNAME somewhere.
    for (i, l) in lookups.iter().enumerate() {
        if let Some(Seen::Wrong(found)) = seen[i].iter().find(|s| matches!(s, Seen::Wrong(_))) {
            let Diagnosis { reason, hint } = diagnose::cname_target(exp, found);
            return fail(format!("{}. is a CNAME to {found}: {reason}", l.name), hint)
                .with_adn(&candidates[i]);
        }
    }
    // 3. Server failures (SERVFAIL, REFUSED, timeouts, no servers).
    let mut failures = Vec::new();
    for (l, s) in lookups.iter().zip(&seen) {
        if let Some(e) = &l.error {
            failures.push(format!("{}.: {e}", l.name));
        }
        if failure_words(s).is_some() {
            failures.push(format!("{}.: {}", l.name, differing(l, s)));
        }
    }
    if !failures.is_empty() {
        let hint = failure_hint(&failures.join(" "));
        return fail(format!("could not check: {}", failures.join("; ")), hint);
    }
    // 4. Nothing there: look for the usual mistakes before saying "missing".
    if let Some((Diagnosis { reason, hint }, adn)) =
        look_for_mistakes(engine, exp, &candidates, &qnames, &hint, &lookups, &seen).await
    {
        return fail(reason, hint).with_adn(adn);
    }
    let parts: Vec<String> = lookups
        .iter()
        .zip(&seen)
        .map(|(l, s)| {
            let kind = if s.iter().all(|x| matches!(x, Seen::NxDomain(_))) {
                "NXDOMAIN"
            } else if s.iter().all(|x| matches!(x, Seen::NoData(_))) {
                "NODATA"
            } else {
                "no CNAME"
            };
            format!("{}. {kind}", l.name)
        })
        .collect();
    let negative = seen.iter().flatten().find_map(|s| match s {
        Seen::NxDomain(Some(n)) | Seen::NoData(Some(n)) => Some(n.clone()),
        _ => None,
    });
    let record = format!(
        "{}. CNAME {target}",
        qnames.last().map(String::as_str).unwrap_or("")
    );
    let mut hint = format!("publish {record}");
    if let Some((zone, ttl)) = &negative {
        hint.push_str("; ");
        hint.push_str(&diagnose::negative_caching(zone, *ttl));
    }
    let mut r = fail(format!("no CNAME at any ADN: {}", parts.join(", ")), hint);
    if negative.is_none() {
        r.detail.push_str(" (no SOA in the negative answers)");
    }
    r
}

/// The follow-up questions asked only when no CNAME was found: a TXT where
/// the CNAME belongs, and the record name with the zone appended twice.
async fn look_for_mistakes(
    engine: &Engine,
    exp: &Expectation,
    candidates: &[String],
    qnames: &[String],
    hint: &str,
    lookups: &[Lookup],
    seen: &[Vec<Seen>],
) -> Option<(Diagnosis, String)> {
    let mode = engine.config().mode;
    // TXT at a name that exists without a CNAME (NODATA).
    let nodata: Vec<usize> = (0..lookups.len())
        .filter(|&i| seen[i].iter().any(|s| matches!(s, Seen::NoData(_))))
        .collect();
    let txts = join_all(
        nodata
            .iter()
            .map(|&i| engine.lookup(&qnames[i], RType::Txt, hint)),
    )
    .await;
    for (&i, l) in nodata.iter().zip(&txts) {
        for o in &l.observations {
            if let Ok(a) = &o.result {
                if let Some(t) = a.answers.iter().find_map(|r| match &r.data {
                    Data::Txt(t) => Some(t.clone()),
                    _ => None,
                }) {
                    return Some((
                        diagnose::txt_instead_of_cname(exp, &qnames[i], &t),
                        candidates[i].clone(),
                    ));
                }
            }
        }
    }
    // The zone appended twice: `_x.example.com.example.com`.
    let mut doubled: Vec<(usize, String, String)> = Vec::new();
    for (i, l) in lookups.iter().enumerate() {
        let mut zones: Vec<String> = l
            .observations
            .iter()
            .filter_map(|o| o.zone.clone())
            .collect();
        for s in &seen[i] {
            if let Seen::NxDomain(Some((z, _))) | Seen::NoData(Some((z, _))) = s {
                zones.push(z.clone());
            }
        }
        zones.push(candidates[i].clone());
        zones.sort();
        zones.dedup();
        for z in zones {
            let name = format!("{}.{z}", qnames[i]);
            if name.len() <= 253 && !doubled.iter().any(|(_, n, _)| *n == name) {
                doubled.push((i, name, z));
            }
        }
    }
    let found = join_all(
        doubled
            .iter()
            .map(|(_, n, _)| engine.lookup(n, RType::Cname, hint)),
    )
    .await;
    let picker = cname_picker(exp.cname_target());
    for ((i, name, zone), l) in doubled.iter().zip(&found) {
        let any = l.observations.iter().any(|o| {
            matches!(
                classify(mode, o, name, &picker),
                Seen::Match | Seen::Wrong(_)
            )
        });
        if any {
            return Some((
                diagnose::zone_appended_twice(name, &qnames[*i], zone),
                candidates[*i].clone(),
            ));
        }
    }
    None
}

/// `--cname HOST=TARGET`.
async fn generic_cname(engine: &Engine, hv: &HostValue) -> CheckResult {
    let mode = engine.config().mode;
    let host = normalize(&hv.host);
    let l = engine.lookup(&host, RType::Cname, &zone_hint(&host)).await;
    let picker = cname_picker(hv.value.clone());
    let pass = format!("{host}. CNAME {}.", normalize(&hv.value));
    generic_result(mode, &l, &host, CheckKind::Cname, &picker, pass, |found| {
        diagnose::generic_cname(&hv.value, found)
    })
}

/// A generic (`--cname`/`--txt`) check's result from its lookup: a pass
/// when every server holds the value, else the failure explained.
fn generic_result(
    mode: Mode,
    l: &Lookup,
    host: &str,
    kind: CheckKind,
    picker: &Picker,
    pass: String,
    wrong: impl Fn(&str) -> Diagnosis,
) -> CheckResult {
    let seen: Vec<Seen> = l
        .observations
        .iter()
        .map(|o| classify(mode, o, host, picker))
        .collect();
    let at = attempts(l, &seen);
    if holds(l, &seen) {
        return CheckResult::new(
            host,
            kind,
            Status::Pass,
            format!("{pass} on {}", servers_line(l)),
        )
        .with_attempts(at);
    }
    let (detail, hint) = generic_failure(l, &seen, host, l.rtype, wrong);
    CheckResult::new(host, kind, Status::Fail, detail)
        .with_hint(hint)
        .with_attempts(at)
}

fn generic_failure(
    l: &Lookup,
    seen: &[Seen],
    host: &str,
    rtype: RType,
    wrong: impl Fn(&str) -> Diagnosis,
) -> (String, String) {
    if let Some(e) = &l.error {
        return (format!("could not check {host}.: {e}"), failure_hint(e));
    }
    if seen.contains(&Seen::Match) {
        return (
            format!("{host}. has the expected {rtype} on some servers only: {}", differing(l, seen)),
            "a nameserver does not serve the current zone (stale secondary: check zone transfers and the SOA serial)".into(),
        );
    }
    if let Some(Seen::Wrong(found)) = seen.iter().find(|s| matches!(s, Seen::Wrong(_))) {
        let d = wrong(found);
        return (format!("{host}.: {}", d.reason), d.hint);
    }
    if let Some(w) = failure_words(seen) {
        return (
            format!("could not check {host}.: {}", differing(l, seen)),
            failure_hint(&w),
        );
    }
    let kind = if seen.iter().all(|s| matches!(s, Seen::NxDomain(_))) {
        "NXDOMAIN"
    } else {
        "NODATA"
    };
    let negative = seen.iter().find_map(|s| match s {
        Seen::NxDomain(Some(n)) | Seen::NoData(Some(n)) => Some(n.clone()),
        _ => None,
    });
    let mut hint = format!("publish the {rtype} record at {host}.");
    if let Some((z, t)) = negative {
        hint.push_str("; ");
        hint.push_str(&diagnose::negative_caching(&z, t));
    }
    (format!("no {rtype} at {host}.: {kind}"), hint)
}

/// `--txt HOST=VALUE`: some TXT record's joined strings contain VALUE.
async fn txt(engine: &Engine, hv: &HostValue) -> CheckResult {
    let mode = engine.config().mode;
    let host = normalize(&hv.host);
    let mut l = engine.lookup(&host, RType::Txt, &zone_hint(&host)).await;
    // An authoritative server answers a CNAME out of its zone without the
    // TXT behind it: follow an alias all servers agree on (bounded).
    for _ in 0..4 {
        let targets: Vec<Option<String>> = l
            .observations
            .iter()
            .map(|o| {
                o.result.as_ref().ok().and_then(|a| {
                    let has_txt = a.answers.iter().any(|r| matches!(r.data, Data::Txt(_)));
                    let cname = a.answers.iter().find_map(|r| match &r.data {
                        Data::Cname(t) if r.owner == normalize(&l.name) => Some(normalize(t)),
                        _ => None,
                    });
                    if has_txt { None } else { cname }
                })
            })
            .collect();
        match targets.first() {
            Some(Some(t)) if targets.iter().all(|x| x.as_deref() == Some(t)) => {
                let t = t.clone();
                l = engine.lookup(&t, RType::Txt, &zone_hint(&t)).await;
            }
            _ => break,
        }
    }
    let value = hv.value.clone();
    let picker = move |a: &Answer, _: &str| {
        let txts: Vec<&String> = a
            .answers
            .iter()
            .filter_map(|r| match &r.data {
                Data::Txt(t) => Some(t),
                _ => None,
            })
            .collect();
        if txts.is_empty() {
            return None;
        }
        if txts.iter().any(|t| t.contains(value.as_str())) {
            Some(Ok(()))
        } else {
            Some(Err(txts
                .iter()
                .map(|t| format!("{t:?}"))
                .collect::<Vec<_>>()
                .join(", ")))
        }
    };
    let pass = format!("{}. TXT contains {:?}", l.name, hv.value);
    generic_result(mode, &l, &host, CheckKind::Txt, &picker, pass, |found| {
        Diagnosis {
            reason: format!("TXT {found} does not contain {:?}", hv.value),
            hint: format!("put {:?} into the TXT record at {host}.", hv.value),
        }
    })
}

/// CAA for one name: the relevant RRset is the first non-empty one walking
/// up from the name (RFC 8659 section 3); the resolvers chase aliases.
async fn caa_check(engine: &Engine, domain: &DnsName, issuers: &[String]) -> CheckResult {
    let d = domain.to_string();
    let mut climb = vec![normalize(domain.base())];
    while let Some(p) = climb.last().and_then(|n| parent(n)) {
        climb.push(p.to_owned());
    }
    let answers = join_all(climb.iter().map(|n| engine.ask_resolvers(n, RType::Caa))).await;
    let issuers: Vec<&str> = issuers.iter().map(String::as_str).collect();
    let floor = domain.registrable_domain();
    let mut notes: Vec<String> = Vec::new();
    for (name, answer) in climb.iter().zip(answers) {
        let failed = match &answer {
            Ok(a) if matches!(a.rcode, Rcode::NoError | Rcode::NxDomain) => None,
            Ok(a) => Some(a.rcode.to_string()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = failed {
            // Above the registrable domain (public suffixes) a failure is
            // almost always an authoritative-only or lab resolver, so it is
            // noted rather than failing the name.
            if name.len() < floor.len() {
                notes.push(format!("CAA at {name}. could not be read ({why}); ignored"));
                continue;
            }
            return CheckResult::new(&d, CheckKind::Caa, Status::Fail, format!("CAA lookup at {name}. failed: {why}"))
                .with_hint("a CA treats a failed CAA lookup as a refusal (RFC 8659 section 3); fix the zone's servers");
        }
        let Ok(a) = answer else { continue };
        let set: Vec<CaaRecord> = a
            .answers
            .iter()
            .filter_map(|r| match &r.data {
                Data::Caa { flags, tag, value } => Some(CaaRecord {
                    flags: *flags,
                    tag: tag.clone(),
                    value: value.clone(),
                }),
                _ => None,
            })
            .collect();
        if set.is_empty() {
            continue;
        }
        let kind = if domain.is_wildcard() {
            "wildcard "
        } else {
            ""
        };
        return match caa::evaluate(&set, domain.is_wildcard(), &issuers) {
            Verdict::Authorized { tag, issuer, notes } => {
                let mut detail = format!("CAA at {name}. authorizes {issuer} ({tag})");
                if !notes.is_empty() {
                    detail.push_str(&format!("; {}", notes.join("; ")));
                }
                CheckResult::new(&d, CheckKind::Caa, Status::Pass, detail).with_adn(name)
            }
            Verdict::NotGoverned { tag } => CheckResult::new(
                &d,
                CheckKind::Caa,
                Status::Pass,
                format!("CAA at {name}. has no {tag} property for a {kind}name: any CA may issue"),
            )
            .with_adn(name),
            Verdict::Unrestricted => unreachable_unrestricted(&d),
            Verdict::Forbidden { reason } => CheckResult::new(
                &d,
                CheckKind::Caa,
                Status::Fail,
                format!(
                    "CAA at {name}. forbids issuance by {}: {reason}",
                    issuers.join("/")
                ),
            )
            .with_adn(name)
            .with_hint(format!(
                "add {name}. CAA 0 {} \"{}\"",
                if domain.is_wildcard() {
                    "issuewild"
                } else {
                    "issue"
                },
                issuers.first().copied().unwrap_or("")
            )),
        };
    }
    let mut r = unreachable_unrestricted(&d);
    if !notes.is_empty() {
        r.detail.push_str(&format!(" ({})", notes.join("; ")));
    }
    r
}

fn unreachable_unrestricted(d: &str) -> CheckResult {
    CheckResult::new(
        d,
        CheckKind::Caa,
        Status::Pass,
        "no CAA records up the tree: any CA may issue",
    )
}
