//! CSR preflight: will a publicly-trusted CA issue from this request? Each
//! finding names a rule of the Baseline Requirements (or the RFC the CAs
//! apply), says whether the CA will refuse (`error`) or may refuse, or a
//! later step fail (`warning`), and what to do. Pure: no I/O.

use std::net::IpAddr;

use serde::Serialize;

use crate::csr::weak::{FERMAT_ROUNDS, fermat_round, roca_fingerprint};
use crate::csr::{Csr, Curve, Hash, KeyMaterial};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The CA will refuse the request.
    Error,
    /// The CA may refuse it, or a later step will fail.
    Warning,
}

/// One finding: a stable code, its severity, and a sentence saying what is
/// wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The host name an `internal_name` finding is about (`--lab`'s note).
    #[serde(skip)]
    pub name: Option<String>,
}

/// Every code, its severity and the rule it comes from (README's table).
pub const CODES: &[(&str, Severity, &str)] = &[
    (
        "rsa-key-too-small",
        Severity::Error,
        "BR 6.1.5: RSA modulus of at least 2048 bits",
    ),
    (
        "rsa-modulus-not-multiple-of-8",
        Severity::Error,
        "BR 6.1.5: modulus size divisible by 8",
    ),
    (
        "rsa-exponent-invalid",
        Severity::Error,
        "BR 6.1.6: public exponent odd and at least 3",
    ),
    (
        "rsa-exponent-out-of-range",
        Severity::Warning,
        "BR 6.1.6: exponent SHOULD be in 2^16+1 .. 2^256-1",
    ),
    (
        "rsa-fermat-close-primes",
        Severity::Error,
        "BR 6.1.1.3 (4): factorable by Fermat within 100 rounds",
    ),
    (
        "rsa-roca",
        Severity::Error,
        "BR 6.1.1.3 (4): ROCA (CVE-2017-15361)",
    ),
    (
        "ec-curve-not-allowed",
        Severity::Error,
        "BR 6.1.5: P-256, P-384 or P-521 only",
    ),
    (
        "key-type-not-allowed",
        Severity::Error,
        "BR 6.1.5, 7.1.3.1: RSA (rsaEncryption) or ECDSA keys only",
    ),
    (
        "signature-hash-weak",
        Severity::Error,
        "BR 7.1.3.2; CAs refuse MD5 and SHA-1 signed requests",
    ),
    (
        "cn-too-long",
        Severity::Error,
        "RFC 5280 ub-common-name (64); BR 7.1.4.3",
    ),
    (
        "cn-not-in-san",
        Severity::Warning,
        "BR 7.1.4.3: the CN must be one of the SAN values",
    ),
    (
        "ip-address-reserved",
        Severity::Error,
        "BR 7.1.4.3 / 4.2.2: no reserved IP addresses",
    ),
    (
        "ip-address-public",
        Severity::Warning,
        "BR 3.2.2.5: IP addresses need IP validation methods",
    ),
    (
        "no-dns-name",
        Severity::Error,
        "BR 3.2.2.4: DCV validates DNS names",
    ),
    (
        "ct-poison",
        Severity::Error,
        "RFC 6962 3.1: poison only in precertificates",
    ),
    (
        "unknown-critical-extension",
        Severity::Warning,
        "RFC 5280 4.2: unknown critical extension",
    ),
    (
        "duplicate-extension",
        Severity::Error,
        "RFC 5280 4.2: one instance of each extension",
    ),
    (
        "internal_name",
        Severity::Error,
        "BR 4.2.2, 7.1.4.2: no internal or reserved names (RFC 6761, 6762; ICANN)",
    ),
];

fn finding(code: &'static str, message: String) -> Finding {
    let severity = CODES
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or(Severity::Error, |(_, s, _)| *s);
    Finding {
        code,
        severity,
        message,
        name: None,
    }
}

/// True when a finding means the CA will refuse.
pub fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// What a public CA will make of `csr`, in a stable order: key, signature,
/// names, extensions.
pub fn findings(csr: &Csr) -> Vec<Finding> {
    let mut out = Vec::new();
    key_findings(csr, &mut out);
    if let Some(hash @ (Hash::Md5 | Hash::Sha1)) = csr.signature_hash {
        out.push(finding(
            "signature-hash-weak",
            format!(
                "the CSR is signed with {}: CAs refuse requests signed with {}; sign it again with SHA-256 (openssl req -sha256)",
                csr.signature_name,
                hash.name()
            ),
        ));
    }
    name_findings(csr, &mut out);
    extension_findings(csr, &mut out);
    internal_name_findings(csr, &mut out);
    out
}

