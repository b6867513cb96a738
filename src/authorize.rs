//! The CAA's say over the methods (RFC 8657 `validationmethods`, BR
//! 4.2.2.1), applied to a round's results: a method that passed but that the
//! name's CAA does not authorize the CA to use fails, naming the property
//! that restricts it and how to fix that. Pure: it only reads and rewrites
//! [`CheckResult`]s.

use std::collections::HashMap;

use crate::caa::BrMethod;
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult, Status};

/// Reason code of a method the CAA does not authorize.
pub const CAA_METHOD_NOT_AUTHORIZED: Code = Code::CaaMethodNotAuthorized;

/// Fails each passing method result whose name has a passing `caa` result
/// that does not list the method's BR label under `authorizes`. Results
/// without such a CAA verdict for their name (no CAA check, a timed-out or
/// failed one, which fails on its own) are left as they are.
pub fn apply(results: &mut [CheckResult]) {
    // Each name's passing CAA verdict (the first, if several), copied out so
    // the results can be edited; by name, so thousands of names are not
    // each searched for in a list (issue 24).
    let mut caas: HashMap<String, CheckResult> = HashMap::new();
    // A failed CAA reports its own refusal; only a CAA that names the
    // CA but restricts the methods turns a method down here.
    for r in results
        .iter()
        .filter(|r| r.check == CheckKind::Caa && r.status == Status::Pass && r.authorizes.is_some())
    {
        caas.entry(r.domain.clone()).or_insert_with(|| r.clone());
    }
    for r in results.iter_mut() {
        let Some(method) = r.check.br_method() else {
            continue;
        };
        if r.status != Status::Pass {
            continue;
        }
        let Some(caa) = caas.get(&r.domain) else {
            continue;
        };
        let allowed = caa.authorizes.as_deref().unwrap_or_default();
        let restricted = &caa.caa_restricted_by;
        if allowed.contains(&method.label()) {
            continue;
        }
        let at = caa.adn.as_deref().unwrap_or(&r.domain);
        let by: Vec<&str> = restricted.iter().map(|(shown, _)| shown.as_str()).collect();
        let property = if by.is_empty() {
            caa.detail.clone()
        } else {
            format!("CAA at {at}. {}", by.join(", "))
        };
        r.detail = format!(
            "the record is in place ({}), but the CAA does not let the CA use {} ({}): {property}",
            r.detail,
            method.words(),
            method.label()
        );
        r.hint = Some(fix_hint(method, allowed, restricted, at));
        r.status = Status::Fail;
        r.code = Some(CAA_METHOD_NOT_AUTHORIZED);
    }
}

/// Add the label to the restricting property, or use a method it allows.
fn fix_hint(
    method: BrMethod,
    allowed: &[&'static str],
    restricted: &[(String, String)],
    at: &str,
) -> String {
    let mut hint = match restricted.first() {
        Some((shown, list)) => {
            let edited = shown.replacen(
                &format!("validationmethods={list}"),
                &format!("validationmethods={list},{}", method.label()),
                1,
            );
            format!(
                "add {} to validationmethods: {at}. CAA {edited}",
                method.label()
            )
        }
        None => format!("allow {} in the CAA at {at}.", method.label()),
    };
    let others: Vec<&str> = BrMethod::ALL
        .iter()
        .filter(|m| **m != method && allowed.contains(&m.label()))
        .map(|m| m.words())
        .collect();
    if !others.is_empty() {
        hint.push_str(&format!("; or validate by {}", others.join(" or ")));
    }
    hint
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caa(domain: &str, allowed: &[&'static str]) -> CheckResult {
        let mut r = CheckResult::new(domain, CheckKind::Caa, Status::Pass, "CAA at x")
            .with_adn("example.com")
            .with_authorizes(allowed);
        r.caa_restricted_by = vec![(
            "0 issue \"sectigo.com; validationmethods=ca-tbr-18\"".into(),
            "ca-tbr-18".into(),
        )];
        r
    }

    #[test]
    fn a_passing_method_the_caa_does_not_list_fails() {
        let mut rs = vec![
            caa("www.example.com", &["ca-tbr-18"]),
            CheckResult::new("www.example.com", CheckKind::Cname, Status::Pass, "found"),
            CheckResult::new("www.example.com", CheckKind::Http, Status::Pass, "served"),
            CheckResult::new("other.example.com", CheckKind::Cname, Status::Pass, "found"),
        ];
        apply(&mut rs);
        assert_eq!(rs[1].status, Status::Fail);
        assert_eq!(rs[1].code, Some(CAA_METHOD_NOT_AUTHORIZED));
        assert!(
            rs[1].detail.contains("validationmethods=ca-tbr-18"),
            "{}",
            rs[1].detail
        );
        let hint = rs[1].hint.as_deref().unwrap();
        assert!(
            hint.contains("validationmethods=ca-tbr-18,ca-tbr-7"),
            "{hint}"
        );
        assert!(hint.contains("HTTP file"), "{hint}");
        assert_eq!(rs[2].status, Status::Pass);
        // No CAA result for that name: untouched.
        assert_eq!(rs[3].status, Status::Pass);
    }

    #[test]
    fn failures_and_unknown_caa_are_left_alone() {
        let unknown = CheckResult::new("a.example", CheckKind::Caa, Status::Pass, "timeout");
        let mut rs = vec![
            unknown,
            CheckResult::new("a.example", CheckKind::Cname, Status::Pass, "found"),
            caa("b.example", &[]),
            CheckResult::new("b.example", CheckKind::Txt, Status::Fail, "missing"),
        ];
        apply(&mut rs);
        assert_eq!(rs[1].status, Status::Pass);
        assert_eq!(rs[3].detail, "missing");
    }
}
