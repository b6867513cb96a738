//! The random-value DNS TXT check (BR 3.2.2.4.7) for one name, in the form
//! the CA profile gives (Sectigo: `_pki-validation.<ADN> TXT "<value>"`):
//! every ADN candidate from the FQDN up (or the FQDN only), aliases
//! followed, asked of every server; the name passes at the first candidate
//! where every server holds the value. Otherwise the usual mistakes are
//! named: quotes pasted into the value, another order's value, the value at
//! the bare name, the zone appended twice, a CNAME where the TXT belongs.

use futures::future::join_all;

use super::diagnose::{self, Diagnosis};
use super::ladder::{Rung, Walk};
use super::observe::{
    classify_resolutions, cname_step_target, first_negative, misses, relied_on,
    resolutions_security, servers_line,
};
use super::observe::{shown_txts, txt_picker, txts_of, wrong_txts};
use crate::names::DnsName;
use crate::profile::{Match, TxtForm};
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult, Status};
use crate::resolver::RType;
use crate::resolver::{Engine, Lookup, Resolution};

/// Reason codes of this check's failures (SPEC section 7 `code`).
pub const TXT_QUOTED: Code = Code::TxtValueQuoted;
pub const TXT_OTHER_VALUE: Code = Code::TxtOtherValue;
pub const TXT_AT_BARE_NAME: Code = Code::TxtAtBareName;
pub const TXT_ZONE_TWICE: Code = Code::ZoneAppendedTwice;
pub const TXT_CNAME_INSTEAD: Code = Code::CnameInsteadOfTxt;
pub const TXT_MISSING: Code = Code::RecordMissing;

/// Whether one TXT record's text satisfies the form.
pub fn holds_value(form: &TxtForm, value: &str, text: &str) -> bool {
    let want = form.text(value);
    match form.matching {
        Match::Exact => text == want,
        Match::Contains => text.contains(&want),
    }
}

/// The random value's record for one name, with the DNSSEC verdict on the
/// answers it relies on.
pub async fn random_txt_check(
    engine: &Engine,
    form: &TxtForm,
    value: &str,
    domain: &DnsName,
) -> CheckResult {
    let candidates: Vec<String> = if form.walk {
        domain
            .adn_candidates()
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        vec![domain.base().to_owned()]
    };
    let walks: Vec<Resolution> = join_all(candidates.iter().map(|adn| {
        let q = form.owner(adn);
        async move { engine.resolve(&q, RType::Txt).await }
    }))
    .await;
    let lookups: Vec<Lookup> = walks.iter().map(|w| w.last().clone()).collect();
    let mut result = txt_result(engine, form, value, domain, &candidates, &walks);
    if result.status == Status::Fail
        && result.code == Some(TXT_MISSING)
        && let Some((d, code, adn)) =
            look_for_mistakes(engine, form, value, &candidates, &walks, &lookups).await
    {
        result.detail = d.reason;
        result.hint = Some(d.hint);
        result.code = Some(code);
        result.adn = Some(adn);
    }
    let relied = relied_on(&result, &candidates, &walks);
    result.with_dnssec(resolutions_security(engine, relied).await)
}

