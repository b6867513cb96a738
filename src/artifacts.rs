//! The validation artifacts a CA checks, rendered exactly: the HTTP file
//! (BR 3.2.2.4.18), the DNS CNAME (BR 3.2.2.4.7) and the approver addresses
//! (BR 3.2.2.4.4). Pure functions of the hashes, the CA tag and the token.

use std::str::FromStr;

use serde::Serialize;
use thiserror::Error;

use crate::ca::Token;
use crate::names::DnsName;

/// Directory below the web root that BR 3.2.2.4.18 reserves.
pub const PKI_VALIDATION_DIR: &str = ".well-known/pki-validation";

/// The role accounts BR 3.2.2.4.4 allows, in the order CAs list them.
pub const APPROVER_LOCAL_PARTS: [&str; 5] = [
    "admin",
    "administrator",
    "hostmaster",
    "postmaster",
    "webmaster",
];

/// MD5 and SHA-256 of the CSR's DER, uppercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashes {
    pub md5: String,
    pub sha256: String,
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("must be {expected} hex characters (got {got})")]
pub struct HexError {
    expected: usize,
    got: String,
}

/// A hex digest given on the command line (`--md5`, `--sha256`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HexDigest<const N: usize>(String);

impl<const N: usize> FromStr for HexDigest<N> {
    type Err = HexError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == N && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(HexDigest(s.to_ascii_uppercase()))
        } else {
            Err(HexError {
                expected: N,
                got: format!("{} characters", s.chars().count()),
            })
        }
    }
}

impl<const N: usize> HexDigest<N> {
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Everything an artifact depends on.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub hashes: Hashes,
    pub tag: String,
    pub token: Option<Token>,
}

impl Expectation {
    /// `.well-known/pki-validation/<MD5>.txt`, relative to the web root.
    pub fn file_path(&self) -> String {
        format!("{PKI_VALIDATION_DIR}/{}.txt", self.hashes.md5)
    }

    /// `<SHA256>\n<tag>[\n<token>]`, LF, no trailing newline.
    pub fn file_body(&self) -> String {
        let mut body = format!("{}\n{}", self.hashes.sha256, self.tag);
        if let Some(token) = &self.token {
            body.push('\n');
            body.push_str(token.as_str());
        }
        body
    }

    pub fn file_url(&self, scheme: &str, host: &str) -> String {
        format!("{scheme}://{host}/{}", self.file_path())
    }

    /// `_<MD5>.<adn>.`
    pub fn cname_name(&self, adn: &str) -> String {
        format!("_{}.{adn}.", self.hashes.md5)
    }

    /// `<SHA256[0..32]>.<SHA256[32..64]>.[<token>.]<tag>.`
    pub fn cname_target(&self) -> String {
        let (a, b) = self.hashes.sha256.split_at(32);
        match &self.token {
            Some(token) => format!("{a}.{b}.{token}.{}.", self.tag),
            None => format!("{a}.{b}.{}.", self.tag),
        }
    }
}

/// An HTTP file to publish for one name.
#[derive(Debug, Clone, Serialize)]
pub struct HttpFile {
    pub domain: String,
    pub path: String,
    pub url: String,
    pub body: String,
}

/// A name the artifact cannot serve, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub domain: String,
    pub reason: String,
}

/// The HTTP files for `domains`; wildcards are skipped because BR 3.2.2.4.18
/// cannot validate them.
pub fn plan_files(exp: &Expectation, domains: &[DnsName]) -> (Vec<HttpFile>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for d in domains {
        if d.is_wildcard() {
            skipped.push(Skipped {
                domain: d.to_string(),
                reason: "the HTTP file method cannot validate a wildcard name (BR 3.2.2.4.18); use the DNS CNAME".into(),
            });
        } else {
            files.push(HttpFile {
                domain: d.to_string(),
                path: exp.file_path(),
                url: exp.file_url("http", d.as_str()),
                body: exp.file_body(),
            });
        }
    }
    (files, skipped)
}

/// Where CNAME records go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CnamePlacement {
    /// One record at each registrable domain (covers every name below it)
    #[default]
    Base,
    /// One record per name (at the name, `*.` removed)
    Fqdn,
}

/// A CNAME record to publish and the names it validates.
#[derive(Debug, Clone, Serialize)]
pub struct CnameRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: &'static str,
    pub target: String,
    pub covers: Vec<String>,
}

