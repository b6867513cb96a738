//! Host names as a CA sees them: validation, A-labels, the Public Suffix List,
//! registrable domains and Authorization Domain Names (ADNs).
//!
//! Everything that reaches a URL, a DNS query or a file path must first become a
//! [`DnsName`]; a name that cannot is a [`Rejection`] carrying the reason, so that
//! a hostile SAN such as `evil/../x` can be reported but never used.

use std::fmt;
use std::net::Ipv4Addr;

use psl::{List, Psl, Type};
use serde::Serialize;

/// Longest DNS name in presentation form without the trailing dot (RFC 1035 2.3.4).
const MAX_NAME_LEN: usize = 253;
/// Longest DNS label (RFC 1035 2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// A validated, lowercase, ASCII (A-label) host name, possibly a wildcard
/// (`*.example.com`), whose base is below a public suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DnsName(String);

/// A name that failed validation, with a reason a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub name: String,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.reason)
    }
}

impl fmt::Display for DnsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl DnsName {
    /// Validates a name taken from a CSR: ASCII only, no normalisation beyond
    /// lowercasing, because the CA will see exactly these bytes.
    pub fn from_csr(raw: &str) -> Result<DnsName, Rejection> {
        let lower = raw.to_ascii_lowercase();
        validate(&lower).map_err(|reason| Rejection {
            name: printable(raw),
            reason,
        })
    }

    /// Validates a name typed by a person: a trailing dot is dropped and
    /// U-labels become A-labels (UTS-46), as a browser would do.
    pub fn from_user(raw: &str) -> Result<DnsName, Rejection> {
        let reject = |reason: String| Rejection {
            name: printable(raw),
            reason,
        };
        let trimmed = raw.strip_suffix('.').unwrap_or(raw);
        if trimmed.is_ascii() {
            return validate(&trimmed.to_ascii_lowercase()).map_err(reject);
        }
        // IDNA would map some of these to ASCII lookalikes; refuse them first
        // so the reason names the real problem.
        if let Some(c) = trimmed.chars().find(|c| is_forbidden_ascii(*c)) {
            return Err(reject(bad_char_reason(c)));
        }
        let (wildcard, rest) = match trimmed.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let ascii = idna::domain_to_ascii(rest)
            .map_err(|_| reject("not a valid internationalized domain name (UTS-46)".into()))?;
        let ascii = if wildcard {
            format!("*.{ascii}")
        } else {
            ascii
        };
        validate(&ascii).map_err(reject)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `*.example.com`.
    pub fn is_wildcard(&self) -> bool {
        self.0.starts_with("*.")
    }

    /// The name without a leading `*.`: the first ADN candidate.
    pub fn base(&self) -> &str {
        self.0.strip_prefix("*.").unwrap_or(&self.0)
    }

    /// The registrable domain: one label below the ICANN public suffix.
    pub fn registrable_domain(&self) -> &str {
        let base = self.base();
        let suffix_len = icann_suffix_len(base);
        // Validation guarantees at least one label above the suffix.
        let head = &base[..base.len() - suffix_len - 1];
        let start = head.rfind('.').map_or(0, |dot| dot + 1);
        &base[start..]
    }

    /// ADN candidates in the order the CA tries them: the base name, then each
    /// parent down to and including the registrable domain (BR 3.2.2.4).
    pub fn adn_candidates(&self) -> Vec<&str> {
        let base = self.base();
        let floor = self.registrable_domain().len();
        let mut out = vec![base];
        let mut rest = base;
        while rest.len() > floor {
            match rest.find('.') {
                Some(dot) => rest = &rest[dot + 1..],
                None => break,
            }
            out.push(rest);
        }
        out
    }
}

/// A `HOST=VALUE` pair from the command line (`--cname`, `--txt`): the
/// record's owner and what it must point to or contain. The host is an
/// A-label name (U-labels are converted when parsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostValue {
    pub host: String,
    pub value: String,
}

impl std::str::FromStr for HostValue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('=') {
            Some((host, value)) if !host.is_empty() && !value.is_empty() => Ok(HostValue {
                host: host_to_ascii(host)?,
                value: value.to_owned(),
            }),
            _ => Err(format!("{s:?} is not HOST=VALUE")),
        }
    }
}