fn txt_result(
    engine: &Engine,
    form: &TxtForm,
    value: &str,
    domain: &DnsName,
    candidates: &[String],
    walks: &[Resolution],
) -> CheckResult {
    let mode = engine.config().mode;
    let f = form.clone();
    let v = value.to_owned();
    let picker = txt_picker(move |txts| txts.iter().any(|t| holds_value(&f, &v, t)));
    let seen = classify_resolutions(mode, walks, &picker);
    let lookups: &[Lookup] = &walks.iter().map(|w| w.last().clone()).collect::<Vec<_>>();
    let d = domain.to_string();
    let record = |adn: &str| format!("{}. TXT {:?}", form.owner(adn), form.text(value));
    let walk = Walk {
        domain: &d,
        kind: CheckKind::Txt,
        candidates,
        lookups,
        seen: &seen,
    };
    let rung = walk.rung();
    if let Some(failed) = walk.shared(rung, "the random value") {
        return failed;
    }
    match rung {
        Rung::Pass(i) => walk.pass(
            i,
            format!(
                "{}. TXT holds the random value on {}",
                lookups[i].name,
                servers_line(&lookups[i])
            ),
        ),
        // TXT records without the value: the closest one explained.
        Rung::Wrong(i) => {
            let txts = wrong_txts(&lookups[i], &seen[i]).unwrap_or_default();
            let (diag, code) = wrong_value(form, value, &txts, &record(&candidates[i]));
            walk.fail(
                format!("{}.: {}", lookups[i].name, diag.reason),
                diag.hint,
                code,
            )
            .with_adn(&candidates[i])
        }
        // Nothing at any candidate (the caller looks for the usual mistakes).
        _ => {
            let parts = misses(lookups, &seen);
            let mut hint = format!(
                "publish {}",
                record(candidates.last().map(String::as_str).unwrap_or(""))
            );
            if let Some((zone, ttl)) = first_negative(&seen) {
                hint.push_str("; ");
                hint.push_str(&diagnose::negative_caching(&zone, ttl));
            }
            walk.fail(
                format!(
                    "no TXT with the random value at any ADN: {}",
                    parts.join(", ")
                ),
                hint,
                TXT_MISSING,
            )
        }
    }
}

/// A TXT set at the right name that does not hold the value, explained.
fn wrong_value(form: &TxtForm, value: &str, txts: &[String], record: &str) -> (Diagnosis, Code) {
    let want = form.text(value);
    let shown = shown_txts(&txts.iter().collect::<Vec<_>>());
    if txts
        .iter()
        .any(|t| t.trim_matches(|c| c == '"' || c == '\'') == want && t.len() > want.len())
    {
        return (
            Diagnosis {
                reason: format!(
                    "the TXT record holds the value with quotation marks inside it ({shown}): they were pasted into the provider's value field"
                ),
                hint: format!(
                    "enter the value without quotes (a zone file adds its own): {record}"
                ),
            },
            TXT_QUOTED,
        );
    }
    if txts
        .iter()
        .any(|t| t.trim() == want || (form.matching == Match::Exact && t.contains(&want)))
    {
        return (
            Diagnosis {
                reason: format!(
                    "the TXT record holds the value with other text around it ({shown}); the CA compares the whole record"
                ),
                hint: format!("make the record exactly {record}"),
            },
            TXT_OTHER_VALUE,
        );
    }
    (
        Diagnosis {
            reason: format!(
                "the TXT record holds another value ({shown}), not this order's random value {want:?}: a value from another order, or an earlier one the portal has replaced"
            ),
            hint: format!("replace it with this order's value: {record}"),
        },
        TXT_OTHER_VALUE,
    )
}

