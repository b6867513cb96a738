//! Pure diagnosis of a wrong DNS validation record: given what the CA
//! expects and what a server returned, say why they differ in terms a
//! person can fix (another CSR's hash, the uniqueValue, the CA tag, the
//! SHA-256 split, a target the provider made relative).

use crate::artifacts::Expectation;
use crate::ca;
use crate::resolver::normalize;

/// A record found only under the FQDN's CNAME target (`found` at
/// `target`, the alias of `fqdn`): BR 3.2.2.4.7 as amended by ballot SC-101
/// lets a CA follow the name's CNAME to find the ADN, but as an option, so
/// dcv never passes on it and says so.
pub fn cname_step_only(found: &str, target: &str, fqdn: &str, record: &str) -> Diagnosis {
    Diagnosis {
        reason: format!(
            "the record is published at {found}., under {target}. (the CNAME target of {fqdn}.), not at an ADN of the name: BR 3.2.2.4.7 (ballot SC-101) lets a CA follow the name's CNAME, but it is the CA's option, so a CA may or may not use it"
        ),
        hint: format!("publish it at the name's own ADN as well: {record}"),
    }
}

/// Why a found record is not the expected one, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub reason: String,
    pub hint: String,
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A CNAME target that looks like a DCV target but is not the expected one.
pub fn cname_target(exp: &Expectation, found: &str) -> Diagnosis {
    let want = normalize(&exp.cname_target());
    let got = normalize(found);
    // The provider appended the zone: `<target>.example.com.`.
    if let Some(rest) = got.strip_prefix(&format!("{want}.")) {
        return Diagnosis {
            reason: format!(
                "the target is the expected one with \".{rest}\" appended: it was entered without its final dot and the provider made it relative"
            ),
            hint: format!(
                "write the target fully qualified, with the final dot: {}",
                exp.cname_target()
            ),
        };
    }
    let labels: Vec<&str> = got.split('.').collect();
    // Leading hex labels hold the SHA-256, however they are split.
    let mut joined = String::new();
    let mut used = 0;
    for l in &labels {
        if !is_hex(l) || joined.len() + l.len() > 64 {
            break;
        }
        joined.push_str(l);
        used += 1;
        if joined.len() == 64 {
            break;
        }
    }
    let sha = exp.hashes.sha256.to_ascii_lowercase();
    if joined.len() != 64 {
        return Diagnosis {
            reason: format!(
                "the target {found} does not hold a SHA-256 (expected {})",
                exp.cname_target()
            ),
            hint: format!("point the CNAME to {}", exp.cname_target()),
        };
    }
    if joined != sha {
        return Diagnosis {
            reason: format!(
                "the target holds the SHA-256 of another CSR ({}…, this CSR's is {}…)",
                &joined[..16].to_ascii_uppercase(),
                &exp.hashes.sha256[..16]
            ),
            hint: "the record was made for a different CSR (a re-generated key or an earlier order); replace it with this CSR's record".into(),
        };
    }
    let mut reasons = Vec::new();
    let split: Vec<usize> = labels[..used].iter().map(|l| l.len()).collect();
    if split != [32, 32] {
        reasons.push(format!(
            "the SHA-256 is split {} instead of 32/32",
            split
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("/")
        ));
    }
    let rest = &labels[used..];
    let tag = normalize(&exp.tag);
    let tag_len = tag.split('.').count();
    let (token_part, found_tag) = if rest.len() >= tag_len {
        (
            &rest[..rest.len() - tag_len],
            rest[rest.len() - tag_len..].join("."),
        )
    } else {
        (&rest[..0], rest.join("."))
    };
    // A tag of another length (ssl.com vs sectigo.com both have 2 labels,
    // but a reseller tag may not): fall back to "the last two labels".
    let (token_part, found_tag) = if found_tag != tag && rest.len() >= 2 {
        (&rest[..rest.len() - 2], rest[rest.len() - 2..].join("."))
    } else {
        (token_part, found_tag)
    };
    if found_tag != tag {
        if ca::is_sectigo_tag_swap(&tag, &found_tag) {
            reasons.push(format!(
                "the CA tag is {found_tag} where {tag} is expected ({})",
                ca::SECTIGO_TAG_ADVICE
            ));
        } else {
            reasons.push(format!(
                "the CA tag is {found_tag:?} where {tag:?} is expected"
            ));
        }
    }
    let found_token = token_part.join(".");
    let want_token = exp.token.as_ref().map(|t| t.as_str().to_ascii_lowercase());
    match (&want_token, found_token.is_empty()) {
        (Some(w), true) => reasons.push(format!("the uniqueValue is missing (expected {w})")),
        (None, false) => reasons.push(format!(
            "the target carries a uniqueValue {found_token:?} but none was given (--token / DCV_TOKEN)"
        )),
        (Some(w), false) if *w != found_token => reasons.push(format!(
            "the uniqueValue differs: found {found_token:?}, expected {w:?}"
        )),
        _ => {}
    }
    if reasons.is_empty() {
        reasons.push(format!(
            "the target {found} differs from {}",
            exp.cname_target()
        ));
    }
    Diagnosis {
        reason: reasons.join("; "),
        hint: format!("point the CNAME to {}", exp.cname_target()),
    }
}