/// The CSR's host names (CN and SAN dNSNames, as written) under a reserved
/// TLD or a bare single label: one `internal_name` error each.
fn internal_name_findings(csr: &Csr, out: &mut Vec<Finding>) {
    let cn = csr
        .common_name
        .as_deref()
        .filter(|c| c.parse::<IpAddr>().is_err());
    let mut seen: Vec<String> = Vec::new();
    for raw in cn
        .into_iter()
        .chain(csr.san_dns_names.iter().map(String::as_str))
    {
        let lower = raw.to_ascii_lowercase();
        if seen.contains(&lower) {
            continue;
        }
        if let Some(why) = crate::reserved::why_internal(&lower) {
            let name = crate::names::printable(raw);
            out.push(Finding {
                name: Some(name.clone()),
                ..finding(
                    "internal_name",
                    format!(
                        "{name} is an internal name, {why}: a public CA refuses it (BR 4.2.2); use a name under a registered domain, or a private CA (a lab: --lab or DCV_LAB=1)"
                    ),
                )
            });
        }
        seen.push(lower);
    }
}

/// `--lab`: takes the `internal_name` findings out, returning their names
/// (for the one-line note).
pub fn lab_names(findings: &mut Vec<Finding>) -> Vec<String> {
    let mut names = Vec::new();
    findings.retain(|f| match (&f.name, f.code) {
        (Some(name), "internal_name") => {
            names.push(name.clone());
            false
        }
        _ => true,
    });
    names
}

fn key_findings(csr: &Csr, out: &mut Vec<Finding>) {
    let new_key = "make a new key (RSA of 2048 bits or more, or ECDSA P-256) and a new CSR";
    match &csr.key_material {
        KeyMaterial::Rsa { n, e, pss } => {
            let bits = csr.key.bits;
            if *pss {
                out.push(finding(
                    "key-type-not-allowed",
                    "an RSA-PSS key (id-RSASSA-PSS): certificates carry RSA keys as rsaEncryption only (BR 7.1.3.1.1), so CAs refuse it; make the key with openssl genpkey -algorithm RSA and a new CSR".into(),
                ));
            }
            if bits < 2048 {
                out.push(finding(
                    "rsa-key-too-small",
                    format!("an RSA key of {bits} bits: CAs refuse RSA keys under 2048 bits; {new_key}"),
                ));
            } else if !bits.is_multiple_of(8) {
                out.push(finding(
                    "rsa-modulus-not-multiple-of-8",
                    format!("an RSA modulus of {bits} bits: CAs require a size divisible by 8; make a new key of 2048, 3072 or 4096 bits"),
                ));
            }
            rsa_exponent(e, out);
            if let Some(round) = fermat_round(n, FERMAT_ROUNDS) {
                out.push(finding(
                    "rsa-fermat-close-primes",
                    format!(
                        "the RSA key's primes are so close that Fermat's method factors the modulus in {} round{}: anyone can compute the private key and CAs must refuse it; make a new key with a current tool",
                        round + 1,
                        if round == 0 { "" } else { "s" }
                    ),
                ));
            }
            if roca_fingerprint(n) {
                out.push(finding(
                    "rsa-roca",
                    "the RSA modulus has the ROCA fingerprint (CVE-2017-15361, Infineon RSALib): its private key can be computed and CAs must refuse it; make a new key with software or an updated device".into(),
                ));
            }
        }
        KeyMaterial::Ec { curve, .. } => match curve {
            Curve::P256 | Curve::P384 | Curve::P521 => {}
            Curve::Sm2 => out.push(finding(
                "key-type-not-allowed",
                format!("an SM2 key: publicly-trusted CAs issue TLS certificates only for RSA and ECDSA keys; {new_key}"),
            )),
            other => out.push(finding(
                "ec-curve-not-allowed",
                format!(
                    "an EC key on {}: CAs issue only for P-256, P-384 and P-521; make a new key on P-256 or P-384 and a new CSR",
                    other.name()
                ),
            )),
        },
        other => out.push(finding(
            "key-type-not-allowed",
            format!(
                "{} key: publicly-trusted CAs issue TLS certificates only for RSA and ECDSA keys; {new_key}",
                article(&other.describe())
            ),
        )),
    }
}