/// A host typed in a flag (`--txt HOST=…`, `--resolve HOST:IP`, a `--url`
/// host, a `--cname` target) in A-label form: U-labels become A-labels
/// (UTS-46), ASCII is lowercased. Unlike [`DnsName`] this keeps underscores
/// (`_dnsauth.example.com`) and a trailing dot.
pub fn host_to_ascii(raw: &str) -> Result<String, String> {
    if raw.is_ascii() {
        return Ok(raw.to_ascii_lowercase());
    }
    idna::domain_to_ascii(raw)
        .map_err(|_| format!("{raw:?} is not a valid internationalized domain name"))
}

/// Names are shown through the one escaping function.
pub use crate::text::printable;

fn is_forbidden_ascii(c: char) -> bool {
    c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '*')
}

fn bad_char_reason(c: char) -> String {
    match c {
        ' ' => "contains a space".into(),
        '/' => "contains '/' (a path, not a host name)".into(),
        ':' => "contains ':' (a port or an IPv6 address, not a host name)".into(),
        '@' => "contains '@' (an email address, not a host name)".into(),
        '_' => "contains '_' (not allowed in certificate names, BR 7.1.4.2.1)".into(),
        c if c.is_control() => format!("contains the control character {}", c.escape_default()),
        c if !c.is_ascii() => {
            format!(
                "contains the non-ASCII character '{}' (IDNs must be written as A-labels, xn--…)",
                printable(&c.to_string())
            )
        }
        c => format!("contains the character '{c}'"),
    }
}

/// The checks BR 7.1.4.2.1 and RFC 1035/5890 impose, in the order that gives
/// the most useful reason first.
fn validate(name: &str) -> Result<DnsName, String> {
    if name.is_empty() {
        return Err("empty name".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| is_forbidden_ascii(*c) || !c.is_ascii())
    {
        return Err(bad_char_reason(c));
    }
    if name.parse::<Ipv4Addr>().is_ok() {
        return Err("an IP address written as a DNS name".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "{} characters long; a DNS name holds at most {MAX_NAME_LEN}",
            name.len()
        ));
    }
    if name.ends_with('.') {
        return Err("ends with a dot".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if label.is_empty() {
            return Err("has an empty label ('..' or a leading dot)".into());
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(format!(
                "label '{}…' is {} characters long; a DNS label holds at most {MAX_LABEL_LEN}",
                &label[..12],
                label.len()
            ));
        }
        if label.contains('*') && (i != 0 || *label != "*") {
            return Err("'*' is allowed only as the whole leftmost label (*.example.com)".into());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label '{label}' starts or ends with a hyphen"));
        }
    }
    if labels.len() == 1 && labels[0] == "*" {
        return Err("a bare '*' is not a name".into());
    }
    let last = labels[labels.len() - 1];
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the top-level label is numeric (an IP address?)".into());
    }
    let base = name.strip_prefix("*.").unwrap_or(name);
    if !base.contains('.') && crate::reserved::why_internal(base).is_some() {
        return Err("a bare single label (an internal name): no public CA can validate it".into());
    }
    if icann_suffix_len(base) >= base.len() {
        return Err(if labels[0] == "*" {
            format!("a wildcard over the public suffix '{base}'")
        } else {
            "a public suffix, which nobody can validate (Public Suffix List)".into()
        });
    }
    Ok(DnsName(name.to_owned()))
}