/// The follow-up questions asked only when the value is nowhere: a CNAME
/// where the TXT belongs, the value at the bare name, the zone twice.
async fn look_for_mistakes(
    engine: &Engine,
    form: &TxtForm,
    value: &str,
    candidates: &[String],
    walks: &[Resolution],
    lookups: &[Lookup],
) -> Option<(Diagnosis, Code, String)> {
    let record = |adn: &str| format!("{}. TXT {:?}", form.owner(adn), form.text(value));
    // A CNAME at the owner whose target holds no TXT.
    for (i, w) in walks.iter().enumerate() {
        // The aliases as the answers spell them: followed link by link, or
        // within one answer (a dangling alias comes back NXDOMAIN with it).
        let aliases = w.aliases();
        if aliases.len() > 1 {
            return Some((
                Diagnosis {
                    reason: format!(
                        "{}. is a CNAME to {}., where the TXT record belongs; the name it points to holds no TXT with the value",
                        aliases[0],
                        aliases[aliases.len() - 1]
                    ),
                    hint: format!(
                        "delete the CNAME and create the TXT record: {}",
                        record(&candidates[i])
                    ),
                },
                TXT_CNAME_INSTEAD,
                candidates[i].clone(),
            ));
        }
    }
    let has_value = |l: &Lookup| {
        l.observations.iter().any(|o| {
            o.result.as_ref().is_ok_and(|a| {
                txts_of(a, &l.name)
                    .iter()
                    .any(|t| holds_value(form, value, t))
            })
        })
    };
    // The value at the bare ADN instead of under the form's label.
    if !form.prefix.is_empty() {
        let bare = join_all(candidates.iter().map(|c| engine.lookup(c, RType::Txt))).await;
        if let Some(i) = bare.iter().position(has_value) {
            return Some((
                Diagnosis {
                    reason: format!(
                        "the random value is at {}. instead of {}.: the CA looks under {}",
                        candidates[i],
                        form.owner(&candidates[i]),
                        form.prefix
                    ),
                    hint: format!(
                        "publish the record at the {} name (Host field: {}): {}",
                        form.prefix,
                        form.owner(&candidates[i])
                            .strip_suffix(&format!(".{}", candidates[i]))
                            .unwrap_or(&form.prefix),
                        record(&candidates[i])
                    ),
                },
                TXT_AT_BARE_NAME,
                candidates[i].clone(),
            ));
        }
    }
    // Published under the FQDN's CNAME target: BR 3.2.2.4.7's CNAME step,
    // which a CA may or may not take.
    if let Some(target) = cname_step_target(engine, &candidates[0]).await {
        let q = form.owner(&target);
        let l = engine.resolve(&q, RType::Txt).await;
        if !l.last().observations.is_empty()
            && l.last().observations.iter().all(|o| {
                o.result.as_ref().is_ok_and(|a| {
                    txts_of(a, &l.last().name)
                        .iter()
                        .any(|t| holds_value(form, value, t))
                })
            })
        {
            return Some((
                diagnose::cname_step_only(&q, &target, &candidates[0], &record(&candidates[0])),
                Code::AdnCnameStepOnly,
                candidates[0].clone(),
            ));
        }
    }
    // The zone appended twice: `_pki-validation.example.com.example.com`.
    let mut doubled: Vec<(usize, String, String)> = Vec::new();
    for (i, l) in lookups.iter().enumerate() {
        let mut zones: Vec<String> = l
            .observations
            .iter()
            .filter_map(|o| o.zone.clone())
            .collect();
        zones.push(candidates[i].clone());
        zones.sort();
        zones.dedup();
        for z in zones {
            let name = format!("{}.{z}", form.owner(&candidates[i]));
            if name.len() <= 253 && !doubled.iter().any(|(_, n, _)| *n == name) {
                doubled.push((i, name, z));
            }
        }
    }
    let found = join_all(doubled.iter().map(|(_, n, _)| engine.lookup(n, RType::Txt))).await;
    for ((i, name, zone), l) in doubled.iter().zip(&found) {
        if has_value(l) {
            return Some((
                diagnose::zone_appended_twice(name, &form.owner(&candidates[*i]), zone),
                TXT_ZONE_TWICE,
                candidates[*i].clone(),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sectigo() -> TxtForm {
        TxtForm {
            prefix: "_pki-validation".into(),
            value_prefix: String::new(),
            matching: Match::Exact,
            walk: true,
        }
    }

    const V: &str = "QCw6C+nYGM6BSxgW0gd3Ig==";

    #[test]
    fn exact_and_contains() {
        assert!(holds_value(&sectigo(), V, V));
        assert!(!holds_value(&sectigo(), V, &format!("x {V}")));
        let contains = TxtForm {
            matching: Match::Contains,
            ..sectigo()
        };
        assert!(holds_value(&contains, V, &format!("x {V}")));
    }

    #[test]
    fn mistakes_are_named() {
        let rec = "_pki-validation.example.com. TXT \"v\"";
        let (d, code) = wrong_value(&sectigo(), V, &[format!("\"{V}\"")], rec);
        assert_eq!(code, TXT_QUOTED, "{d:?}");
        assert!(d.reason.contains("quotation marks"));
        let (d, code) = wrong_value(&sectigo(), V, &["AAAAotherorder==".into()], rec);
        assert_eq!(code, TXT_OTHER_VALUE);
        assert!(d.reason.contains("another value"), "{d:?}");
        let (d, _) = wrong_value(&sectigo(), V, &[format!(" {V} ")], rec);
        assert!(d.reason.contains("other text around it"), "{d:?}");
    }
}
