//! The CAA check (RFC 8659) for one name, as the CA's perspectives meet
//! it: at each step of the climb from the name up, the step's CAA is
//! resolved by the resolver's one resolution function (aliases followed,
//! RFC 8659 section 3) at every server of the step's zone (authoritative
//! mode) or every resolver; the relevant RRset is the first non-empty one.
//! Servers that disagree are each a perspective's view: the strictest
//! decides (a server that forbids the CA, or fails, fails the check), and
//! the result names the servers on each side with their SOA serials. The
//! verdict on one RRset is the pure [`crate::caa`] evaluation.

use futures::future::join_all;

use super::observe::server_label;
use crate::caa::{self, BrMethod, CaaRecord, Refusal, Verdict};
use crate::names::DnsName;
use crate::reason::Code;
use crate::report::{CheckKind, CheckResult, Status};
use crate::resolver::{ChainEnd, Engine, Observation, Resolution, Security};
use crate::resolver::{Data, RType, Rcode, chain, normalize, parent};

/// CAA for one name: the climb, every server's view at each step, the
/// strictest view deciding, and the DNSSEC verdict on every step relied on.
pub async fn caa_check(
    engine: &Engine,
    domain: &DnsName,
    issuers: &[String],
    account: Option<&str>,
) -> CheckResult {
    let climb = climb(domain);
    let steps = join_all(climb.iter().map(|n| engine.resolve(n, RType::Caa))).await;
    let views: Vec<Vec<(View, &Observation)>> = steps.iter().map(views_of).collect();
    let issuers: Vec<&str> = issuers.iter().map(String::as_str).collect();
    let floor = domain.registrable_domain().len();
    let errors: Vec<Option<String>> = steps
        .iter()
        .map(|s| s.last().error.as_ref().map(ToString::to_string))
        .collect();
    let (mut result, decisive) =
        decide(domain, &climb, &views, &errors, 0, floor, &issuers, account);
    if let Some(split) = &result.split {
        let serials = serials(engine, split).await;
        result.name_the_sides(&serials);
    }
    let mut result = result.check;
    // Every step up to the decisive one is relied on: a bogus "no CAA
    // here" is a failed lookup for the CA, which refuses (RFC 8659).
    let relied = decisive.map_or(steps.len(), |i| i + 1);
    let verdicts = join_all(
        steps
            .iter()
            .take(relied)
            .map(|s| engine.resolution_security(s)),
    )
    .await;
    let security = verdicts.into_iter().flatten().reduce(Security::worst);
    if steps.iter().take(relied).any(Resolution::followed) {
        let paths: Vec<String> = steps
            .iter()
            .take(relied)
            .filter(|s| s.followed())
            .map(Resolution::path)
            .collect();
        result.detail.push_str(&format!(
            " (aliases followed, RFC 8659 section 3: {})",
            paths.join("; ")
        ));
    }
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

/// What one server (or resolver) gave for a step's CAA.
#[derive(Debug, Clone, PartialEq, Eq)]
enum View {
    /// A non-empty CAA RRset (at the name or at the end of its aliases).
    Set(Vec<CaaRecord>),
    /// No CAA there (NOERROR without CAA, or NXDOMAIN): climb on.
    Empty,
    /// No usable answer: the CA's lookup fails (and it refuses).
    Failed(String),
}

impl View {
    fn shown(&self) -> String {
        match self {
            View::Set(set) => set.iter().map(shown_record).collect::<Vec<_>>().join(", "),
            View::Empty => "no CAA".into(),
            View::Failed(why) => format!("fails ({why})"),
        }
    }
}

fn shown_record(r: &CaaRecord) -> String {
    format!(
        "{} {:?}",
        r.tag,
        crate::text::printable(&String::from_utf8_lossy(&r.value))
    )
}

/// Every server's view of one step, the last link's servers speaking (a
/// name that is an alias is judged by its target's CAA).
fn views_of(step: &Resolution) -> Vec<(View, &Observation)> {
    let last = step.last();
    let broken = step.broken();
    last.observations
        .iter()
        .map(|o| {
            let view = match (&broken, &step.end, &o.result) {
                (Some(b), _, _) => View::Failed(b.to_string()),
                (_, _, Err(e)) => View::Failed(e.to_string()),
                (_, _, Ok(a)) if !matches!(a.rcode, Rcode::NoError | Rcode::NxDomain) => {
                    View::Failed(a.rcode.to_string())
                }
                (_, ChainEnd::Diverged, Ok(a)) if chain(a, &last.name).len() > 1 => {
                    View::Failed(format!(
                        "an alias to {}. that the zone's other servers do not serve",
                        chain(a, &last.name).last().map_or("", String::as_str)
                    ))
                }
                (_, _, Ok(a)) if a.rcode == Rcode::NxDomain => View::Empty,
                (_, _, Ok(a)) => {
                    let owners = chain(a, &last.name);
                    let set: Vec<CaaRecord> = a
                        .answers
                        .iter()
                        .filter(|r| owners.contains(&r.owner))
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
                        View::Empty
                    } else {
                        View::Set(set)
                    }
                }
            };
            (view, o)
        })
        .collect()
}