fn article(name: &str) -> String {
    if name.starts_with("an ") {
        return name.to_owned();
    }
    let vowel_sound = name.starts_with(['E', 'R', 'S', 'a', 'e', 'i', 'o', 'u']);
    format!("{} {name}", if vowel_sound { "an" } else { "a" })
}

fn rsa_exponent(e: &[u8], out: &mut Vec<Finding>) {
    let e_text = if e.len() <= 8 {
        e.iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
            .to_string()
    } else {
        format!("of {} bits", crate::csr::der::bit_len(e))
    };
    let odd = e.last().is_some_and(|b| b % 2 == 1);
    let at_least_3 = e.len() > 1 || e.first().is_some_and(|b| *b >= 3);
    if !odd || !at_least_3 {
        out.push(finding(
            "rsa-exponent-invalid",
            format!("the RSA public exponent {e_text} is even or below 3, which the Baseline Requirements forbid; make a new key (with exponent 65537)"),
        ));
        return;
    }
    // 2^16 + 1 ..= 2^256 − 1
    let bits = crate::csr::der::bit_len(e);
    if !(17..=256).contains(&bits) {
        out.push(finding(
            "rsa-exponent-out-of-range",
            format!("the RSA public exponent {e_text} is outside 2^16+1 to 2^256-1, the range the Baseline Requirements ask for; some CAs refuse it: make a new key with exponent 65537"),
        ));
    }
}

/// Private, shared, loopback, link-local, documentation, benchmarking,
/// multicast and other reserved ranges (IANA special-purpose registries):
/// addresses no CA may put in a publicly-trusted certificate.
fn reserved(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return reserved(IpAddr::V4(v4));
            }
            let s = v6.segments();
            let global_unicast = (s[0] & 0xE000) == 0x2000;
            let documentation = s[0] == 0x2001 && s[1] == 0x0DB8;
            let teredo_orchid_benchmark = s[0] == 0x2001 && s[1] < 0x0200;
            !global_unicast || documentation || teredo_orchid_benchmark || s[0] == 0x2002
        }
    }
}

fn name_findings(csr: &Csr, out: &mut Vec<Finding>) {
    let cn = csr.common_name.as_deref();
    if let Some(cn) = cn {
        let chars = cn.chars().count();
        if chars > 64 {
            out.push(finding(
                "cn-too-long",
                format!("the subject CN is {chars} characters; a certificate's CN holds at most 64, so the CA refuses it: keep the long name in subjectAltName only and make the CN short, or leave it out"),
            ));
        }
        let is_ip = cn.parse::<IpAddr>().is_ok();
        if !is_ip && !csr.san_dns_names.iter().any(|n| n == cn) {
            out.push(finding(
                "cn-not-in-san",
                format!(
                    "the subject CN {} is not among the subjectAltName dNSNames; the CA copies it there or refuses: add it to subjectAltName",
                    crate::names::printable(cn)
                ),
            ));
        }
    }
    for ip in &csr.ip_addresses {
        if reserved(*ip) {
            out.push(finding(
                "ip-address-reserved",
                format!("the IP address {ip} is private or reserved: no public CA can validate it or put it in a certificate; remove it from the CSR"),
            ));
        } else {
            out.push(finding(
                "ip-address-public",
                format!("the IP address {ip} needs the CA's IP address validation (BR 3.2.2.5), which the HTTP file and DNS CNAME do not cover; validate it with the CA's IP method or remove it"),
            ));
        }
    }
    let cn_is_host = cn.is_some_and(|c| c.parse::<IpAddr>().is_err() && !c.trim().is_empty());
    if !cn_is_host && csr.san_dns_names.is_empty() {
        out.push(finding(
            "no-dns-name",
            "the CSR names no DNS host (no CN host name, no subjectAltName dNSName): there is nothing for domain validation; add the host names to subjectAltName".into(),
        ));
    }
}