/// A generic `--cname HOST=TARGET` mismatch.
pub fn generic_cname(expected: &str, found: &str) -> Diagnosis {
    let want = normalize(expected);
    let got = normalize(found);
    if let Some(rest) = got.strip_prefix(&format!("{want}.")) {
        return Diagnosis {
            reason: format!(
                "the target is {want} with \".{rest}\" appended: it was entered without its final dot and the provider made it relative"
            ),
            hint: format!("write the target fully qualified, with the final dot: {want}."),
        };
    }
    Diagnosis {
        reason: format!("points to {found}, expected {want}."),
        hint: format!("point the CNAME to {want}."),
    }
}

/// A TXT record sitting where the CNAME belongs.
pub fn txt_instead_of_cname(exp: &Expectation, qname: &str, txt: &str) -> Diagnosis {
    let holds = txt
        .to_ascii_lowercase()
        .contains(&exp.hashes.sha256.to_ascii_lowercase()[..32]);
    Diagnosis {
        reason: format!(
            "{qname}. has a TXT record ({txt:?}) where the CNAME belongs{}",
            if holds {
                " (it holds this CSR's hash, but the CA looks for a CNAME)"
            } else {
                ""
            }
        ),
        hint: format!(
            "delete the TXT record and create a CNAME: {qname}. CNAME {}",
            exp.cname_target()
        ),
    }
}

/// The record name with the zone appended twice (`_x.example.com.example.com`).
pub fn zone_appended_twice(found_at: &str, should_be: &str, zone: &str) -> Diagnosis {
    Diagnosis {
        reason: format!(
            "the record is at {found_at}. instead of {should_be}.: the zone name {zone} was appended twice"
        ),
        hint: format!(
            "the provider adds the zone to the name you type; enter only the part before .{zone} (or end the name with a dot in a zone file)"
        ),
    }
}

/// A validation record published almost right (found by `near_miss`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NearMiss {
    /// `<MD5>.name` without the leading underscore.
    NoUnderscore { owner: String, found: String },
    /// `_<MD5>.www.name` for the bare name: under the www name instead.
    UnderWww { owner: String, found: String },
    /// The target's hash as a TXT value at the bare name.
    TxtAtBareName { owner: String, found: String },
}

/// What a near-miss record is, and how to move it where the CA looks.
pub fn near_miss(exp: &Expectation, miss: &NearMiss, want_owner: &str) -> Diagnosis {
    let record = format!("{want_owner}. CNAME {}", exp.cname_target());
    match miss {
        NearMiss::NoUnderscore { owner, found } => Diagnosis {
            reason: format!(
                "no CNAME at {want_owner}., but {owner}. (without the leading underscore) has {found}"
            ),
            hint: format!(
                "the record name starts with an underscore: create {record} (and delete the record at {owner}.)"
            ),
        },
        NearMiss::UnderWww { owner, found } => Diagnosis {
            reason: format!(
                "no CNAME at {want_owner}., but {owner}. (under the www name) has {found}"
            ),
            hint: format!(
                "the record for the bare name sits at the bare name, not under www (a www record validates www only): create {record}"
            ),
        },
        NearMiss::TxtAtBareName { owner, found } => {
            let lower = found.contains(&exp.hashes.sha256.to_ascii_lowercase()[..32]);
            Diagnosis {
                reason: format!(
                    "no CNAME at {want_owner}., but {owner}. has a TXT record holding this CSR's hash ({}){}",
                    crate::text::printable_max(found, 80),
                    if lower { ", in lower case" } else { "" }
                ),
                hint: format!(
                    "the CNAME method needs a CNAME record at the underscore name, not a TXT at the name itself: create {record} (the TXT at {owner}. can go)"
                ),
            }
        }
    }
}

/// Where a `--txt HOST=VALUE` value was found instead of HOST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxtNearMiss {
    AtBareName { owner: String },
    NoUnderscore { owner: String },
    AtBaseDomain { owner: String },
}

impl TxtNearMiss {
    pub fn owner(&self) -> &str {
        match self {
            TxtNearMiss::AtBareName { owner }
            | TxtNearMiss::NoUnderscore { owner }
            | TxtNearMiss::AtBaseDomain { owner } => owner,
        }
    }
}

/// A `--txt` value published at another owner than HOST.
pub fn txt_near_miss(host: &str, value: &str, miss: &TxtNearMiss) -> Diagnosis {
    let (owner, how) = match miss {
        TxtNearMiss::AtBareName { owner } => {
            (owner, "at the bare name, without the record's own label")
        }
        TxtNearMiss::NoUnderscore { owner } => (owner, "without the leading underscore"),
        TxtNearMiss::AtBaseDomain { owner } => (owner, "at the base domain instead of the name"),
    };
    Diagnosis {
        reason: format!("no TXT with {value:?} at {host}., but {owner}. ({how}) has it"),
        hint: format!(
            "the CA asks {host}. exactly: publish the TXT record there (the record name includes its leading _label; a DNS panel usually wants only the part before the zone), and delete the one at {owner}."
        ),
    }
}

