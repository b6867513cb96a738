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

/// The decision for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No CAA record anywhere up the tree: any CA may issue.
    Unrestricted,
    /// The RRset has no property that governs this kind of name.
    NotGoverned {
        tag: &'static str,
    },
    /// A property names one of the issuers.
    Authorized {
        tag: &'static str,
        issuer: String,
        notes: Vec<String>,
    },
    Forbidden {
        reason: String,
    },
}

fn show(r: &CaaRecord) -> String {
    format!(
        "{} {} \"{}\"",
        r.flags,
        r.tag,
        String::from_utf8_lossy(&r.value).escape_debug()
    )
}

/// Evaluates the relevant RRset for a name (`wildcard` for `*.x`) against
/// the CA's issuer domain names.
pub fn evaluate(set: &[CaaRecord], wildcard: bool, issuers: &[&str]) -> Verdict {
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
    for r in &props {
        match parse_issue_value(&r.value) {
            Ok(v) => {
                let Some(issuer) = v.issuer else { continue };
                if issuers.iter().any(|i| i.eq_ignore_ascii_case(&issuer)) {
                    let notes = v
                        .parameters
                        .iter()
                        .map(|(k, val)| match k.as_str() {
                            "accounturi" => {
                                format!("restricted to the CA account {val} (RFC 8657)")
                            }
                            "validationmethods" => {
                                format!("restricted to the validation methods {val} (RFC 8657)")
                            }
                            _ => format!("parameter {k}={val}"),
                        })
                        .collect();
                    return Verdict::Authorized { tag, issuer, notes };
                }
            }
            Err(e) => problems.push(format!("{} is unusable: {e}", show(r))),
        }
    }
    let listed: Vec<String> = props.iter().map(|r| show(r)).collect();
    let mut reason = format!(
        "no {tag} property names {}; found: {}",
        issuers.join(", "),
        listed.join(", ")
    );
    if !problems.is_empty() {
        reason.push_str(&format!(" ({})", problems.join("; ")));
    }
    Verdict::Forbidden { reason }
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
        assert_eq!(evaluate(&[], false, SECTIGO), Verdict::Unrestricted);
        assert!(evaluate(&[rec(0, "issue", "sectigo.com")], false, SECTIGO).allows());
        assert!(evaluate(&[rec(0, "ISSUE", "Comodoca.COM")], false, SECTIGO).allows());
        assert!(!evaluate(&[rec(0, "issue", "letsencrypt.org")], false, SECTIGO).allows());
        assert!(!evaluate(&[rec(0, "issue", ";")], false, SECTIGO).allows());
        // issuewild governs wildcards when present, issue otherwise.
        let set = [rec(0, "issue", "sectigo.com"), rec(0, "issuewild", ";")];
        assert!(evaluate(&set, false, SECTIGO).allows());
        assert!(!evaluate(&set, true, SECTIGO).allows());
        assert!(evaluate(&[rec(0, "issue", "sectigo.com")], true, SECTIGO).allows());
        // Only iodef: nothing restricts issuance.
        assert!(matches!(
            evaluate(&[rec(0, "iodef", "mailto:x@example.com")], false, SECTIGO),
            Verdict::NotGoverned { .. }
        ));
        // Critical unknown tag forbids; non-critical unknown is ignored.
        assert!(
            !evaluate(
                &[rec(128, "tbs", "x"), rec(0, "issue", "sectigo.com")],
                false,
                SECTIGO
            )
            .allows()
        );
        assert!(
            evaluate(
                &[rec(0, "tbs", "x"), rec(0, "issue", "sectigo.com")],
                false,
                SECTIGO
            )
            .allows()
        );
        // A repeated or malformed parameter makes that property unsatisfiable.
        let v = evaluate(&[rec(0, "issue", "sectigo.com; a=1; a=2")], false, SECTIGO);
        assert!(
            matches!(&v, Verdict::Forbidden { reason } if reason.contains("more than once")),
            "{v:?}"
        );
        assert!(!evaluate(&[rec(0, "issue", "sectigo.com; =x")], false, SECTIGO).allows());
        // ...but another, good property still authorizes.
        assert!(
            evaluate(
                &[
                    rec(0, "issue", "sectigo.com; a=1; a=2"),
                    rec(0, "issue", "comodoca.com")
                ],
                false,
                SECTIGO
            )
            .allows()
        );
        let v = evaluate(
            &[rec(0, "issue", "sectigo.com; accounturi=https://acme/1")],
            false,
            SECTIGO,
        );
        assert!(matches!(&v, Verdict::Authorized { notes, .. } if notes[0].contains("account")));
    }
}