/// The CNAME records for `domains`, in the order their first name appears.
pub fn plan_cnames(
    exp: &Expectation,
    domains: &[DnsName],
    placement: CnamePlacement,
) -> Vec<CnameRecord> {
    let mut records: Vec<CnameRecord> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let target = exp.cname_target();
    for d in domains {
        let adn = match placement {
            CnamePlacement::Base => d.registrable_domain(),
            CnamePlacement::Fqdn => d.base(),
        };
        let i = *index.entry(adn.to_owned()).or_insert_with(|| {
            records.push(CnameRecord {
                name: exp.cname_name(adn),
                rtype: "CNAME",
                target: target.clone(),
                covers: Vec::new(),
            });
            records.len() - 1
        });
        records[i].covers.push(d.to_string());
    }
    records
}

/// Approver addresses at one ADN of a name.
#[derive(Debug, Clone, Serialize)]
pub struct ApproverEmails {
    pub domain: String,
    pub adn: String,
    pub addresses: Vec<String>,
}

/// Every ADN of every name, with its five role addresses.
pub fn approver_emails(domains: &[DnsName]) -> Vec<ApproverEmails> {
    domains
        .iter()
        .flat_map(|d| {
            d.adn_candidates()
                .into_iter()
                .map(move |adn| ApproverEmails {
                    domain: d.to_string(),
                    adn: adn.to_owned(),
                    addresses: APPROVER_LOCAL_PARTS
                        .iter()
                        .map(|local| format!("{local}@{adn}"))
                        .collect(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "0123456789ABCDEF0123456789ABCDEF";
    const SHA: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

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

    fn names(list: &[&str]) -> Vec<DnsName> {
        list.iter().map(|n| DnsName::from_csr(n).unwrap()).collect()
    }

    #[test]
    fn file_body_has_no_trailing_newline() {
        assert_eq!(
            exp("sectigo.com", None).file_body(),
            format!("{SHA}\nsectigo.com")
        );
        assert_eq!(
            exp("ssl.com", Some("abc123")).file_body(),
            format!("{SHA}\nssl.com\nabc123")
        );
        assert_eq!(
            exp("sectigo.com", None).file_path(),
            format!(".well-known/pki-validation/{MD5}.txt")
        );
    }

    #[test]
    fn cname_target_splits_sha256() {
        let a = "A".repeat(32);
        let b = "B".repeat(32);
        assert_eq!(
            exp("sectigo.com", None).cname_target(),
            format!("{a}.{b}.sectigo.com.")
        );
        assert_eq!(
            exp("comodoca.com", Some("Tok3n")).cname_target(),
            format!("{a}.{b}.Tok3n.comodoca.com.")
        );
        assert_eq!(
            exp("x", None).cname_name("example.com"),
            format!("_{MD5}.example.com.")
        );
    }

    #[test]
    fn wildcards_are_skipped_for_files() {
        let (files, skipped) = plan_files(
            &exp("sectigo.com", None),
            &names(&["*.example.com", "example.com"]),
        );
        assert_eq!(files.len(), 1);
        assert_eq!(
            files[0].url,
            format!("http://example.com/.well-known/pki-validation/{MD5}.txt")
        );
        assert_eq!(skipped[0].domain, "*.example.com");
    }

    #[test]
    fn cname_base_groups_by_registrable_domain() {
        let domains = names(&[
            "www.example.com",
            "example.com",
            "a.example.co.uk",
            "*.example.com",
        ]);
        let recs = plan_cnames(&exp("sectigo.com", None), &domains, CnamePlacement::Base);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].name, format!("_{MD5}.example.com."));
        assert_eq!(
            recs[0].covers,
            ["www.example.com", "example.com", "*.example.com"]
        );
        assert_eq!(recs[1].name, format!("_{MD5}.example.co.uk."));
        let per_name = plan_cnames(&exp("sectigo.com", None), &domains, CnamePlacement::Fqdn);
        // *.example.com shares example.com's record.
        assert_eq!(per_name.len(), 3);
        assert_eq!(per_name[1].covers, ["example.com", "*.example.com"]);
    }

    #[test]
    fn emails_cover_every_adn() {
        let e = approver_emails(&names(&["a.b.example.com"]));
        let adns: Vec<_> = e.iter().map(|x| x.adn.as_str()).collect();
        assert_eq!(adns, ["a.b.example.com", "b.example.com", "example.com"]);
        assert_eq!(e[2].addresses[0], "admin@example.com");
        assert_eq!(e[2].addresses.len(), 5);
    }

    #[test]
    fn hex_digest_parsing() {
        let d: HexDigest<32> = MD5.to_lowercase().parse().unwrap();
        assert_eq!(d.into_string(), MD5);
        assert!("abc".parse::<HexDigest<32>>().is_err());
        assert!("g".repeat(32).parse::<HexDigest<32>>().is_err());
    }
}
