//! The persistent DNS TXT method (BR 3.2.2.4.22, ballot SC-088), pure:
//! `_validation-persist.<ADN>. TXT "<issuer>; accounturi=<URI>[;
//! policy=wildcard][; persistUntil=<unix time>]"`, in CAA issue-value
//! syntax (RFC 8659 section 4.2; unknown parameters are ignored). Rendering
//! the record, parsing one, and judging a name's TXT set against what the
//! CA expects. Finding the records (ADN walk, every server) is
//! [`crate::dns::persist`]'s job.

use std::fmt;

use crate::caa::{IssueValueError, parse_issue_value};
use crate::clock::{self, Date};

/// The label the record lives under: `_validation-persist.<ADN>`.
pub const LABEL: &str = "_validation-persist";

/// The record's owner name at an ADN, absolute.
pub fn record_name(adn: &str) -> String {
    format!("{LABEL}.{adn}.")
}

/// What the CA will look for: its issuer domain name and the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistExpect {
    /// Lowercase issuer domain name (the CA's CAA identifier).
    pub issuer: String,
    pub accounturi: String,
    /// A wildcard name's record must carry `policy=wildcard`: only where
    /// the CA's profile says so from a source (BR 3.2.2.4.22 defines no
    /// `policy` parameter; the ACME dns-persist-01 draft does). Otherwise
    /// a wildcard passes without it, with [`wildcard_caveat`].
    pub wildcard_policy_required: bool,
}

impl std::str::FromStr for PersistExpect {
    type Err = String;

    /// `ISSUER=ACCOUNTURI` (`--persist`); the URI may contain `=`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (issuer, uri) = s
            .split_once('=')
            .ok_or_else(|| format!("{s:?} is not ISSUER=ACCOUNTURI"))?;
        Ok(PersistExpect {
            issuer: parse_issuer(issuer)?,
            accounturi: parse_accounturi(uri)?,
            wildcard_policy_required: false,
        })
    }
}

/// `--issuer`: an issuer domain name as CAA writes it (`letsencrypt.org`).
pub fn parse_issuer(raw: &str) -> Result<String, String> {
    let bad = || format!("{raw:?} is not an issuer domain name (e.g. sectigo.com)");
    if raw.contains(';') || raw.trim() != raw {
        return Err(bad());
    }
    match parse_issue_value(raw.as_bytes()) {
        Ok(v) => v.issuer.ok_or_else(bad),
        Err(_) => Err(bad()),
    }
}

/// `--accounturi`: a CAA parameter value (printable ASCII, no space, no `;`).
pub fn parse_accounturi(raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("the account URI is empty".into());
    }
    if let Some(c) = raw.chars().find(|&c| !c.is_ascii_graphic() || c == ';') {
        return Err(format!(
            "{raw:?}: an account URI cannot contain {c:?} (CAA parameter values are printable ASCII without spaces or ';')"
        ));
    }
    Ok(raw.to_owned())
}

/// `--until`: `YYYY-MM-DD` (midnight UTC) or a unix time in seconds.
pub fn parse_until(raw: &str) -> Result<i64, String> {
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw
            .parse()
            .map_err(|_| format!("{raw:?} is too large for a unix time"));
    }
    raw.parse::<Date>()
        .map(Date::unix)
        .map_err(|_| format!("{raw:?} is neither a date YYYY-MM-DD nor a unix time"))
}

/// The record's value, parameters in the order SC-088 shows them.
pub fn render(issuer: &str, accounturi: &str, wildcard: bool, until: Option<i64>) -> String {
    let mut v = format!("{issuer}; accounturi={accounturi}");
    if wildcard {
        v.push_str("; policy=wildcard");
    }
    if let Some(t) = until {
        v.push_str(&format!("; persistUntil={t}"));
    }
    v
}

