//! The DCV CNAME check (BR 3.2.2.4.7) for one name: the record name at
//! every ADN candidate asked of every server, the first candidate where all
//! servers agree passes, and otherwise the most useful explanation: a stale
//! server, a wrong target, server failures, the usual publishing mistakes,
//! or a plain miss with its negative-caching TTL.

use futures::future::join_all;

use super::diagnose::{self, Diagnosis};
use super::ladder::{Rung, Walk};
use super::observe::{
    Seen, classify, classify_walk, cname_picker, cname_step_target, first_negative,
    lookups_security, relied_on, servers_line,
};
use crate::artifacts::Expectation;
use crate::names::DnsName;
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult};
use crate::resolver::{Data, RType};
use crate::resolver::{Engine, Lookup};

/// The CSR's CNAME for one name, over every ADN candidate, with the DNSSEC
/// verdict on the answers it relies on (the ADN's answers for a pass,
/// every candidate's for a failure).
pub async fn dcv_cname(engine: &Engine, exp: &Expectation, domain: &DnsName) -> CheckResult {
    let candidates: Vec<String> = domain
        .adn_candidates()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let qnames: Vec<String> = candidates
        .iter()
        .map(|a| exp.cname_name(a).trim_end_matches('.').to_owned())
        .collect();
    let lookups = join_all(qnames.iter().map(|q| engine.lookup(q, RType::Cname))).await;
    let result = cname_result(engine, exp, domain, &candidates, &qnames, &lookups).await;
    let security = lookups_security(engine, relied_on(&result, &candidates, &lookups)).await;
    result.with_dnssec(security)
}

async fn cname_result(
    engine: &Engine,
    exp: &Expectation,
    domain: &DnsName,
    candidates: &[String],
    qnames: &[String],
    lookups: &[Lookup],
) -> CheckResult {
    let mode = engine.config().mode;
    let target = exp.cname_target();
    let picker = cname_picker(target.clone());
    let seen = classify_walk(mode, lookups, &picker);
    let d = domain.to_string();
    let walk = Walk {
        domain: &d,
        kind: CheckKind::Cname,
        candidates,
        lookups,
        seen: &seen,
    };
    let rung = walk.rung();
    if let Some(failed) = walk.shared(rung, &format!("CNAME {target}")) {
        return failed;
    }
    let fail = |detail: String, hint: String, code: Code| walk.fail(detail, hint, code);
    match rung {
        Rung::Pass(i) => {
            return walk.pass(
                i,
                format!(
                    "{}. CNAME {target} on {}",
                    lookups[i].name,
                    servers_line(&lookups[i])
                ),
            );
        }
        Rung::Wrong(i) => {
            if let Some(Seen::Wrong(found)) = seen[i].iter().find(|s| matches!(s, Seen::Wrong(_))) {
                let Diagnosis { reason, hint } = diagnose::cname_target(exp, found);
                return fail(
                    format!("{}. is a CNAME to {found}: {reason}", lookups[i].name),
                    hint,
                    Code::WrongTarget,
                )
                .with_adn(&candidates[i]);
            }
        }
        _ => {}
    }
    // 4. Nothing there: look for the usual mistakes before saying "missing".
    if let Some((Diagnosis { reason, hint }, adn, code)) =
        look_for_mistakes(engine, exp, candidates, qnames, lookups, &seen).await
    {
        return fail(reason, hint, code).with_adn(adn);
    }
    // 5. A record published almost right (near_miss.rs asks, diagnose words).
    if let Some((miss, adn)) = super::near_miss::cname_near_miss(engine, exp, candidates).await {
        let want = exp.cname_name(&adn);
        let Diagnosis { reason, hint } =
            diagnose::near_miss(exp, &miss, want.trim_end_matches('.'));
        return fail(reason, hint, Code::RecordNearMiss).with_adn(&adn);
    }
    let parts: Vec<String> = lookups
        .iter()
        .zip(&seen)
        .map(|(l, s)| {
            let kind = if s.iter().all(|x| x.is_nxdomain()) {
                "NXDOMAIN"
            } else if s.iter().all(|x| matches!(x, Seen::NoData(_))) {
                "NODATA"
            } else {
                "no CNAME"
            };
            format!("{}. {kind}", l.name)
        })
        .collect();
    let negative = first_negative(&seen);
    let record = format!(
        "{}. CNAME {target}",
        qnames.last().map(String::as_str).unwrap_or("")
    );
    let mut hint = format!("publish {record}");
    if let Some((zone, ttl)) = &negative {
        hint.push_str("; ");
        hint.push_str(&diagnose::negative_caching(zone, *ttl));
    }
    let mut r = fail(
        format!("no CNAME at any ADN: {}", parts.join(", ")),
        hint,
        Code::RecordMissing,
    );
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
    lookups: &[Lookup],
    seen: &[Vec<Seen>],
) -> Option<(Diagnosis, String, Code)> {
    let mode = engine.config().mode;
    // TXT at a name that exists without a CNAME (NODATA).
    let nodata: Vec<usize> = (0..lookups.len())
        .filter(|&i| seen[i].iter().any(|s| matches!(s, Seen::NoData(_))))
        .collect();
    let txts = join_all(
        nodata
            .iter()
            .map(|&i| engine.lookup(&qnames[i], RType::Txt)),
    )
    .await;
    for (&i, l) in nodata.iter().zip(&txts) {
        for o in &l.observations {
            if let Ok(a) = &o.result
                && let Some(t) = a.answers.iter().find_map(|r| match &r.data {
                    Data::Txt(t) => Some(t.clone()),
                    _ => None,
                })
            {
                return Some((
                    diagnose::txt_instead_of_cname(exp, &qnames[i], &t),
                    candidates[i].clone(),
                    Code::TxtInsteadOfCname,
                ));
            }
        }
    }
    // Published under the FQDN's CNAME target: BR 3.2.2.4.7's CNAME step,
    // which a CA may or may not take.
    if let Some(target) = cname_step_target(engine, &candidates[0]).await {
        let q = exp.cname_name(&target).trim_end_matches('.').to_owned();
        let l = engine.lookup(&q, RType::Cname).await;
        if !l.observations.is_empty()
            && l.observations
                .iter()
                .all(|o| classify(mode, o, &q, &cname_picker(exp.cname_target())) == Seen::Match)
        {
            let record = format!("{}. CNAME {}", qnames[0], exp.cname_target());
            return Some((
                diagnose::cname_step_only(&q, &target, &candidates[0], &record),
                candidates[0].clone(),
                Code::AdnCnameStepOnly,
            ));
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
            .map(|(_, n, _)| engine.lookup(n, RType::Cname)),
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
                Code::ZoneAppendedTwice,
            ));
        }
    }
    None
}
