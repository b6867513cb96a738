//! The generic record checks of the random-value methods: `--cname
//! HOST=TARGET` (the CNAME at HOST points to TARGET) and `--txt HOST=VALUE`
//! (a TXT record at HOST, or behind its alias, contains VALUE).

use super::diagnose::{self, Diagnosis};
use super::findings::worst_trouble;
use super::observe::{
    Found, Picker, Seen, attempts, classify, cname_picker, differing, holds, lookup_security,
    lookups_security, partial_presence, servers_line, troubles,
};
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult, Status};
use crate::resolver::{Answer, Data, RType, chain, normalize};
use crate::resolver::{Engine, Lookup, Mode};

/// A `HOST=VALUE` pair from the command line (`--cname`, `--txt`): the
/// record's owner and what it must point to or contain. The host is an
/// A-label name (U-labels are converted when parsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostValue {
    pub host: String,
    pub value: String,
}

impl std::str::FromStr for HostValue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('=') {
            Some((host, value)) if !host.is_empty() && !value.is_empty() => Ok(HostValue {
                host: crate::names::host_to_ascii(host)?,
                value: value.to_owned(),
            }),
            _ => Err(format!("{s:?} is not HOST=VALUE")),
        }
    }
}

/// `--cname HOST=TARGET`.
pub async fn generic_cname(engine: &Engine, hv: &HostValue) -> CheckResult {
    let mode = engine.config().mode;
    let host = normalize(&hv.host);
    let l = engine.lookup(&host, RType::Cname).await;
    let picker = cname_picker(hv.value.clone());
    let pass = format!("{host}. CNAME {}.", normalize(&hv.value));
    let mut result = generic_result(mode, &l, &host, CheckKind::Cname, &picker, pass, |found| {
        diagnose::generic_cname(&hv.value, found)
    });
    // Addresses in the CNAME's place: an ALIAS or flattening (near_miss.rs).
    if result.code == Some(Code::RecordMissing)
        && let Some(f) = super::near_miss::flattened(engine, &host, &normalize(&hv.value)).await
    {
        let d = diagnose::flattened(&host, &normalize(&hv.value), &f);
        (result.detail, result.hint) = (d.reason, Some(d.hint));
        result.code = Some(Code::CnameFlattened);
    }
    result.with_dnssec(lookup_security(engine, &l).await)
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
        .map(|o| classify(mode, o, &l.name, picker))
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
    let (detail, hint, code) = generic_failure(l, &seen, host, l.rtype, wrong);
    CheckResult::new(host, kind, Status::Fail, detail)
        .with_hint(hint)
        .with_code(code)
        .with_attempts(at)
}

fn generic_failure(
    l: &Lookup,
    seen: &[Seen],
    host: &str,
    rtype: RType,
    wrong: impl Fn(&str) -> Diagnosis,
) -> (String, String, Code) {
    if let Some(e) = &l.error {
        let trouble = e.trouble();
        return (
            format!("could not check {host}.: {e}"),
            trouble.hint().to_owned(),
            trouble.code(),
        );
    }
    if seen.contains(&Seen::Match) {
        let (hint, code) = partial_presence(l, seen);
        return (
            format!(
                "{host}. has the expected {rtype} on some servers only: {}",
                differing(l, seen)
            ),
            hint,
            code,
        );
    }
    if let Some(Seen::Wrong(found)) = seen.iter().find(|s| matches!(s, Seen::Wrong(_))) {
        let d = wrong(found);
        let code = match rtype {
            RType::Cname => Code::WrongTarget,
            _ => Code::WrongValue,
        };
        return (format!("{host}.: {}", d.reason), d.hint, code);
    }
    let kinds = troubles(l, seen);
    if !kinds.is_empty() {
        let worst = worst_trouble(kinds);
        return (
            format!("could not check {host}.: {}", differing(l, seen)),
            worst.hint().to_owned(),
            worst.code(),
        );
    }
    let mut kind = if seen.iter().all(|s| s.is_nxdomain()) {
        "NXDOMAIN".to_owned()
    } else {
        "NODATA".to_owned()
    };
    // The lookup followed an alias: the negative answer is the target's.
    let target = normalize(&l.name);
    if target != host {
        kind = format!("{host}. is an alias to {target}., which answers {kind}");
        if kind.ends_with("NXDOMAIN") {
            kind.push_str(" (the alias dangles: fix its target or publish the record there)");
        }
    }
    let negative = seen.iter().find_map(|s| s.negative().cloned());
    let mut hint = format!("publish the {rtype} record at {host}.");
    if let Some((z, t)) = negative {
        hint.push_str("; ");
        hint.push_str(&diagnose::negative_caching(&z, t));
    }
    (
        format!("no {rtype} at {host}.: {kind}"),
        hint,
        Code::RecordMissing,
    )
}

/// `--txt HOST=VALUE`: some TXT record's joined strings contain VALUE.
pub async fn txt(engine: &Engine, hv: &HostValue) -> CheckResult {
    let mode = engine.config().mode;
    let host = normalize(&hv.host);
    let relied_on = txt_with_alias(engine, &host).await;
    let l = relied_on[relied_on.len() - 1].clone();
    let value = hv.value.clone();
    let picker = txt_picker(move |txts| txts.iter().any(|t| t.contains(value.as_str())));
    let pass = format!("{}. TXT contains {:?}", l.name, hv.value);
    let mut result = generic_result(mode, &l, &host, CheckKind::Txt, &picker, pass, |found| {
        Diagnosis {
            reason: format!("TXT {found} does not contain {:?}", hv.value),
            hint: format!("put {:?} into the TXT record at {host}.", hv.value),
        }
    });
    // The value at an owner people mix HOST up with (near_miss.rs).
    if result.code == Some(Code::RecordMissing)
        && let Some(m) = super::near_miss::txt_near_miss(engine, &host, &hv.value).await
    {
        let d = diagnose::txt_near_miss(&host, &hv.value, &m);
        (result.detail, result.hint) = (d.reason, Some(d.hint));
        result.code = Some(Code::RecordNearMiss);
    }
    result.with_dnssec(lookups_security(engine, &relied_on).await)
}

/// The TXT lookup of `name` and, when every server answered with an alias,
/// the lookup of its target (last): a check relies on both.
pub(super) async fn txt_with_alias(engine: &Engine, name: &str) -> Vec<Lookup> {
    let first = engine.lookup(name, RType::Txt).await;
    let followed = follow_txt_alias(engine, first.clone()).await;
    if first.name == followed.name {
        vec![followed]
    } else {
        vec![first, followed]
    }
}

/// Follows the alias at a TXT lookup's name when every server agrees on
/// it: an authoritative server answers a CNAME out of its zone without
/// the TXT behind it (bounded, like a resolver).
pub(super) async fn follow_txt_alias(engine: &Engine, mut l: Lookup) -> Lookup {
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
                l = engine.lookup(&t, RType::Txt).await;
            }
            _ => break,
        }
    }
    l
}

/// A picker for the TXT checks: the TXT records of the question name (or
/// its alias chain) match when `accepts` takes them, else they are shown.
pub(super) fn txt_picker(
    accepts: impl Fn(&[&String]) -> bool,
) -> impl Fn(&Answer, &str) -> Option<Found> {
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
pub(super) fn txts_of<'a>(a: &'a Answer, qname: &str) -> Vec<&'a String> {
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
pub(super) fn wrong_txts(l: &Lookup, seen: &[Seen]) -> Option<Vec<String>> {
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
pub(super) fn shown_txts(txts: &[&String]) -> String {
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
mod tests {
    use super::*;

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
