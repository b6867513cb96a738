//! The persistent TXT check (BR 3.2.2.4.22) for one name:
//! `_validation-persist.<ADN>` TXT at every ADN candidate (the FQDN first,
//! up to the registrable domain), aliases followed, asked of every server;
//! the name passes at the first candidate where every server holds a
//! record the pure [`crate::persist`] judge accepts. Otherwise: a stale
//! server, the closest wrong record explained, server failures, or a miss
//! with its negative-caching TTL.

use futures::future::join_all;

use super::diagnose;
use super::generic::{txt_picker, txt_with_alias, txts_of, wrong_txts};
use super::observe::{
    attempts, classify_walk, first_negative, held_by_some, holds, lookups_security, misses,
    relied_on, server_failures, servers_line, walk_attempts,
};
use crate::names::DnsName;
use crate::persist::{self, PersistExpect};
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult, Status};
use crate::resolver::{Engine, Lookup};

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
    let walks: Vec<Vec<Lookup>> = join_all(candidates.iter().map(|adn| {
        let q = format!("{}.{adn}", persist::LABEL);
        async move { txt_with_alias(engine, &q).await }
    }))
    .await;
    let lookups: Vec<Lookup> = walks.iter().filter_map(|w| w.last().cloned()).collect();
    let result = persist_result(engine, expect, domain, now, &candidates, &lookups);
    let relied: Vec<Lookup> = relied_on(&result, &candidates, &walks)
        .iter()
        .flatten()
        .cloned()
        .collect();
    result.with_dnssec(lookups_security(engine, &relied).await)
}

fn persist_result(
    engine: &Engine,
    expect: &PersistExpect,
    domain: &DnsName,
    now: i64,
    candidates: &[String],
    lookups: &[Lookup],
) -> CheckResult {
    let mode = engine.config().mode;
    let wildcard = domain.is_wildcard();
    let judged = expect.clone();
    let picker = txt_picker(move |txts| {
        let strs: Vec<&str> = txts.iter().map(|t| t.as_str()).collect();
        persist::judge(&strs, &judged, wildcard, now).is_ok()
    });
    let seen = classify_walk(mode, lookups, &picker);
    let d = domain.to_string();
    // The record the CA wants; missing, it goes at the name's base (`dcv persist`'s advice).
    let wanted = persist::render(&expect.issuer, &expect.accounturi, wildcard, None);
    let owner = persist::record_name(domain.base());

    if let Some(i) = (0..lookups.len()).find(|&i| holds(&lookups[i], &seen[i])) {
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
        let result = CheckResult::new(&d, CheckKind::Persist, Status::Pass, detail)
            .with_adn(&candidates[i])
            .with_attempts(attempts(&lookups[i], &seen[i]));
        return match caveat {
            Some((_, hint)) => result.with_hint(hint),
            None => result,
        };
    }
    let all_attempts = walk_attempts(lookups, &seen);
    let fail = |detail: String, hint: String, code: Code| {
        CheckResult::new(&d, CheckKind::Persist, Status::Fail, detail)
            .with_hint(hint)
            .with_code(code)
            .with_attempts(all_attempts.clone())
    };
    // 1. A good record on some servers only: a stale nameserver.
    if let Some((i, detail, hint, code)) = held_by_some(lookups, &seen, "the expected TXT") {
        return fail(detail, hint, code).with_adn(&candidates[i]);
    }
    // 2. Records that do not satisfy the CA: the closest one explained.
    for (i, l) in lookups.iter().enumerate() {
        let Some(txts) = wrong_txts(l, &seen[i]) else {
            continue;
        };
        let strs: Vec<&str> = txts.iter().map(String::as_str).collect();
        if let Err(m) = persist::judge(&strs, expect, wildcard, now) {
            // Fix the record where it is.
            let here = persist::record_name(&candidates[i]);
            return fail(
                format!("{}.: {}", l.name, m.reason()),
                m.hint(&here, &wanted),
                Code::WrongValue,
            )
            .with_adn(&candidates[i]);
        }
    }
    // 3. Server failures (SERVFAIL, REFUSED, timeouts, no servers).
    if let Some((detail, hint, code)) = server_failures(lookups, &seen) {
        return fail(detail, hint, code);
    }
    // 4. No record at any candidate.
    let parts = misses(lookups, &seen);
    let mut hint = format!("publish {owner} TXT {}", persist::zone_txt(&wanted));
    let negative = first_negative(&seen);
    if let Some((zone, ttl)) = &negative {
        hint.push_str("; ");
        hint.push_str(&diagnose::negative_caching(zone, *ttl));
    }
    fail(
        format!("no persistent TXT at any ADN: {}", parts.join(", ")),
        hint,
        Code::RecordMissing,
    )
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