/// A step where servers disagree, kept to name the sides once serials are
/// known: the step's name and each distinct view with its servers.
struct Split<'a> {
    name: String,
    sides: Vec<(View, Vec<&'a Observation>)>,
}

/// A decision, with the disagreement that shaped it.
struct Decision<'a> {
    check: CheckResult,
    split: Option<Split<'a>>,
}

impl Decision<'_> {
    /// Adds who serves what ("ns2.example.net (…, serial 2026120401)
    /// serves issue "letsencrypt.org"; …") to the detail.
    fn name_the_sides(&mut self, serials: &[(std::net::SocketAddr, Option<u32>)]) {
        let Some(split) = &self.split else { return };
        let serial_of = |o: &Observation| {
            serials
                .iter()
                .find(|(a, _)| *a == o.server.addr)
                .and_then(|(_, s)| *s)
        };
        let mut sides: Vec<String> = Vec::new();
        let mut known: Vec<u32> = Vec::new();
        for (view, servers) in &split.sides {
            let named: Vec<String> = servers
                .iter()
                .map(|o| match serial_of(o) {
                    Some(n) => {
                        known.push(n);
                        format!("{} serial {n}", server_label(o))
                    }
                    None => server_label(o),
                })
                .collect();
            let verb = if servers.len() == 1 {
                "serves"
            } else {
                "serve"
            };
            let what = match view {
                View::Failed(_) => view.shown(),
                _ => format!("{verb} {}", view.shown()),
            };
            sides.push(format!("{} {what}", named.join(", ")));
        }
        known.sort_unstable();
        known.dedup();
        let why = if known.len() > 1 {
            "a secondary has not caught up (the SOA serials differ)"
        } else {
            "the servers disagree"
        };
        self.check.detail.push_str(&format!(
            "; the servers of {}. disagree: {}: {why}",
            split.name,
            sides.join("; ")
        ));
    }
}

