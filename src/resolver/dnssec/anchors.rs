//! Trust anchors: where a chain of trust may start. By default the IANA
//! root KSKs (KSK-2017, tag 20326, and KSK-2024, tag 38696, as hickory-proto
//! ships them); `--trust-anchor FILE` replaces them with DS or DNSKEY
//! records in zone-file syntax, for any zone (a lab's own signed zone).

use hickory_proto::dnssec::rdata::{DNSKEY, DS};
use hickory_proto::dnssec::{Algorithm, DigestType, PublicKey, PublicKeyBuf};
use hickory_proto::rr::Name;

/// The keys a chain of trust may start from, by zone.
#[derive(Clone)]
pub struct TrustAnchors {
    /// The IANA root keys (hickory-proto's copy), unless replaced.
    root: Option<hickory_proto::dnssec::TrustAnchors>,
    ds: Vec<(Name, DS)>,
    keys: Vec<(Name, DNSKEY)>,
}

impl std::fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustAnchors")
            .field("root", &self.root.is_some())
            .field("ds", &self.ds.len())
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl TrustAnchors {
    /// The IANA root KSKs.
    pub fn iana_root() -> TrustAnchors {
        TrustAnchors {
            root: Some(hickory_proto::dnssec::TrustAnchors::default()),
            ds: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// Anchors read from zone-file text: `OWNER [TTL] [IN] DS TAG ALG DIGEST-TYPE HEX`
    /// or `OWNER [TTL] [IN] DNSKEY FLAGS 3 ALG BASE64`; `;` starts a comment.
    pub fn parse(text: &str) -> Result<TrustAnchors, String> {
        let mut anchors = TrustAnchors {
            root: None,
            ds: Vec::new(),
            keys: Vec::new(),
        };
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split(';').next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('$') {
                continue;
            }
            let at = |problem: &str| format!("line {}: {problem}", n + 1);
            let words: Vec<&str> = line.split_whitespace().collect();
            let owner = Name::from_ascii(words[0])
                .map_err(|_| at(&format!("{:?} is not a domain name", words[0])))?;
            let owner = if owner.is_fqdn() {
                owner
            } else {
                owner
                    .append_domain(&Name::root())
                    .map_err(|e| at(&e.to_string()))?
            };
            // Skip the optional TTL and class.
            let mut rest = &words[1..];
            while let Some(w) = rest.first() {
                if w.bytes().all(|b| b.is_ascii_digit()) || w.eq_ignore_ascii_case("IN") {
                    rest = &rest[1..];
                } else {
                    break;
                }
            }
            let Some((rtype, fields)) = rest.split_first() else {
                return Err(at("no record type"));
            };
            let num = |s: &str, what: &str| -> Result<u32, String> {
                s.parse::<u32>()
                    .map_err(|_| at(&format!("{what} {s:?} is not a number")))
            };
            match rtype.to_ascii_uppercase().as_str() {
                "DS" => {
                    if fields.len() < 4 {
                        return Err(at("a DS record needs TAG ALGORITHM DIGEST-TYPE DIGEST"));
                    }
                    let tag = u16::try_from(num(fields[0], "key tag")?)
                        .map_err(|_| at("the key tag is larger than 65535"))?;
                    let alg = u8::try_from(num(fields[1], "algorithm")?)
                        .map_err(|_| at("the algorithm is larger than 255"))?;
                    let digest_type = u8::try_from(num(fields[2], "digest type")?)
                        .map_err(|_| at("the digest type is larger than 255"))?;
                    let hex_text: String = fields[3..].concat();
                    let digest =
                        hex::decode(&hex_text).map_err(|_| at("the digest is not hexadecimal"))?;
                    anchors.ds.push((
                        owner,
                        DS::new(
                            tag,
                            Algorithm::from_u8(alg),
                            DigestType::from(digest_type),
                            digest,
                        ),
                    ));
                }
                "DNSKEY" => {
                    if fields.len() < 4 {
                        return Err(at("a DNSKEY record needs FLAGS PROTOCOL ALGORITHM KEY"));
                    }
                    let flags = u16::try_from(num(fields[0], "flags")?)
                        .map_err(|_| at("the flags are larger than 65535"))?;
                    let alg = u8::try_from(num(fields[2], "algorithm")?)
                        .map_err(|_| at("the algorithm is larger than 255"))?;
                    let key_text: String = fields[3..].concat();
                    let key = data_encoding::BASE64
                        .decode(key_text.as_bytes())
                        .map_err(|_| at("the key is not base64"))?;
                    anchors.keys.push((
                        owner,
                        DNSKEY::with_flags(flags, PublicKeyBuf::new(key, Algorithm::from_u8(alg))),
                    ));
                }
                other => {
                    return Err(at(&format!(
                        "{other} is not a trust anchor record (DS or DNSKEY)"
                    )));
                }
            }
        }
        if anchors.ds.is_empty() && anchors.keys.is_empty() {
            return Err("no DS or DNSKEY record".into());
        }
        Ok(anchors)
    }

    /// Adds the anchors of another set (several `--trust-anchor` files).
    pub fn extend(&mut self, other: TrustAnchors) {
        self.ds.extend(other.ds);
        self.keys.extend(other.keys);
        if self.root.is_none() {
            self.root = other.root;
        }
    }

    /// True when a chain may start at `zone`.
    pub fn covers_zone(&self, zone: &Name) -> bool {
        (zone.is_root() && self.root.is_some())
            || self.ds.iter().any(|(n, _)| n == zone)
            || self.keys.iter().any(|(n, _)| n == zone)
    }

    /// True when `key`, a DNSKEY of `zone`, is anchored.
    pub fn trusts(&self, zone: &Name, key: &DNSKEY) -> bool {
        if zone.is_root()
            && let Some(root) = &self.root
            && root.contains(key.public_key() as &dyn PublicKey)
        {
            return true;
        }
        self.keys
            .iter()
            .any(|(n, k)| n == zone && k.public_key() == key.public_key())
            || self
                .ds
                .iter()
                .any(|(n, ds)| n == zone && ds.covers(zone, key).unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_file_lines_are_read() {
        // From a BIND dsset file and a DNSKEY line as dnssec-keygen writes them.
        let text = "\
; lab anchors
example.com. IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
example.net 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=
";
        let a = TrustAnchors::parse(text).unwrap();
        assert_eq!(a.ds.len(), 1);
        assert_eq!(a.keys.len(), 1);
        assert!(a.covers_zone(&Name::from_ascii("example.com.").unwrap()));
        assert!(a.covers_zone(&Name::from_ascii("example.net.").unwrap()));
        assert!(!a.covers_zone(&Name::root()), "a file replaces the root");
        assert!(TrustAnchors::iana_root().covers_zone(&Name::root()));
    }

    #[test]
    fn bad_lines_are_named() {
        for (text, want) in [
            (
                "example.com. IN A 192.0.2.1",
                "line 1: A is not a trust anchor",
            ),
            ("example.com. DS 1 13 2 zz", "line 1: the digest is not hex"),
            ("example.com. DS 1 13", "line 1: a DS record needs"),
            ("", "no DS or DNSKEY record"),
        ] {
            let e = TrustAnchors::parse(text).unwrap_err();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }
}