/// Length of the public suffix of `name` under the ICANN section of the
/// Public Suffix List (with its implicit `*` rule), in bytes.
///
/// The `psl` crate matches both sections at once, so the whole name is looked
/// up (which applies wildcard and exception rules such as `!city.kawasaki.jp`)
/// and, when the match is a private-section suffix (`blogspot.com`), the
/// lookup is repeated on that suffix's parent, which is below an ICANN one.
fn icann_suffix_len(name: &str) -> usize {
    let last_label = name.rsplit('.').next().map_or(0, str::len);
    let mut candidate = name;
    loop {
        let info = List.find(candidate.rsplit('.').map(str::as_bytes));
        match info.typ {
            Some(Type::Icann) => return info.len,
            Some(Type::Private) => {
                let suffix = &candidate[candidate.len() - info.len..];
                match suffix.find('.') {
                    Some(dot) => candidate = &suffix[dot + 1..],
                    None => return last_label,
                }
            }
            None => return last_label,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> DnsName {
        DnsName::from_csr(s).unwrap_or_else(|r| panic!("{s} rejected: {}", r.reason))
    }

    fn reason(s: &str) -> String {
        DnsName::from_csr(s).expect_err(s).reason
    }

    #[test]
    fn lowercases_and_accepts_ordinary_names() {
        assert_eq!(ok("WWW.Example.COM").as_str(), "www.example.com");
        assert_eq!(
            ok("xn--bcher-kva.example").as_str(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn registrable_domain_uses_icann_section() {
        assert_eq!(
            ok("a.b.example.co.uk").registrable_domain(),
            "example.co.uk"
        );
        assert_eq!(ok("www.example.com").registrable_domain(), "example.com");
        assert_eq!(ok("example.com").registrable_domain(), "example.com");
        // blogspot.com is a private-section suffix: the CA uses ICANN only.
        assert_eq!(ok("me.blogspot.com").registrable_domain(), "blogspot.com");
        // Exception and wildcard rules: *.kawasaki.jp, !city.kawasaki.jp.
        assert_eq!(
            ok("www.city.kawasaki.jp").registrable_domain(),
            "city.kawasaki.jp"
        );
        assert_eq!(
            ok("www.city.kawasaki.jp").adn_candidates(),
            vec!["www.city.kawasaki.jp", "city.kawasaki.jp"]
        );
        assert!(reason("foo.kawasaki.jp").contains("public suffix"));
        assert_eq!(
            ok("a.foo.kawasaki.jp").registrable_domain(),
            "a.foo.kawasaki.jp"
        );
        // Unknown TLD: the implicit '*' rule.
        assert_eq!(ok("a.b.internal").registrable_domain(), "b.internal");
    }

    #[test]
    fn adn_candidates_walk_up_to_registrable_domain() {
        assert_eq!(
            ok("a.b.example.co.uk").adn_candidates(),
            vec!["a.b.example.co.uk", "b.example.co.uk", "example.co.uk"]
        );
        assert_eq!(
            ok("*.shop.example.com").adn_candidates(),
            vec!["shop.example.com", "example.com"]
        );
        assert_eq!(ok("example.com").adn_candidates(), vec!["example.com"]);
    }

    #[test]
    fn rejects_public_suffixes() {
        assert!(reason("com").contains("public suffix"));
        assert!(reason("co.uk").contains("public suffix"));
        assert!(reason("*.co.uk").contains("public suffix"));
    }

    #[test]
    fn rejects_bad_characters_with_specific_reasons() {
        assert!(reason("a b.example.com").contains("space"));
        assert!(reason("evil/../x.example.com").contains('/'));
        assert!(reason("example.com:8443").contains("port"));
        assert!(reason("user@example.com").contains("email"));
        assert!(reason("b\u{fc}cher.example.com").contains("non-ASCII"));
        assert!(reason("a_b.example.com").contains('_'));
    }

    #[test]
    fn rejects_structural_problems() {
        assert!(reason("192.0.2.1").contains("IP address"));
        assert!(reason(&format!("{}.example.com", "a".repeat(64))).contains("at most 63"));
        assert!(reason(&format!("{}.com", "a.".repeat(130))).contains("at most 253"));
        assert!(reason("a..b.example.com").contains("empty label"));
        assert!(reason("foo.*.example.com").contains('*'));
        assert!(reason("*foo.example.com").contains('*'));
        assert!(reason("-lead.example.com").contains("hyphen"));
        assert!(reason("trail-.example.com").contains("hyphen"));
        assert!(reason("").contains("empty"));
        assert!(reason("*").contains('*'));
    }

    #[test]
    fn user_input_becomes_a_labels() {
        let n = DnsName::from_user("Bücher.example.com.").unwrap();
        assert_eq!(n.as_str(), "xn--bcher-kva.example.com");
        let w = DnsName::from_user("*.münchen.de").unwrap();
        assert_eq!(w.as_str(), "*.xn--mnchen-3ya.de");
        assert!(DnsName::from_user("a b.example.com").is_err());
    }

    #[test]
    fn flag_hosts_become_a_labels() {
        assert_eq!(
            host_to_ascii("_dnsauth.Bücher.example.").unwrap(),
            "_dnsauth.xn--bcher-kva.example."
        );
        assert_eq!(host_to_ascii("_X.Example.COM").unwrap(), "_x.example.com");
    }

    #[test]
    fn printable_escapes_control_characters() {
        let r = DnsName::from_csr("bad\nname.example.com").unwrap_err();
        assert_eq!(r.name, "bad\\nname.example.com");
    }
}