/// A TXT value in zone-file syntax: quoted, `"` and `\` escaped, split
/// into character-strings of at most 255 bytes (the CA joins them).
pub fn zone_txt(value: &str) -> String {
    value
        .as_bytes()
        .chunks(255)
        .map(|c| {
            let s = String::from_utf8_lossy(c);
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A parsed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistValue {
    pub issuer: String,
    pub accounturi: Option<String>,
    /// `policy=wildcard` (the value compared case-insensitively).
    pub wildcard: bool,
    pub persist_until: Option<i64>,
}

/// Why a TXT value is not a persistent-validation record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The CAA issue-value syntax is broken.
    Syntax(IssueValueError),
    /// `;` alone, or nothing before the first `;`.
    NoIssuer,
    /// `persistUntil` is not a number of seconds.
    BadUntil(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Syntax(e) => e.fmt(f),
            ParseError::NoIssuer => f.write_str("no issuer domain name before the first ';'"),
            ParseError::BadUntil(v) => write!(f, "persistUntil={v} is not a unix time in seconds"),
        }
    }
}

/// Parses a record value (CAA issue-value syntax; unknown parameters are
/// ignored, parameter names are case-insensitive).
pub fn parse(txt: &str) -> Result<PersistValue, ParseError> {
    let v = parse_issue_value(txt.as_bytes()).map_err(ParseError::Syntax)?;
    let issuer = v.issuer.ok_or(ParseError::NoIssuer)?;
    let param = |k: &str| {
        v.parameters
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, val)| val.clone())
    };
    let persist_until = match param("persistuntil") {
        None => None,
        Some(t) => Some(
            t.parse::<u64>()
                .ok()
                .and_then(|n| i64::try_from(n).ok())
                .ok_or(ParseError::BadUntil(t))?,
        ),
    };
    Ok(PersistValue {
        issuer,
        accounturi: param("accounturi"),
        wildcard: param("policy").is_some_and(|p| p.eq_ignore_ascii_case("wildcard")),
        persist_until,
    })
}

/// Why no record of a name's set satisfies the CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    Unparsable { record: String, problem: ParseError },
    WrongIssuer { found: String, expected: String },
    NoAccountUri,
    WrongAccountUri { found: String, expected: String },
    Expired { at: i64 },
    NoWildcardPolicy,
}

impl Mismatch {
    /// How close the record came: the closest one is the one to explain.
    fn rank(&self, expected_issuer: &str) -> u8 {
        match self {
            Mismatch::Expired { .. } => 0,
            Mismatch::NoWildcardPolicy => 1,
            Mismatch::WrongAccountUri { .. } => 2,
            Mismatch::NoAccountUri => 3,
            Mismatch::Unparsable { record, .. } => {
                let head = record.split(';').next().unwrap_or("").trim();
                if head.eq_ignore_ascii_case(expected_issuer) {
                    4
                } else {
                    6
                }
            }
            Mismatch::WrongIssuer { .. } => 5,
        }
    }

    /// The reason, in words.
    pub fn reason(&self) -> String {
        match self {
            Mismatch::Unparsable { record, problem } => {
                format!("the record {record:?} cannot be read: {problem}")
            }
            Mismatch::WrongIssuer { found, expected } => {
                format!("the record names the issuer {found}, not {expected}")
            }
            Mismatch::NoAccountUri => "the record has no accounturi parameter".into(),
            Mismatch::WrongAccountUri { found, expected } => {
                format!("the record's accounturi is {found}, not {expected}")
            }
            Mismatch::Expired { at } => format!(
                "the record expired at {} (persistUntil={at})",
                clock::rfc3339(*at)
            ),
            Mismatch::NoWildcardPolicy => {
                "the record lacks policy=wildcard, which this CA's profile requires for a wildcard name".into()
            }
        }
    }

