//! The generic record checks of the random-value methods: `--cname
//! HOST=TARGET` (the CNAME at HOST points to TARGET) and `--txt HOST=VALUE`
//! (a TXT record at HOST, or behind its alias, contains VALUE).

use super::diagnose::{self, Diagnosis};
use super::ladder::{Rung, Walk};
use super::observe::{
    Found, Picker, Seen, classify, cname_picker, lookup_security, mark_broken, servers_line,
};
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult};
use crate::resolver::{Answer, Data, RType, chain, normalize};
use crate::resolver::{Engine, Lookup, Mode, Resolution};

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
    let result = generic_result(
        mode,
        &l,
        None,
        &host,
        CheckKind::Cname,
        &picker,
        pass,
        |found| diagnose::generic_cname(&hv.value, found),
    );
    result.with_dnssec(lookup_security(engine, &l).await)
}

/// A generic (`--cname`/`--txt`) check's result from its lookup: a pass
/// when every server holds the value, else the failure explained.
#[allow(clippy::too_many_arguments)]
fn generic_result(
    mode: Mode,
    l: &Lookup,
    chain: Option<&Resolution>,
    host: &str,
    kind: CheckKind,
    picker: &Picker,
    pass: String,
    wrong: impl Fn(&str) -> Diagnosis,
) -> CheckResult {
    let mut seen: Vec<Seen> = l
        .observations
        .iter()
        .map(|o| classify(mode, o, &l.name, picker))
        .collect();
    if let Some(r) = chain {
        mark_broken(r, &mut seen);
    }
    let candidates = [host.to_owned()];
    let seen = [seen];
    let walk = Walk {
        domain: host,
        kind,
        candidates: &candidates,
        lookups: std::slice::from_ref(l),
        seen: &seen,
    };
    let rung = walk.rung();
    let what = format!("the expected {}", l.rtype);
    if let Some(failed) = walk.shared(rung, &what) {
        return failed;
    }
    let seen = &seen[0];
    match rung {
        Rung::Pass(i) => walk.pass(i, format!("{pass} on {}", servers_line(l))),
        Rung::Wrong(_) => {
            let found = seen.iter().find_map(|s| match s {
                Seen::Wrong(found) => Some(found.as_str()),
                _ => None,
            });
            let d = wrong(found.unwrap_or_default());
            let code = match l.rtype {
                RType::Cname => Code::WrongTarget,
                _ => Code::WrongValue,
            };
            walk.fail(format!("{host}.: {}", d.reason), d.hint, code)
        }
        _ => {
            let (detail, hint, code) = missing(l, seen, host);
            walk.fail(detail, hint, code)
        }
    }
}

/// Nothing at the host: NXDOMAIN or NODATA, the alias followed named.
fn missing(l: &Lookup, seen: &[Seen], host: &str) -> (String, String, Code) {
    let rtype = l.rtype;
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
    let (resolution, l) = txt_resolution(engine, &host).await;
    let value = hv.value.clone();
    let picker = txt_picker(move |txts| txts.iter().any(|t| t.contains(value.as_str())));
    let pass = format!("{}. TXT contains {:?}", l.name, hv.value);
    let chain = Some(&resolution);
    let result = generic_result(
        mode,
        &l,
        chain,
        &host,
        CheckKind::Txt,
        &picker,
        pass,
        |found| Diagnosis {
            reason: format!("TXT {found} does not contain {:?}", hv.value),
            hint: format!("put {:?} into the TXT record at {host}.", hv.value),
        },
    );
    result.with_dnssec(engine.resolution_security(&resolution).await)
}

/// The TXT resolution of `name` (its aliases followed by the resolver's
/// one resolution function): every link is relied on, the last is judged,
/// and a chain that never ends is every server's failure.
pub(super) async fn txt_resolution(engine: &Engine, name: &str) -> (Resolution, Lookup) {
    let r = engine.resolve(name, RType::Txt).await;
    let last = r.last().clone();
    (r, last)
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
