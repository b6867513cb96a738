//! CAA evaluation (RFC 8659, RFC 8657 parameters), pure: given the relevant
//! CAA RRset of a name, may a CA with these issuer names issue for it?
//! Finding the relevant RRset (climbing the tree) is the DNS side's job.

use thiserror::Error;

/// One CAA record as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaaRecord {
    pub flags: u8,
    pub tag: String,
    pub value: Vec<u8>,
}

/// The issuer-critical flag (RFC 8659 section 4.1).
const CRITICAL: u8 = 0x80;

/// Tags this checker understands; an unknown one marked critical forbids
/// issuance (RFC 8659 section 4.1). `contactemail`/`contactphone` are the
/// CA/B Forum's, `issuemail`/`issuevmc` other ecosystems'.
const KNOWN_TAGS: [&str; 7] = [
    "issue",
    "issuewild",
    "iodef",
    "contactemail",
    "contactphone",
    "issuemail",
    "issuevmc",
];

/// A parsed `issue`/`issuewild` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueValue {
    /// `None` for `;` (no CA).
    pub issuer: Option<String>,
    pub parameters: Vec<(String, String)>,
}

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum IssueValueError {
    #[error("not ASCII/UTF-8")]
    Encoding,
    #[error("malformed issuer domain name {0:?}")]
    Issuer(String),
    #[error("malformed parameter {0:?}")]
    Parameter(String),
    #[error("parameter {0:?} given more than once")]
    Repeated(String),
}

fn is_wsp(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn valid_issuer(s: &str) -> bool {
    // label *("." label); label = alnum *( *"-" alnum )
    !s.is_empty()
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Parses `issuer-domain-name [; parameters]` (RFC 8659 section 4.2, RFC 8657).
pub fn parse_issue_value(raw: &[u8]) -> Result<IssueValue, IssueValueError> {
    let s = std::str::from_utf8(raw).map_err(|_| IssueValueError::Encoding)?;
    let (issuer, params) = match s.split_once(';') {
        Some((i, p)) => (i, Some(p)),
        None => (s, None),
    };
    let issuer = issuer.trim_matches(is_wsp);
    let issuer = if issuer.is_empty() {
        None
    } else if valid_issuer(issuer) {
        Some(issuer.to_ascii_lowercase())
    } else {
        return Err(IssueValueError::Issuer(issuer.to_owned()));
    };
    let mut parameters: Vec<(String, String)> = Vec::new();
    if let Some(p) = params {
        let p = p.trim_matches(is_wsp);
        if !p.is_empty() {
            for part in p.split(';') {
                let part = part.trim_matches(is_wsp);
                let (k, v) = part
                    .split_once('=')
                    .ok_or_else(|| IssueValueError::Parameter(part.to_owned()))?;
                let (k, v) = (k.trim_matches(is_wsp), v.trim_matches(is_wsp));
                let key_ok = !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric());
                // value = *(%x21-3A / %x3C-7E): printable, no space, no ';'.
                let value_ok = v.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b';');
                if !key_ok || !value_ok {
                    return Err(IssueValueError::Parameter(part.to_owned()));
                }
                let key = k.to_ascii_lowercase();
                if parameters.iter().any(|(x, _)| *x == key) {
                    return Err(IssueValueError::Repeated(key));
                }
                parameters.push((key, v.to_owned()));
            }
        }
    }
    Ok(IssueValue { issuer, parameters })
}

/// A validation method dcv checks, named by its Baseline Requirements
/// section 3.2.2.4.N: what a CA must log and what a CAA `validationmethods`
/// parameter lists as `ca-tbr-<N>` (BR 4.2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BrMethod {
    /// 3.2.2.4.7 DNS Change: the CNAME and the random-value TXT.
    Dns,
    /// 3.2.2.4.18 Agreed-Upon Change to Website v2: the HTTP file.
    File,
    /// 3.2.2.4.22 DNS TXT Record with Persistent Value.
    Persist,
}

impl BrMethod {
    pub const ALL: [BrMethod; 3] = [BrMethod::Dns, BrMethod::File, BrMethod::Persist];