    /// What to do, given the record that would pass.
    pub fn hint(&self, owner: &str, wanted: &str) -> String {
        let publish = format!("{owner} TXT {}", zone_txt(wanted));
        match self {
            Mismatch::WrongIssuer { found, expected } => format!(
                "the record authorizes {found}; add (or change it to) {publish} for {expected} (several CAs can each have their own record)"
            ),
            Mismatch::WrongAccountUri { .. } | Mismatch::NoAccountUri => format!(
                "the accounturi must be exactly the CA account's URI (case and trailing '/' matter): {publish}"
            ),
            Mismatch::Expired { .. } => {
                format!("raise persistUntil, or drop it for no expiry: {publish}")
            }
            Mismatch::NoWildcardPolicy => format!("add policy=wildcard: {publish}"),
            Mismatch::Unparsable { .. } => format!(
                "write issuer-domain; key=value parameters separated by ';' (CAA issue-value syntax): {publish}"
            ),
        }
    }
}

/// Judges one record against the expectation, `now` in unix seconds.
pub fn judge_one(
    txt: &str,
    expect: &PersistExpect,
    wildcard_name: bool,
    now: i64,
) -> Result<(), Mismatch> {
    let v = parse(txt).map_err(|problem| Mismatch::Unparsable {
        record: txt.to_owned(),
        problem,
    })?;
    if !v.issuer.eq_ignore_ascii_case(&expect.issuer) {
        return Err(Mismatch::WrongIssuer {
            found: v.issuer,
            expected: expect.issuer.clone(),
        });
    }
    match v.accounturi {
        None => return Err(Mismatch::NoAccountUri),
        Some(u) if u != expect.accounturi => {
            return Err(Mismatch::WrongAccountUri {
                found: u,
                expected: expect.accounturi.clone(),
            });
        }
        Some(_) => {}
    }
    if let Some(at) = v.persist_until.filter(|&at| at < now) {
        return Err(Mismatch::Expired { at });
    }
    if wildcard_name && !v.wildcard && expect.wildcard_policy_required {
        return Err(Mismatch::NoWildcardPolicy);
    }
    Ok(())
}

/// The uncertainty a wildcard name passes with when its record lacks
/// `policy=wildcard` and the CA's profile does not require it; `None`
/// when no caveat applies (not a wildcard, the rule is required and so
/// already enforced, or one good record carries the policy).
pub fn wildcard_caveat(
    txts: &[&str],
    expect: &PersistExpect,
    wildcard_name: bool,
    now: i64,
) -> Option<String> {
    if !wildcard_name || expect.wildcard_policy_required {
        return None;
    }
    let strict = PersistExpect {
        wildcard_policy_required: true,
        ..expect.clone()
    };
    if judge(txts, &strict, true, now).is_ok() {
        return None;
    }
    Some(format!(
        "the record has no policy=wildcard: BR 3.2.2.4.22 defines no policy parameter and {}'s profile cites no rule for it, so dcv passes it; an ACME CA following the dns-persist-01 draft requires policy=wildcard for wildcard names",
        expect.issuer
    ))
}