/// The strictest verdict over the climb from step `from`: a step where
/// every server has no CAA passes the question up; a step where some have
/// a set decides for them (and the rest climb on); any server that forbids
/// or fails decides the whole. Returns the decision and the index of the
/// step it rests on (`None`: no CAA anywhere).
#[allow(clippy::too_many_arguments)]
fn decide<'a>(
    domain: &DnsName,
    climb: &[String],
    views: &'a [Vec<(View, &'a Observation)>],
    errors: &[Option<String>],
    from: usize,
    floor: usize,
    issuers: &[&str],
    account: Option<&str>,
) -> (Decision<'a>, Option<usize>) {
    let d = domain.to_string();
    let mut notes: Vec<String> = Vec::new();
    for i in from..climb.len() {
        let name = &climb[i];
        let mut sides: Vec<(View, Vec<&Observation>)> = Vec::new();
        for (view, o) in &views[i] {
            match sides.iter_mut().find(|(v, _)| v == view) {
                Some((_, servers)) => servers.push(o),
                None => sides.push((view.clone(), vec![*o])),
            }
        }
        if let Some(e) = &errors[i] {
            // The step's servers could not be found (or not all of them).
            sides.push((View::Failed(e.clone()), Vec::new()));
        }
        let failed = sides.iter().find(|(v, _)| matches!(v, View::Failed(_)));
        if let Some((View::Failed(why), _)) = failed {
            // Above the registrable domain (public suffixes) a failure is
            // almost always an authoritative-only or lab resolver, so it is
            // noted rather than failing the name.
            if name.len() < floor {
                notes.push(format!("CAA at {name}. could not be read ({why}); ignored"));
                if sides.iter().all(|(v, _)| !matches!(v, View::Set(_))) {
                    continue;
                }
            } else {
                let disagree = sides.len() > 1;
                let check = CheckResult::new(
                    &d,
                    CheckKind::Caa,
                    Status::Fail,
                    format!("CAA lookup at {name}. failed: {why}"),
                )
                .with_authorizes(&[])
                .with_hint(
                    "a CA treats a failed CAA lookup as a refusal (RFC 8659 section 3), and its perspectives may land on any of the zone's servers: fix the failing servers",
                )
                .with_code(Code::CaaLookupFailed);
                let split = disagree.then(|| Split {
                    name: name.clone(),
                    sides,
                });
                return (Decision { check, split }, Some(i));
            }
        }
        let mut results: Vec<CheckResult> = sides
            .iter()
            .filter_map(|(v, _)| match v {
                View::Set(set) => Some(judge_set(domain, name, set, issuers, account)),
                _ => None,
            })
            .collect();
        if results.is_empty() {
            continue;
        }
        let climbing = sides.iter().any(|(v, _)| *v == View::Empty);
        if climbing {
            // The servers without CAA here send the CA's lookup further up.
            let (above, _) = decide(domain, climb, views, errors, i + 1, floor, issuers, account);
            results.push(above.check);
        }
        let disagree = sides.len() > 1;
        let split = disagree.then(|| Split {
            name: name.clone(),
            sides: sides.clone(),
        });
        let strictest = match results.iter().position(|r| r.status != Status::Pass) {
            Some(k) => {
                let mut r = results.swap_remove(k);
                if disagree {
                    r.code = Some(Code::CaaServersDisagree);
                    r.hint = Some(format!(
                        "{}; the zone's servers serve different CAA records and each of the CA's perspectives may land on any of them: bring every server up to date (zone transfers, NOTIFY, the SOA serial)",
                        r.hint.as_deref().unwrap_or("fix the CAA records")
                    ));
                }
                r
            }
            None => results.swap_remove(0),
        };
        let mut check = strictest;
        if !notes.is_empty() {
            check.detail.push_str(&format!(" ({})", notes.join("; ")));
        }
        return (Decision { check, split }, Some(i));
    }
    let mut check = unreachable_unrestricted(&d);
    if !notes.is_empty() {
        check.detail.push_str(&format!(" ({})", notes.join("; ")));
    }
    (Decision { check, split: None }, None)
}

/// The SOA serial each server of a disagreement serves for its zone
/// (authoritative mode; a resolver's is not asked).
async fn serials(engine: &Engine, split: &Split<'_>) -> Vec<(std::net::SocketAddr, Option<u32>)> {
    let servers: Vec<&Observation> = split
        .sides
        .iter()
        .flat_map(|(_, s)| s.iter().copied())
        .filter(|o| o.zone.is_some())
        .collect();
    join_all(servers.iter().map(|o| async move {
        let zone = o.zone.clone().unwrap_or_default();
        let serial = match engine.ask(o.server.addr, &zone, RType::Soa, false).await {
            Ok(a) => a.answers.iter().find_map(|r| match r.data {
                Data::Soa { serial, .. } if r.owner == normalize(&zone) => Some(serial),
                _ => None,
            }),
            Err(_) => None,
        };
        (o.server.addr, serial)
    }))
    .await
}

/// The verdict of one relevant RRset (`set`, found at `name`) on `domain`.
fn judge_set(
    domain: &DnsName,
    name: &str,
    set: &[CaaRecord],
    issuers: &[&str],
    account: Option<&str>,
) -> CheckResult {
    let d = domain.to_string();
    let issuers = issuers.to_vec();
    let kind = if domain.is_wildcard() {
        "wildcard "
    } else {
        ""
    };
    let verdict = caa::evaluate(set, domain.is_wildcard(), &issuers, account);
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
            let mut r = CheckResult::new(&d, CheckKind::Caa, Status::Pass, detail).with_adn(name);
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