    /// The `validationmethods` label of the BR section (BR 4.2.2.1).
    pub fn label(self) -> &'static str {
        match self {
            BrMethod::Dns => "ca-tbr-7",
            BrMethod::File => "ca-tbr-18",
            BrMethod::Persist => "ca-tbr-22",
        }
    }

    /// The method in words, for details and hints.
    pub fn words(self) -> &'static str {
        match self {
            BrMethod::Dns => "the DNS methods (CNAME, TXT; BR 3.2.2.4.7)",
            BrMethod::File => "the HTTP file (BR 3.2.2.4.18)",
            BrMethod::Persist => "the persistent TXT (BR 3.2.2.4.22)",
        }
    }

    /// Whether a `validationmethods` label names this method. Labels are
    /// compared case-insensitively (BR 4.2.2.1 allows it; dcv documents
    /// it). ACME's `dns-01` and `http-01` are other mechanisms (the
    /// `_acme-challenge` TXT; BR 3.2.2.4.19 for `http-01`), so they do not
    /// authorize a CNAME or the `.well-known/pki-validation` file; the
    /// persistent TXT is also ACME's `dns-persist-01`, which the BR say a
    /// CA should accept as the same mechanism.
    pub fn named_by(self, label: &str) -> bool {
        label.eq_ignore_ascii_case(self.label())
            || (self == BrMethod::Persist && label.eq_ignore_ascii_case("dns-persist-01"))
    }
}

/// The decision for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No CAA record anywhere up the tree: any CA may issue.
    Unrestricted,
    /// The RRset has no property that governs this kind of name.
    NotGoverned {
        tag: &'static str,
    },
    /// A property names one of the issuers (and the account, if it names one).
    Authorized(Grant),
    Forbidden {
        reason: String,
        why: Refusal,
    },
}

/// What the authorizing properties allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub tag: &'static str,
    pub issuer: String,
    pub notes: Vec<String>,
    /// The methods the properties authorize, together (a union: any one
    /// authorizing property is enough). May be empty: a property that lists
    /// only methods dcv does not check (e.g. `dns-01`).
    pub methods: Vec<BrMethod>,
    /// The authorizing properties that carry `validationmethods`, as shown
    /// in a zone, with their value (for a hint that edits them).
    pub restricted_by: Vec<(String, String)>,
}

/// Why no property authorizes, for the reason code of the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `caa_forbids`: no property names the CA (or `;`, or a critical tag).
    Forbids,
    /// `caa_account_required`: properties name the CA for an account only,
    /// and no `--account` was given.
    AccountRequired,
    /// `caa_account_mismatch`: they name another account.
    AccountMismatch,
}

impl Refusal {
    /// The stable reason code of a CAA failure (SPEC section 7 `code`).
    pub fn code(self) -> crate::reason::Code {
        use crate::reason::Code;
        match self {
            Refusal::Forbids => Code::CaaForbids,
            Refusal::AccountRequired => Code::CaaAccountRequired,
            Refusal::AccountMismatch => Code::CaaAccountMismatch,
        }
    }
}

impl Verdict {
    /// The methods this verdict lets the CA use.
    pub fn methods(&self) -> Vec<BrMethod> {
        match self {
            Verdict::Unrestricted | Verdict::NotGoverned { .. } => BrMethod::ALL.to_vec(),
            Verdict::Authorized(g) => g.methods.clone(),
            Verdict::Forbidden { .. } => Vec::new(),
        }
    }
}

fn show(r: &CaaRecord) -> String {
    format!(
        "{} {} \"{}\"",
        r.flags,
        r.tag,
        String::from_utf8_lossy(&r.value).escape_debug()
    )
}

/// `validationmethods` value: `label *("," label)`, label = 1*(alnum / "-")
/// (RFC 8657 section 4). `None` when malformed: the property then
/// authorizes nothing.
fn parse_methods(value: &str) -> Option<Vec<&str>> {
    let labels: Vec<&str> = value.split(',').collect();
    labels
        .iter()
        .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then_some(labels)
}

/// An `accounturi` value must be a URI (RFC 8657 section 3: scheme ":" ...).
fn valid_account_uri(value: &str) -> bool {
    match value.split_once(':') {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && scheme
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        }
        None => false,
    }
}