/// Extensions a CA knows how to read in a request (RFC 5280, CABF, CT,
/// Microsoft enrolment, Netscape and S/MIME).
const KNOWN_EXTENSIONS: &[(&str, &str)] = &[
    ("2.5.29.14", "subjectKeyIdentifier"),
    ("2.5.29.15", "keyUsage"),
    ("2.5.29.17", "subjectAltName"),
    ("2.5.29.18", "issuerAltName"),
    ("2.5.29.19", "basicConstraints"),
    ("2.5.29.30", "nameConstraints"),
    ("2.5.29.31", "cRLDistributionPoints"),
    ("2.5.29.32", "certificatePolicies"),
    ("2.5.29.35", "authorityKeyIdentifier"),
    ("2.5.29.37", "extendedKeyUsage"),
    ("2.5.29.9", "subjectDirectoryAttributes"),
    ("2.5.29.36", "policyConstraints"),
    ("2.5.29.54", "inhibitAnyPolicy"),
    ("1.3.6.1.5.5.7.1.1", "authorityInfoAccess"),
    ("1.3.6.1.5.5.7.1.24", "TLS Feature (OCSP must-staple)"),
    ("1.3.6.1.4.1.11129.2.4.2", "CT SCT list"),
    ("1.3.6.1.4.1.11129.2.4.3", "CT poison"),
    ("1.3.6.1.5.5.7.48.1.5", "OCSP no check"),
    ("2.16.840.1.113730.1.1", "Netscape cert type"),
    ("2.16.840.1.113730.1.13", "Netscape comment"),
    (
        "1.3.6.1.4.1.311.20.2",
        "Microsoft certificate template name",
    ),
    ("1.3.6.1.4.1.311.21.7", "Microsoft certificate template"),
    ("1.3.6.1.4.1.311.21.10", "Microsoft application policies"),
    ("1.2.840.113549.1.9.15", "S/MIME capabilities"),
];

fn extension_name(oid: &str) -> String {
    KNOWN_EXTENSIONS
        .iter()
        .find(|(o, _)| *o == oid)
        .map_or_else(|| format!("with OID {oid}"), |(_, n)| (*n).to_owned())
}

fn extension_findings(csr: &Csr, out: &mut Vec<Finding>) {
    let exts = &csr.extensions;
    if exts.iter().any(|e| e.oid == "1.3.6.1.4.1.11129.2.4.3") {
        out.push(finding(
            "ct-poison",
            "the CSR requests the Certificate Transparency poison extension, which only a CA's precertificate carries; CAs refuse it: make the CSR again without it".into(),
        ));
    }
    for e in exts.iter().filter(|e| e.critical) {
        if !KNOWN_EXTENSIONS.iter().any(|(o, _)| *o == e.oid) {
            out.push(finding(
                "unknown-critical-extension",
                format!(
                    "the CSR requests an unknown extension {} marked critical; the CA drops it or refuses the request: remove it or make it non-critical",
                    extension_name(&e.oid)
                ),
            ));
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, e) in exts.iter().enumerate() {
        if seen.contains(&e.oid.as_str()) {
            continue;
        }
        seen.push(&e.oid);
        let count = 1 + exts[i + 1..].iter().filter(|x| x.oid == e.oid).count();
        if count > 1 {
            out.push(finding(
                "duplicate-extension",
                format!(
                    "the CSR requests the {} extension {count} times; a certificate carries each extension once, so CAs refuse it: make the CSR again with one",
                    extension_name(&e.oid)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_public_addresses() {
        for ip in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "192.0.2.7",
            "198.51.100.1",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "0.1.2.3",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "2001:db8::1",
            "ff02::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(reserved(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.4.4",
        ] {
            assert!(!reserved(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn exponents() {
        let codes = |e: &[u8]| {
            let mut out = Vec::new();
            rsa_exponent(e, &mut out);
            out.iter().map(|f| f.code).collect::<Vec<_>>()
        };
        assert!(codes(&[1, 0, 1]).is_empty(), "65537");
        assert_eq!(codes(&[3]), ["rsa-exponent-out-of-range"]);
        assert_eq!(codes(&[1, 0, 0]), ["rsa-exponent-invalid"]);
        assert_eq!(codes(&[1]), ["rsa-exponent-invalid"]);
        let mut huge = vec![0xFF; 33];
        huge[32] = 1;
        assert_eq!(codes(&huge), ["rsa-exponent-out-of-range"]);
    }

    #[test]
    fn every_code_has_a_rule_and_is_unique() {
        for (i, (code, _, rule)) in CODES.iter().enumerate() {
            assert!(!rule.is_empty());
            assert!(CODES[i + 1..].iter().all(|(c, ..)| c != code), "{code}");
        }
        assert_eq!(
            finding("cn-not-in-san", String::new()).severity,
            Severity::Warning
        );
        assert_eq!(finding("rsa-roca", String::new()).severity, Severity::Error);
    }

    #[test]
    fn articles() {
        assert_eq!(article("Ed25519"), "an Ed25519");
        assert_eq!(article("DSA"), "a DSA");
        assert_eq!(
            article("an unrecognised key type (OID 1.2.3)"),
            "an unrecognised key type (OID 1.2.3)"
        );
    }
}