/// Addresses at a name where a CNAME was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flattened {
    pub addresses: Vec<String>,
    /// They are the CNAME target's own addresses: synthesized from it.
    pub the_targets: bool,
}

/// A `--cname HOST=TARGET` missing where HOST has addresses.
pub fn flattened(host: &str, target: &str, f: &Flattened) -> Diagnosis {
    let list = f.addresses.join(", ");
    if f.the_targets {
        Diagnosis {
            reason: format!(
                "no CNAME at {host}., but it answers with {target}'s own addresses ({list}): the DNS provider synthesizes them from the CNAME (ALIAS / ANAME / CNAME flattening), so the CA sees A/AAAA records, not the CNAME"
            ),
            hint: format!(
                "turn off CNAME flattening (or the ALIAS record) for {host} so that it answers with the CNAME itself (Cloudflare: flatten only at the apex, and a CNAME at the apex is always flattened: validate a name below it or use the TXT method)"
            ),
        }
    } else {
        Diagnosis {
            reason: format!(
                "no CNAME at {host}., which has address records ({list}) instead (an A/AAAA record, or an ALIAS the provider resolves)"
            ),
            hint: format!(
                "a name with A/AAAA records cannot also have a CNAME: replace them with {host}. CNAME {target} (or, at a zone apex, use the TXT method)"
            ),
        }
    }
}

/// How long a resolver that cached a miss keeps it (RFC 2308), in words.
pub fn negative_caching(zone: &str, ttl: u32) -> String {
    let span = if ttl >= 3600 && ttl.is_multiple_of(3600) {
        format!("{} h", ttl / 3600)
    } else if ttl >= 60 && ttl.is_multiple_of(60) {
        format!("{} min", ttl / 60)
    } else {
        format!("{ttl} s")
    };
    format!(
        "zone {zone} has a negative-caching TTL of {ttl}s (SOA minimum, capped by the SOA's own TTL): a resolver that asked before the record existed keeps the miss for up to {span}, so the CA may see it only after that"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::Hashes;

    const MD5: &str = "0123456789ABCDEF0123456789ABCDEF";
    const SHA: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn exp(tag: &str, token: Option<&str>) -> Expectation {
        Expectation {
            hashes: Hashes {
                md5: MD5.into(),
                sha256: SHA.into(),
            },
            tag: tag.into(),
            token: token.map(|t| t.parse().unwrap()),
        }
    }

    #[test]
    fn relative_target() {
        let d = cname_target(
            &exp("sectigo.com", None),
            &format!("{A}.{B}.sectigo.com.example.com."),
        );
        assert!(d.reason.contains("made it relative"), "{d:?}");
        assert!(d.reason.contains(".example.com"));
    }

    #[test]
    fn another_csr() {
        let other = "c".repeat(32);
        let d = cname_target(
            &exp("sectigo.com", None),
            &format!("{other}.{other}.sectigo.com."),
        );
        assert!(d.reason.contains("another CSR"), "{d:?}");
    }

    #[test]
    fn split_tag_and_token() {
        let e = exp("sectigo.com", None);
        let d = cname_target(&e, &format!("{}.{}.sectigo.com.", &SHA[..40], &SHA[40..]));
        assert!(d.reason.contains("split 40/24"), "{d:?}");
        let d = cname_target(&e, &format!("{A}.{B}.comodoca.com."));
        assert!(d.reason.contains("comodoca.com where sectigo.com"), "{d:?}");
        let d = cname_target(&exp("comodoca.com", None), &format!("{A}.{B}.sectigo.com."));
        assert!(d.reason.contains("sectigo.com where comodoca.com"), "{d:?}");
        let d = cname_target(
            &exp("sectigo.com", Some("Tok1")),
            &format!("{A}.{B}.sectigo.com."),
        );
        assert!(
            d.reason.contains("uniqueValue is missing (expected tok1)"),
            "{d:?}"
        );
        let d = cname_target(
            &exp("sectigo.com", Some("Tok1")),
            &format!("{A}.{B}.other2.sectigo.com."),
        );
        assert!(
            d.reason.contains("found \"other2\", expected \"tok1\""),
            "{d:?}"
        );
        let d = cname_target(&e, &format!("{A}.{B}.extra.sectigo.com."));
        assert!(d.reason.contains("none was given"), "{d:?}");
    }

    #[test]
    fn garbage_targets_do_not_panic() {
        let e = exp("sectigo.com", Some("x"));
        for t in ["", ".", "a", "ffff.", "..", &"f".repeat(200), "é.ü."] {
            let _ = cname_target(&e, t);
            let _ = generic_cname("x.example.", t);
        }
    }

    #[test]
    fn negative_ttl_words() {
        assert!(negative_caching("example.com", 300).contains("5 min"));
        assert!(negative_caching("example.com", 3600).contains("1 h"));
        assert!(negative_caching("example.com", 42).contains("42 s"));
    }
}
