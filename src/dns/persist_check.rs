//! The persistent TXT check (BR 3.2.2.4.22) for one name:
//! `_validation-persist.<ADN>` TXT at every ADN candidate (the FQDN first,
//! up to the registrable domain), aliases followed, asked of every server;
//! the name passes at the first candidate where every server holds a
//! record the pure [`crate::persistent_txt`] judge accepts. Otherwise: a stale
//! server, the closest wrong record explained, server failures, or a miss
//! with its negative-caching TTL.

use futures::future::join_all;

use super::diagnose;
use super::ladder::{Rung, Walk};
use super::observe::{
    classify_resolutions, first_negative, misses, relied_on, resolutions_security, servers_line,
};
use super::observe::{txt_picker, txts_of, wrong_txts};
use crate::names::DnsName;
use crate::persistent_txt::{self as persist, PersistExpect};
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult};
use crate::resolver::{Engine, Lookup, RType, Resolution};

/// The persistent record for one name, over every ADN candidate; `now` in
/// unix seconds decides whether a `persistUntil` has passed.
pub async fn persist_check(
    engine: &Engine,
    expect: &PersistExpect,
    domain: &DnsName,
    now: i64,
) -> CheckResult {
    let candidates: Vec<String> = domain
        .adn_candidates()
        .into_iter()
        .map(str::to_owned)
        .collect();
    // Per candidate: its TXT lookup and, when it is an alias, the target's
    // (last); the alias is relied on as much as the TXT behind it.
    let walks: Vec<Resolution> = join_all(candidates.iter().map(|adn| {
        let q = format!("{}.{adn}", persist::LABEL);
        async move { engine.resolve(&q, RType::Txt).await }
    }))
    .await;
    let result = persist_result(engine, expect, domain, now, &candidates, &walks);
    let relied = relied_on(&result, &candidates, &walks);
    result.with_dnssec(resolutions_security(engine, relied).await)
}

fn persist_result(
    engine: &Engine,
    expect: &PersistExpect,
    domain: &DnsName,
    now: i64,
    candidates: &[String],
    walks: &[Resolution],
) -> CheckResult {
    let mode = engine.config().mode;
    let wildcard = domain.is_wildcard();
    let judged = expect.clone();
    let picker = txt_picker(move |txts| {
        let strs: Vec<&str> = txts.iter().map(|t| t.as_str()).collect();
        persist::judge(&strs, &judged, wildcard, now).is_ok()
    });
    let seen = classify_resolutions(mode, walks, &picker);
    let lookups: &[Lookup] = &walks.iter().map(|w| w.last().clone()).collect::<Vec<_>>();
    let d = domain.to_string();
    // The record the CA wants; missing, it goes at the name's base (`dcv persist`'s advice).
    let wanted = persist::render(&expect.issuer, &expect.accounturi, wildcard, None);
    let owner = persist::record_name(domain.base());

    let walk = Walk {
        domain: &d,
        kind: CheckKind::Persist,
        candidates,
        lookups,
        seen: &seen,
    };
    let rung = walk.rung();
    if let Some(failed) = walk.shared(rung, "the expected TXT") {
        return failed;
    }
    match rung {
        Rung::Pass(i) => {
            let mut detail = format!(
                "{}. TXT authorizes {} for {} on {}",
                lookups[i].name,
                expect.issuer,
                expect.accounturi,
                servers_line(&lookups[i])
            );
            let caveat = wildcard_caveat(&lookups[i], &candidates[i], expect, wildcard, now);
            if let Some((warning, _)) = &caveat {
                detail.push_str(warning);
            }
            let result = walk.pass(i, detail);
            match caveat {
                Some((_, hint)) => result.with_hint(hint),
                None => result,
            }
        }
        // Records that do not satisfy the CA: the closest one explained,
        // and fixed where it is.
        Rung::Wrong(i) => {
            let txts = wrong_txts(&lookups[i], &seen[i]).unwrap_or_default();
            let strs: Vec<&str> = txts.iter().map(String::as_str).collect();
            let here = persist::record_name(&candidates[i]);
            let (reason, hint) = match persist::judge(&strs, expect, wildcard, now) {
                Err(m) => (m.reason(), m.hint(&here, &wanted)),
                // The picker and the judge read the same records alike.
                Ok(_) => (
                    "the TXT records do not satisfy the CA".to_owned(),
                    format!("publish {here} TXT {}", persist::zone_txt(&wanted)),
                ),
            };
            walk.fail(
                format!("{}.: {reason}", lookups[i].name),
                hint,
                Code::WrongValue,
            )
            .with_adn(&candidates[i])
        }
        // No record at any candidate.
        _ => {
            let parts = misses(lookups, &seen);
            let mut hint = format!("publish {owner} TXT {}", persist::zone_txt(&wanted));
            if let Some((zone, ttl)) = first_negative(&seen) {
                hint.push_str("; ");
                hint.push_str(&diagnose::negative_caching(&zone, ttl));
            }
            walk.fail(
                format!("no persistent TXT at any ADN: {}", parts.join(", ")),
                hint,
                Code::RecordMissing,
            )
        }
    }
}

/// A wildcard that passes without `policy=wildcard` where the profile does
/// not require it (the pure judge decides, on the TXT set the passing
/// lookup holds): the warning to append to the detail, and the hint.
fn wildcard_caveat(
    lookup: &Lookup,
    adn: &str,
    expect: &PersistExpect,
    wildcard: bool,
    now: i64,
) -> Option<(String, String)> {
    let held: Vec<String> = lookup
        .observations
        .iter()
        .find_map(|o| o.result.as_ref().ok())
        .map(|a| txts_of(a, &lookup.name).into_iter().cloned().collect())
        .unwrap_or_default();
    let held: Vec<&str> = held.iter().map(String::as_str).collect();
    let caveat = persist::wildcard_caveat(&held, expect, wildcard, now)?;
    let with_policy = persist::render(&expect.issuer, &expect.accounturi, true, None);
    Some((
        format!("; warning: {caveat}"),
        format!(
            "if the CA may be an ACME CA, add policy=wildcard: {} TXT {}",
            persist::record_name(adn),
            persist::zone_txt(&with_policy)
        ),
    ))
}
