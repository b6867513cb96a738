//! The CAA check (RFC 8659): the relevant RRset is the first non-empty one
//! walking up from the name, read through the resolvers (which chase
//! aliases), and judged by the pure [`crate::caa`] evaluation.

use futures::future::join_all;

use crate::caa::{self, BrMethod, CaaRecord, Refusal, Verdict};
use crate::names::DnsName;
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult, Status};
use crate::resolver::Engine;
use crate::resolver::Security;
use crate::resolver::{Answer, Data, QueryError, RType, Rcode, normalize, parent};

/// CAA for one name: the relevant RRset is the first non-empty one walking
/// up from the name (RFC 8659 section 3); the resolvers chase aliases.
pub async fn caa_check(
    engine: &Engine,
    domain: &DnsName,
    issuers: &[String],
    account: Option<&str>,
) -> CheckResult {
    let climb = climb(domain);
    let answers = join_all(climb.iter().map(|n| engine.ask_resolvers(n, RType::Caa))).await;
    let result = caa_result(domain, &climb, &answers, issuers, account);
    // Every step up to the relevant RRset is relied on: a bogus "no CAA
    // here" is a failed lookup for the CA, which refuses (RFC 8659).
    let steps = match &result.adn {
        Some(adn) => climb
            .iter()
            .position(|n| n == adn)
            .map_or(climb.len(), |i| i + 1),
        None => climb.len(),
    };
    let verdicts = join_all(
        climb
            .iter()
            .zip(&answers)
            .take(steps)
            .map(|(n, a)| async move {
                match a {
                    Ok(a) => engine.security(n, RType::Caa, a).await,
                    Err(_) => None,
                }
            }),
    )
    .await;
    let security = verdicts.into_iter().flatten().reduce(Security::worst);
    result.with_dnssec(security)
}

/// The names whose CAA RRsets may govern `domain`, closest first.
fn climb(domain: &DnsName) -> Vec<String> {
    let mut climb = vec![normalize(domain.base())];
    while let Some(p) = climb.last().and_then(|n| parent(n)) {
        climb.push(p.to_owned());
    }
    climb
}

fn caa_result(
    domain: &DnsName,
    climb: &[String],
    answers: &[Result<Answer, QueryError>],
    issuers: &[String],
    account: Option<&str>,
) -> CheckResult {
    let d = domain.to_string();
    let issuers: Vec<&str> = issuers.iter().map(String::as_str).collect();
    let floor = domain.registrable_domain();
    let mut notes: Vec<String> = Vec::new();
    for (name, answer) in climb.iter().zip(answers) {
        let failed = match answer {
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
                .with_authorizes(&[])
                .with_hint("a CA treats a failed CAA lookup as a refusal (RFC 8659 section 3); fix the zone's servers")
                .with_code(crate::reason::Code::CaaLookupFailed);
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
        let verdict = caa::evaluate(&set, domain.is_wildcard(), &issuers, account);
        let methods = verdict.methods();
        let property = if domain.is_wildcard() {
            "issuewild"
        } else {
            "issue"
        };
        let mut r = match verdict {
            Verdict::Authorized(g) if g.methods.is_empty() => {
                let listed: Vec<String> = g
                    .restricted_by
                    .iter()
                    .map(|(shown, _)| shown.clone())
                    .collect();
                CheckResult::new(
                    &d,
                    CheckKind::Caa,
                    Status::Fail,
                    format!(
                        "CAA at {name}. names {} ({}) only for other validation methods: {} (the CNAME and TXT are ca-tbr-7, the HTTP file ca-tbr-18, the persistent TXT ca-tbr-22; ACME's dns-01 and http-01 are other mechanisms)",
                        g.issuer,
                        g.tag,
                        listed.join(", ")
                    ),
                )
                .with_adn(name)
                .with_code(METHOD_NOT_AUTHORIZED)
                .with_hint(format!(
                    "add the label of the method you use to validationmethods, e.g. {name}. CAA 0 {property} \"{}; validationmethods=ca-tbr-7,ca-tbr-18\"",
                    g.issuer
                ))
            }
            Verdict::Authorized(g) => {
                let mut detail = format!("CAA at {name}. authorizes {} ({})", g.issuer, g.tag);
                if !g.notes.is_empty() {
                    detail.push_str(&format!("; {}", g.notes.join("; ")));
                }
                let mut r =
                    CheckResult::new(&d, CheckKind::Caa, Status::Pass, detail).with_adn(name);
                r.caa_restricted_by = g.restricted_by;
                r
            }
            Verdict::NotGoverned { tag } => CheckResult::new(
                &d,
                CheckKind::Caa,
                Status::Pass,
                format!("CAA at {name}. has no {tag} property for a {kind}name: any CA may issue"),
            )
            .with_adn(name),
            Verdict::Unrestricted => unreachable_unrestricted(&d),
            Verdict::Forbidden { reason, why } => {
                let hint = match why {
                    Refusal::AccountRequired => format!(
                        "the CAA lets only one account of the CA issue: pass --account URI (the account URI your CA gives you) to check as that account, or add {name}. CAA 0 {property} \"{}\" without accounturi",
                        issuers.first().copied().unwrap_or("")
                    ),
                    Refusal::AccountMismatch => format!(
                        "order from the account the CAA names, or add your account: {name}. CAA 0 {property} \"{}; accounturi={}\"",
                        issuers.first().copied().unwrap_or(""),
                        account.unwrap_or("")
                    ),
                    Refusal::Forbids => format!(
                        "add {name}. CAA 0 {property} \"{}\"",
                        issuers.first().copied().unwrap_or("")
                    ),
                };
                CheckResult::new(
                    &d,
                    CheckKind::Caa,
                    Status::Fail,
                    format!(
                        "CAA at {name}. forbids issuance by {}: {reason}",
                        issuers.join("/")
                    ),
                )
                .with_adn(name)
                .with_code(why.code())
                .with_hint(hint)
            }
        };
        r.authorizes = Some(methods.into_iter().map(BrMethod::label).collect());
        return r;
    }
    let mut r = unreachable_unrestricted(&d);
    if !notes.is_empty() {
        r.detail.push_str(&format!(" ({})", notes.join("; ")));
    }
    r
}

fn unreachable_unrestricted(d: &str) -> CheckResult {
    let mut r = CheckResult::new(
        d,
        CheckKind::Caa,
        Status::Pass,
        "no CAA records up the tree: any CA may issue",
    );
    r.authorizes = Some(BrMethod::ALL.iter().map(|m| m.label()).collect());
    r
}

/// Reason code: the CAA names the CA, but not for the method checked.
pub const METHOD_NOT_AUTHORIZED: Code = Code::CaaMethodNotAuthorized;
