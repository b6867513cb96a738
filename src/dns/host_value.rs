//! The portal-value record checks of the random-value methods: `--cname
//! HOST=TARGET` (the CNAME at HOST points to TARGET) and `--txt HOST=VALUE`
//! (a TXT record at HOST, or behind its aliases, contains VALUE).

use super::diagnose::{self, Diagnosis};
use super::ladder::{Rung, Walk};
use super::observe::{
    Picker, Seen, classify, cname_picker, lookup_security, mark_broken, resolutions_security,
    servers_line, txt_picker,
};
pub use crate::names::HostValue;
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult};
use crate::resolver::{Engine, Lookup, Mode, Resolution};
use crate::resolver::{RType, normalize};

/// `--cname HOST=TARGET`.
pub async fn generic_cname(engine: &Engine, hv: &HostValue) -> CheckResult {
    let mode = engine.config().mode;
    let host = normalize(&hv.host);
    let l = engine.lookup(&host, RType::Cname).await;
    let picker = cname_picker(hv.value.clone());
    let pass = format!("{host}. CNAME {}.", normalize(&hv.value));
    let mut result = generic_result(
        mode,
        &l,
        None,
        &host,
        CheckKind::Cname,
        &picker,
        pass,
        |found| diagnose::generic_cname(&hv.value, found),
    );
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
    let resolution = engine.resolve(&host, RType::Txt).await;
    let l = resolution.last().clone();
    let value = hv.value.clone();
    let picker = txt_picker(move |txts| txts.iter().any(|t| t.contains(value.as_str())));
    let pass = format!("{}. TXT contains {:?}", l.name, hv.value);
    let chain = Some(&resolution);
    let mut result = generic_result(
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
    // The value at an owner people mix HOST up with (near_miss.rs).
    if result.code == Some(Code::RecordMissing)
        && let Some(m) = super::near_miss::txt_near_miss(engine, &host, &hv.value).await
    {
        let d = diagnose::txt_near_miss(&host, &hv.value, &m);
        (result.detail, result.hint) = (d.reason, Some(d.hint));
        result.code = Some(Code::RecordNearMiss);
    }
    result.with_dnssec(resolutions_security(engine, std::slice::from_ref(&resolution)).await)
}