/// Judges a name's TXT set: passes when one record satisfies the CA;
/// otherwise the mismatch of the record that came closest.
pub fn judge(
    txts: &[&str],
    expect: &PersistExpect,
    wildcard_name: bool,
    now: i64,
) -> Result<(), Mismatch> {
    let mut best: Option<Mismatch> = None;
    for t in txts {
        match judge_one(t, expect, wildcard_name, now) {
            Ok(()) => return Ok(()),
            Err(m) => {
                if best
                    .as_ref()
                    .is_none_or(|b| m.rank(&expect.issuer) < b.rank(&expect.issuer))
                {
                    best = Some(m);
                }
            }
        }
    }
    Err(best.unwrap_or(Mismatch::Unparsable {
        record: String::new(),
        problem: ParseError::NoIssuer,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_781_913_605; // 2026-06-20T00:00:05Z

    fn expect() -> PersistExpect {
        "Sectigo.com=https://acme.sectigo.com/acct/42"
            .parse()
            .unwrap()
    }

    fn strict() -> PersistExpect {
        PersistExpect {
            wildcard_policy_required: true,
            ..expect()
        }
    }

    #[test]
    fn policy_wildcard_is_required_only_where_the_profile_says_so() {
        let ok = "sectigo.com; accounturi=https://acme.sectigo.com/acct/42";
        let wild = format!("{ok}; policy=wildcard");
        // Unsourced (the default): a pass, with the caveat.
        assert_eq!(judge(&[ok], &expect(), true, NOW), Ok(()));
        let caveat = wildcard_caveat(&[ok], &expect(), true, NOW).unwrap();
        assert!(caveat.contains("policy=wildcard") && caveat.contains("dns-persist-01"));
        // No caveat when the policy is there, for a plain name, or when
        // another good record of the set carries it.
        assert_eq!(wildcard_caveat(&[&wild], &expect(), true, NOW), None);
        assert_eq!(wildcard_caveat(&[ok], &expect(), false, NOW), None);
        assert_eq!(wildcard_caveat(&[ok, &wild], &expect(), true, NOW), None);
        // Required by the profile: a fail, and no caveat (the rule is enforced).
        assert_eq!(
            judge(&[ok], &strict(), true, NOW),
            Err(Mismatch::NoWildcardPolicy)
        );
        assert_eq!(judge(&[&wild], &strict(), true, NOW), Ok(()));
        assert_eq!(wildcard_caveat(&[ok], &strict(), true, NOW), None);
    }

    #[test]
    fn expectation_and_flags_parse() {
        let e = expect();
        assert_eq!(e.issuer, "sectigo.com");
        assert_eq!(e.accounturi, "https://acme.sectigo.com/acct/42");
        let q: PersistExpect = "ca.example=https://ca.example/a?id=1".parse().unwrap();
        assert_eq!(q.accounturi, "https://ca.example/a?id=1");
        assert!("ca.example".parse::<PersistExpect>().is_err());
        assert!("ca..example=x".parse::<PersistExpect>().is_err());
        assert!("ca.example=".parse::<PersistExpect>().is_err());
        assert!("ca.example=a b".parse::<PersistExpect>().is_err());
        assert!("ca.example=a;b".parse::<PersistExpect>().is_err());
        assert!(parse_issuer("ca.example; x=1").is_err());
        // date -u -d 2027-01-01 +%s
        assert_eq!(parse_until("2027-01-01"), Ok(1_798_761_600));
        assert_eq!(parse_until("1798761600"), Ok(1_798_761_600));
        assert!(parse_until("2027-02-30").is_err());
        assert!(parse_until("soon").is_err());
        assert!(parse_until("99999999999999999999999").is_err());
    }

    #[test]
    fn renders_the_sc088_syntax() {
        assert_eq!(
            render("sectigo.com", "https://a/1", false, None),
            "sectigo.com; accounturi=https://a/1"
        );
        assert_eq!(
            render("sectigo.com", "https://a/1", true, Some(1_798_761_600)),
            "sectigo.com; accounturi=https://a/1; policy=wildcard; persistUntil=1798761600"
        );
        assert_eq!(zone_txt("a\"b\\c"), r#""a\"b\\c""#);
        let long = "x".repeat(300);
        let z = zone_txt(&long);
        assert_eq!(z, format!("\"{}\" \"{}\"", "x".repeat(255), "x".repeat(45)));
    }

    #[test]
    fn parses_with_unknown_parameters_and_any_case() {
        let v =
            parse("Sectigo.COM ; AccountURI=https://a/1;Policy=WILDCARD; persistuntil=5; foo=bar")
                .unwrap();
        assert_eq!(v.issuer, "sectigo.com");
        assert_eq!(v.accounturi.as_deref(), Some("https://a/1"));
        assert!(v.wildcard);
        assert_eq!(v.persist_until, Some(5));
        assert_eq!(parse(";"), Err(ParseError::NoIssuer));
        assert_eq!(
            parse("ca.example; persistUntil=tomorrow"),
            Err(ParseError::BadUntil("tomorrow".into()))
        );
        assert_eq!(
            parse("ca.example; persistUntil=-5"),
            Err(ParseError::BadUntil("-5".into()))
        );
        assert!(matches!(
            parse("ca.example; accounturi"),
            Err(ParseError::Syntax(IssueValueError::Parameter(_)))
        ));
        assert!(!parse("ca.example; policy=strict").unwrap().wildcard);
    }

    #[test]
    fn judging_one_record() {
        let e = expect();
        let ok = "sectigo.com; accounturi=https://acme.sectigo.com/acct/42";
        assert_eq!(judge_one(ok, &e, false, NOW), Ok(()));
        assert_eq!(
            judge_one(ok, &strict(), true, NOW),
            Err(Mismatch::NoWildcardPolicy)
        );
        let wild = format!("{ok}; policy=wildcard");
        assert_eq!(judge_one(&wild, &e, true, NOW), Ok(()));
        assert_eq!(
            judge_one(
                "letsencrypt.org; accounturi=https://acme.sectigo.com/acct/42",
                &e,
                false,
                NOW
            ),
            Err(Mismatch::WrongIssuer {
                found: "letsencrypt.org".into(),
                expected: "sectigo.com".into()
            })
        );
        assert_eq!(
            judge_one(
                "sectigo.com; accounturi=https://acme.sectigo.com/acct/42/",
                &e,
                false,
                NOW
            ),
            Err(Mismatch::WrongAccountUri {
                found: "https://acme.sectigo.com/acct/42/".into(),
                expected: "https://acme.sectigo.com/acct/42".into()
            })
        );
        assert_eq!(
            judge_one("sectigo.com", &e, false, NOW),
            Err(Mismatch::NoAccountUri)
        );
        let expired = format!("{ok}; persistUntil={}", NOW - 1);
        assert_eq!(
            judge_one(&expired, &e, false, NOW),
            Err(Mismatch::Expired { at: NOW - 1 })
        );
        let future = format!("{ok}; persistUntil={}", NOW + 1);
        assert_eq!(judge_one(&future, &e, false, NOW), Ok(()));
        assert!(matches!(
            judge_one("sectigo.com; accounturi=x; accounturi=y", &e, false, NOW),
            Err(Mismatch::Unparsable { .. })
        ));
    }

    #[test]
    fn a_set_passes_on_one_good_record_and_explains_the_closest_miss() {
        let e = expect();
        let good = "sectigo.com; accounturi=https://acme.sectigo.com/acct/42";
        assert_eq!(judge(&["v=spf1 -all", good], &e, false, NOW), Ok(()));
        // Another CA's record and ours with the wrong account: the account is the story.
        let m = judge(
            &[
                "letsencrypt.org; accounturi=https://le/1",
                "sectigo.com; accounturi=https://acme.sectigo.com/acct/7",
            ],
            &e,
            false,
            NOW,
        )
        .unwrap_err();
        assert!(matches!(m, Mismatch::WrongAccountUri { .. }), "{m:?}");
        // Only someone else's record: name both issuers.
        let m = judge(
            &["letsencrypt.org; accounturi=https://le/1"],
            &e,
            false,
            NOW,
        )
        .unwrap_err();
        let reason = m.reason();
        assert!(
            reason.contains("letsencrypt.org") && reason.contains("sectigo.com"),
            "{reason}"
        );
        // A broken record of ours beats a stranger's good one for the explanation.
        let m = judge(
            &["letsencrypt.org; accounturi=x", "sectigo.com; accounturi"],
            &e,
            false,
            NOW,
        )
        .unwrap_err();
        assert!(matches!(m, Mismatch::Unparsable { .. }), "{m:?}");
        assert!(m.reason().contains("malformed parameter"), "{}", m.reason());
        let m = Mismatch::Expired { at: 1_781_913_605 };
        assert!(
            m.reason().contains("2026-06-20T00:00:05Z"),
            "{}",
            m.reason()
        );
    }
}