/// Evaluates the relevant RRset for a name (`wildcard` for `*.x`) against
/// the CA's issuer domain names and, for `accounturi`, the account the
/// order is placed from (`--account`).
pub fn evaluate(
    set: &[CaaRecord],
    wildcard: bool,
    issuers: &[&str],
    account: Option<&str>,
) -> Verdict {
    if set.is_empty() {
        return Verdict::Unrestricted;
    }
    if let Some(r) = set.iter().find(|r| {
        r.flags & CRITICAL != 0 && !KNOWN_TAGS.contains(&r.tag.to_ascii_lowercase().as_str())
    }) {
        return Verdict::Forbidden {
            reason: format!(
                "the record {} has the critical flag on a tag no CA understands, which forbids issuance",
                show(r)
            ),
            why: Refusal::Forbids,
        };
    }
    let has = |t: &str| set.iter().any(|r| r.tag.eq_ignore_ascii_case(t));
    let tag: &'static str = if wildcard && has("issuewild") {
        "issuewild"
    } else {
        "issue"
    };
    let props: Vec<&CaaRecord> = set
        .iter()
        .filter(|r| r.tag.eq_ignore_ascii_case(tag))
        .collect();
    if props.is_empty() {
        return Verdict::NotGoverned { tag };
    }
    let mut problems = Vec::new();
    let mut grant: Option<Grant> = None;
    let mut account_needed: Vec<String> = Vec::new();
    let mut account_other: Vec<String> = Vec::new();
    for r in &props {
        let v = match parse_issue_value(&r.value) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{} is unusable: {e}", show(r)));
                continue;
            }
        };
        let Some(issuer) = v.issuer else { continue };
        if !issuers.iter().any(|i| i.eq_ignore_ascii_case(&issuer)) {
            continue;
        }
        let param = |k: &str| {
            v.parameters
                .iter()
                .find(|(x, _)| x == k)
                .map(|(_, val)| val.as_str())
        };
        let mut notes = Vec::new();
        if let Some(uri) = param("accounturi") {
            if !valid_account_uri(uri) {
                problems.push(format!(
                    "{} is unusable: accounturi {uri:?} is not a URI (RFC 8657)",
                    show(r)
                ));
                continue;
            }
            match account {
                None => {
                    account_needed.push(uri.to_owned());
                    continue;
                }
                Some(a) if a != uri => {
                    account_other.push(uri.to_owned());
                    continue;
                }
                Some(_) => notes.push(format!(
                    "restricted to the CA account {uri} (RFC 8657), which is --account"
                )),
            }
        }
        let methods: Vec<BrMethod> = match param("validationmethods") {
            None => BrMethod::ALL.to_vec(),
            Some(list) => {
                let Some(labels) = parse_methods(list) else {
                    problems.push(format!(
                        "{} is unusable: validationmethods {list:?} is not a comma-separated list of method labels (RFC 8657)",
                        show(r)
                    ));
                    continue;
                };
                notes.push(format!(
                    "restricted to the validation methods {list} (RFC 8657)"
                ));
                BrMethod::ALL
                    .into_iter()
                    .filter(|m| labels.iter().any(|l| m.named_by(l)))
                    .collect()
            }
        };
        for (k, val) in &v.parameters {
            if k != "accounturi" && k != "validationmethods" {
                notes.push(format!("parameter {k}={val}"));
            }
        }
        let g = grant.get_or_insert_with(|| Grant {
            tag,
            issuer: issuer.clone(),
            notes: Vec::new(),
            methods: Vec::new(),
            restricted_by: Vec::new(),
        });
        if let Some(list) = param("validationmethods") {
            g.restricted_by.push((show(r), list.to_owned()));
        }
        for n in notes {
            if !g.notes.contains(&n) {
                g.notes.push(n);
            }
        }
        for m in methods {
            if !g.methods.contains(&m) {
                g.methods.push(m);
            }
        }
    }
    if let Some(mut g) = grant {
        g.methods.sort();
        return Verdict::Authorized(g);
    }
    let listed: Vec<String> = props.iter().map(|r| show(r)).collect();
    let (mut reason, why) = if !account_needed.is_empty() {
        (
            format!(
                "the {tag} property names {} only for the CA account {} (accounturi, RFC 8657), and no --account was given",
                issuers.first().copied().unwrap_or(""),
                account_needed.join(", ")
            ),
            Refusal::AccountRequired,
        )
    } else if !account_other.is_empty() {
        (
            format!(
                "the {tag} property names {} only for the CA account {}, not for --account {}",
                issuers.first().copied().unwrap_or(""),
                account_other.join(", "),
                account.unwrap_or("")
            ),
            Refusal::AccountMismatch,
        )
    } else {
        (
            format!(
                "no {tag} property names {}; found: {}",
                issuers.join(", "),
                listed.join(", ")
            ),
            Refusal::Forbids,
        )
    };
    if !problems.is_empty() {
        reason.push_str(&format!(" ({})", problems.join("; ")));
    }
    Verdict::Forbidden { reason, why }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Verdict {
        /// Test shorthand: the CA may issue.
        fn allows(&self) -> bool {
            !matches!(self, Verdict::Forbidden { .. })
        }
    }

    const SECTIGO: &[&str] = &["sectigo.com", "comodoca.com"];

    fn rec(flags: u8, tag: &str, value: &str) -> CaaRecord {
        CaaRecord {
            flags,
            tag: tag.into(),
            value: value.as_bytes().to_vec(),
        }
    }

    #[test]
    fn parse_values() {
        assert_eq!(
            parse_issue_value(b"sectigo.com").unwrap().issuer.as_deref(),
            Some("sectigo.com")
        );
        assert_eq!(parse_issue_value(b";").unwrap().issuer, None);
        let v =
            parse_issue_value(b" ca.example ; accounturi=https://x/1 ; validationmethods=dns-01")
                .unwrap();
        assert_eq!(v.parameters.len(), 2);
        assert!(matches!(
            parse_issue_value(b"ca.example; a=1; a=2"),
            Err(IssueValueError::Repeated(_))
        ));
        assert!(matches!(
            parse_issue_value(b"ca.example; novalue"),
            Err(IssueValueError::Parameter(_))
        ));
        assert!(matches!(
            parse_issue_value(b"ca..example"),
            Err(IssueValueError::Issuer(_))
        ));
        assert!(parse_issue_value(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn rules() {
        assert_eq!(evaluate(&[], false, SECTIGO, None), Verdict::Unrestricted);
        assert!(evaluate(&[rec(0, "issue", "sectigo.com")], false, SECTIGO, None).allows());
        assert!(evaluate(&[rec(0, "ISSUE", "Comodoca.COM")], false, SECTIGO, None).allows());
        assert!(!evaluate(&[rec(0, "issue", "letsencrypt.org")], false, SECTIGO, None).allows());
        assert!(!evaluate(&[rec(0, "issue", ";")], false, SECTIGO, None).allows());
        // issuewild governs wildcards when present, issue otherwise.
        let set = [rec(0, "issue", "sectigo.com"), rec(0, "issuewild", ";")];
        assert!(evaluate(&set, false, SECTIGO, None).allows());
        assert!(!evaluate(&set, true, SECTIGO, None).allows());
        assert!(evaluate(&[rec(0, "issue", "sectigo.com")], true, SECTIGO, None).allows());
        // Only iodef: nothing restricts issuance.
        assert!(matches!(
            evaluate(
                &[rec(0, "iodef", "mailto:x@example.com")],
                false,
                SECTIGO,
                None
            ),
            Verdict::NotGoverned { .. }
        ));
        // Critical unknown tag forbids; non-critical unknown is ignored.
        assert!(
            !evaluate(
                &[rec(128, "tbs", "x"), rec(0, "issue", "sectigo.com")],
                false,
                SECTIGO,
                None
            )
            .allows()
        );
        assert!(
            evaluate(
                &[rec(0, "tbs", "x"), rec(0, "issue", "sectigo.com")],
                false,
                SECTIGO,
                None
            )
            .allows()
        );
        // A repeated or malformed parameter makes that property unsatisfiable.
        let v = evaluate(
            &[rec(0, "issue", "sectigo.com; a=1; a=2")],
            false,
            SECTIGO,
            None,
        );
        assert!(
            matches!(&v, Verdict::Forbidden { reason, .. } if reason.contains("more than once")),
            "{v:?}"
        );
        assert!(!evaluate(&[rec(0, "issue", "sectigo.com; =x")], false, SECTIGO, None).allows());
        // ...but another, good property still authorizes.
        assert!(
            evaluate(
                &[
                    rec(0, "issue", "sectigo.com; a=1; a=2"),
                    rec(0, "issue", "comodoca.com")
                ],
                false,
                SECTIGO,
                None
            )
            .allows()
        );
    }

    fn methods(v: &Verdict) -> Vec<&'static str> {
        v.methods().into_iter().map(BrMethod::label).collect()
    }

    #[test]
    fn validationmethods_restrict_to_the_listed_br_labels() {
        let one = |value: &str| evaluate(&[rec(0, "issue", value)], false, SECTIGO, None);
        // RFC 8657 section 4 with BR 4.2.2.1's ca-tbr-<N> labels.
        assert_eq!(
            methods(&one("sectigo.com; validationmethods=ca-tbr-7")),
            ["ca-tbr-7"]
        );
        assert_eq!(
            methods(&one("sectigo.com; validationmethods=ca-tbr-18")),
            ["ca-tbr-18"]
        );
        assert_eq!(
            methods(&one("sectigo.com; validationmethods=CA-TBR-18,ca-tbr-7")),
            ["ca-tbr-7", "ca-tbr-18"]
        );
        // ACME's labels name other mechanisms: nothing dcv checks.
        assert!(methods(&one("sectigo.com; validationmethods=dns-01")).is_empty());
        assert!(methods(&one("sectigo.com; validationmethods=http-01")).is_empty());
        assert_eq!(
            methods(&one("sectigo.com; validationmethods=dns-persist-01")),
            ["ca-tbr-22"]
        );
        // No parameter: every method.
        assert_eq!(
            methods(&one("sectigo.com")),
            ["ca-tbr-7", "ca-tbr-18", "ca-tbr-22"]
        );
        // Malformed list: the property authorizes nothing (RFC 8657).
        assert!(matches!(
            one("sectigo.com; validationmethods=ca-tbr-7,,http-01"),
            Verdict::Forbidden {
                why: Refusal::Forbids,
                ..
            }
        ));
        assert!(matches!(
            one("sectigo.com; validationmethods=ca_tbr_7"),
            Verdict::Forbidden { .. }
        ));
        // Two properties: the union of what they allow.
        let v = evaluate(
            &[
                rec(0, "issue", "sectigo.com; validationmethods=ca-tbr-18"),
                rec(0, "issue", "comodoca.com; validationmethods=ca-tbr-7"),
            ],
            false,
            SECTIGO,
            None,
        );
        assert_eq!(methods(&v), ["ca-tbr-7", "ca-tbr-18"]);
        // A restriction on another CA's property does not bind this one.
        let v = evaluate(
            &[
                rec(0, "issue", "letsencrypt.org; validationmethods=dns-01"),
                rec(0, "issue", "sectigo.com"),
            ],
            false,
            SECTIGO,
            None,
        );
        assert_eq!(methods(&v).len(), 3);
    }

    #[test]
    fn accounturi_needs_the_matching_account() {
        let set = [rec(
            0,
            "issue",
            "sectigo.com; accounturi=https://acme.example/acct/1",
        )];
        let v = evaluate(&set, false, SECTIGO, None);
        assert!(
            matches!(&v, Verdict::Forbidden { why: Refusal::AccountRequired, reason } if reason.contains("--account")),
            "{v:?}"
        );
        let v = evaluate(&set, false, SECTIGO, Some("https://acme.example/acct/1"));
        assert!(matches!(&v, Verdict::Authorized(g) if g.notes[0].contains("account")));
        let v = evaluate(&set, false, SECTIGO, Some("https://acme.example/acct/2"));
        assert!(matches!(
            v,
            Verdict::Forbidden {
                why: Refusal::AccountMismatch,
                ..
            }
        ));
        // Not a URI: unusable whatever the account.
        let bad = [rec(0, "issue", "sectigo.com; accounturi=nocolon")];
        assert!(matches!(
            evaluate(&bad, false, SECTIGO, Some("nocolon")),
            Verdict::Forbidden {
                why: Refusal::Forbids,
                ..
            }
        ));
        // An account-free property next to it still authorizes.
        let both = [
            set[0].clone(),
            rec(0, "issue", "sectigo.com; validationmethods=ca-tbr-18"),
        ];
        assert_eq!(
            methods(&evaluate(&both, false, SECTIGO, None)),
            ["ca-tbr-18"]
        );
    }
}
