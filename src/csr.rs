//! CSR decoding: PEM or DER bytes in, the DER the CA hashes and the facts
//! `dcv` needs out (names, key, signature status). No I/O here.
//!
//! The CA hashes the DER of the request exactly as submitted, so the DER is
//! kept byte for byte; re-encoding would change the hashes.

use md5::{Digest, Md5};
use serde::Serialize;
use sha2::Sha256;
use thiserror::Error;
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::nom;
use x509_parser::oid_registry;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use crate::names::{DnsName, Rejection};

/// Largest input `dcv` reads; a CSR is a few KiB even with hundreds of SANs.
pub const MAX_INPUT: usize = 1024 * 1024;

/// Why bytes are not a usable CSR. The message is the second half of the
/// one-line error `FILE: message`.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CsrError {
    #[error("empty input")]
    Empty,
    #[error("the CSR names no host: no subject CN and no SAN dNSName")]
    NoNames,
    #[error("larger than 1 MiB; a CSR is a few KiB")]
    TooLarge,
    #[error("this is a certificate, not a certificate request (CSR)")]
    Certificate,
    #[error("this is a private key, not a certificate request (CSR); keep it secret")]
    PrivateKey,
    #[error("this is a public key, not a certificate request (CSR)")]
    PublicKey,
    #[error("unexpected PEM block '{0}'; expected CERTIFICATE REQUEST")]
    OtherPem(String),
    #[error("broken PEM: {0}")]
    BrokenPem(String),
    #[error("not a PKCS#10 certificate request: {0}")]
    NotPkcs10(String),
    #[error("truncated: the DER structure ends early")]
    Truncated,
    #[error("more than one certificate request in one input; give one per file")]
    SeveralCsrs,
    #[error("{0} bytes of trailing data after the certificate request")]
    TrailingData(usize),
    #[error(
        "neither PEM (no -----BEGIN CERTIFICATE REQUEST----- line) nor a DER certificate request"
    )]
    Unrecognized,
    #[error(
        "the self-signature does not verify ({0}); the CA will refuse this CSR (--no-verify-signature to go on)"
    )]
    BadSignature(String),
    #[error(
        "the self-signature cannot be checked: dcv cannot verify {0} (--no-verify-signature to go on)"
    )]
    UncheckedSignature(String),
}

/// Outcome of checking the CSR's self-signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    Valid,
    Invalid(String),
    /// The signature could not be checked; the reason names what dcv
    /// cannot verify.
    Unsupported(String),
}

impl Signature {
    pub fn is_valid(&self) -> bool {
        matches!(self, Signature::Valid)
    }
}

/// Public key facts shown to the user and kept in the JSON report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub algorithm: String,
    pub bits: usize,
}

/// A decoded certificate request.
#[derive(Debug, Clone)]
pub struct Csr {
    pub der: Vec<u8>,
    pub md5: String,
    pub sha256: String,
    pub common_name: Option<String>,
    /// CN first, then SAN dNSNames; lowercased and deduplicated.
    pub domains: Vec<DnsName>,
    pub rejected: Vec<Rejection>,
    pub key: KeyInfo,
    pub signature_algorithm: String,
    pub signature: Signature,
    /// Non-fatal remarks (e.g. a private key found beside the CSR).
    pub warnings: Vec<String>,
}

/// Decodes PEM or DER bytes into a [`Csr`].
pub fn parse(input: &[u8]) -> Result<Csr, CsrError> {
    if input.len() > MAX_INPUT {
        return Err(CsrError::TooLarge);
    }
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(CsrError::Empty);
    }
    let looks_der = input.first() == Some(&0x30);
    // A DER CSR may hold "-----BEGIN" in its subject: try DER first.
    if looks_der && X509CertificationRequest::from_der(input).is_ok() {
        return decode_der(input);
    }
    let mut warnings = Vec::new();
    let der = match armoured_lines(input) {
        Some(armour) => der_from_pem(&armour, &mut warnings)?,
        None if looks_der => input.to_vec(),
        None => return Err(CsrError::Unrecognized),
    };
    let mut csr = decode_der(&der)?;
    csr.warnings.extend(warnings);
    Ok(csr)
}

/// The lines from each `-----BEGIN` line to its `-----END` line, so that
/// text around the armour (even text quoting a `-----BEGIN`, as
/// `openssl req -text` prints a subject) never reaches the PEM parser.
fn armoured_lines(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in input.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.starts_with(b"-----BEGIN ") {
            inside = true;
        }
        if inside {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        if line.starts_with(b"-----END ") {
            inside = false;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn der_from_pem(input: &[u8], warnings: &mut Vec<String>) -> Result<Vec<u8>, CsrError> {
    let blocks = pem::parse_many(input).map_err(|e| CsrError::BrokenPem(pem_error(&e)))?;
    if blocks.is_empty() {
        return Err(CsrError::BrokenPem(
            "a -----BEGIN line without a matching -----END line".into(),
        ));
    }
    let mut csrs = Vec::new();
    let mut others = Vec::new();
    for block in blocks {
        match block.tag() {
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => csrs.push(block.into_contents()),
            tag => others.push(tag.to_owned()),
        }
    }
    match csrs.len() {
        0 => Err(classify_tag(&others[0])),
        1 => {
            if others.iter().any(|t| t.ends_with("PRIVATE KEY")) {
                warnings.push(
                    "the input also holds a private key; never send it to a CA or reseller".into(),
                );
            }
            Ok(csrs.pop().expect("one CSR"))
        }
        _ => Err(CsrError::SeveralCsrs),
    }
}

fn pem_error(e: &pem::PemError) -> String {
    match e {
        pem::PemError::InvalidData(_) => "the base64 body is not valid base64".into(),
        pem::PemError::MismatchedTags(a, b) => {
            format!("BEGIN {a} does not match END {b}")
        }
        pem::PemError::MissingBeginTag | pem::PemError::MissingEndTag => {
            "a -----BEGIN line without a matching -----END line".into()
        }
        other => other.to_string(),
    }
}

fn classify_tag(tag: &str) -> CsrError {
    match tag {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => CsrError::Certificate,
        t if t.ends_with("PRIVATE KEY") => CsrError::PrivateKey,
        t if t.ends_with("PUBLIC KEY") => CsrError::PublicKey,
        t => CsrError::OtherPem(t.to_owned()),
    }
}

fn decode_der(der: &[u8]) -> Result<Csr, CsrError> {
    let (rest, req) = match X509CertificationRequest::from_der(der) {
        Ok(ok) => ok,
        Err(nom::Err::Incomplete(_)) => return Err(CsrError::Truncated),
        Err(e) => return Err(diagnose_non_csr(der, e)),
    };
    // A newline after DER (from `echo` or an editor) is harmless, as for openssl.
    if !rest.is_empty() && !rest.iter().all(u8::is_ascii_whitespace) {
        if X509CertificationRequest::from_der(rest).is_ok() {
            return Err(CsrError::SeveralCsrs);
        }
        return Err(CsrError::TrailingData(rest.len()));
    }
    let der = req.as_raw().to_vec();
    let key = key_info(&req);
    let signature = check_signature(&req, &key);
    let (common_name, domains, rejected) = collect_names(&req);
    Ok(Csr {
        md5: hex::encode_upper(Md5::digest(&der)),
        sha256: hex::encode_upper(Sha256::digest(&der)),
        der,
        common_name,
        domains,
        rejected,
        key,
        signature_algorithm: signature_algorithm_name(&req),
        signature,
        warnings: Vec::new(),
    })
}

/// Turns a parse failure into the most helpful reason: a certificate is told
/// apart, a short read is "truncated".
fn diagnose_non_csr(der: &[u8], err: nom::Err<x509_parser::error::X509Error>) -> CsrError {
    if X509Certificate::from_der(der).is_ok() {
        return CsrError::Certificate;
    }
    if let Some(kind) = key_structure(der) {
        return kind;
    }
    if declared_len(der).is_some_and(|n| n > der.len()) {
        return CsrError::Truncated;
    }
    let detail = match err {
        nom::Err::Error(e) | nom::Err::Failure(e) => e.to_string(),
        nom::Err::Incomplete(_) => return CsrError::Truncated,
    };
    CsrError::NotPkcs10(detail)
}

/// Recognises DER keys by the shape of their outer SEQUENCE: PKCS#8
/// (`0, AlgorithmIdentifier, OCTET STRING`), PKCS#1 RSA (`0, n, e, d, …`),
/// SEC1 EC (`1, OCTET STRING, …`) private keys, and SubjectPublicKeyInfo.
fn key_structure(der: &[u8]) -> Option<CsrError> {
    use x509_parser::der_parser::ber::Tag;
    use x509_parser::der_parser::der::parse_der;
    let (_, outer) = parse_der(der).ok()?;
    let items = outer.as_sequence().ok()?;
    let tags: Vec<Tag> = items.iter().map(|o| o.header.tag()).collect();
    let version = items.first().and_then(|o| o.as_u32().ok());
    match (tags.as_slice(), version) {
        ([Tag::Integer, Tag::Sequence, Tag::OctetString, ..], Some(0 | 1)) => {
            Some(CsrError::PrivateKey)
        }
        ([Tag::Integer, Tag::Integer, Tag::Integer, Tag::Integer, ..], Some(0 | 1)) => {
            Some(CsrError::PrivateKey)
        }
        ([Tag::Integer, Tag::OctetString, ..], Some(1)) => Some(CsrError::PrivateKey),
        ([Tag::Sequence, Tag::BitString], _) => Some(CsrError::PublicKey),
        _ => None,
    }
}

/// Total length (header + content) the outer DER SEQUENCE claims, if readable.
fn declared_len(der: &[u8]) -> Option<usize> {
    if der.len() < 2 || der[0] != 0x30 {
        return None;
    }
    let first = der[1] as usize;
    if first < 0x80 {
        return Some(2 + first);
    }
    let n = first & 0x7f;
    if n == 0 || n > 4 || der.len() < 2 + n {
        return None;
    }
    let len = der[2..2 + n]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | *b as usize);
    Some(2 + n + len)
}

/// Verifies the self-signature, telling "wrong" from "cannot be checked":
/// ring verifies RSA keys of 2048–8192 bits only, and RSA-PSS only with a
/// salt as long as the hash.
fn check_signature(req: &X509CertificationRequest<'_>, key: &KeyInfo) -> Signature {
    use x509_parser::error::X509Error;
    use x509_parser::signature_algorithm::RsaSsaPssParams;
    if key.algorithm.starts_with("rsa") && !(2048..=8192).contains(&key.bits) {
        return Signature::Unsupported(format!(
            "an RSA key of {} bits (dcv verifies 2048 to 8192 bits; CAs require at least 2048)",
            key.bits
        ));
    }
    if req.signature_algorithm.algorithm == oid_registry::OID_PKCS1_RSASSAPSS {
        let params = req.signature_algorithm.parameters.as_ref();
        if let Some(p) = params.and_then(|p| RsaSsaPssParams::try_from(p).ok()) {
            let hash = p.hash_algorithm_oid();
            let hash_len = if *hash == oid_registry::OID_NIST_HASH_SHA256 {
                32
            } else if *hash == oid_registry::OID_NIST_HASH_SHA384 {
                48
            } else if *hash == oid_registry::OID_NIST_HASH_SHA512 {
                64
            } else {
                0
            };
            if p.salt_length() != hash_len {
                return Signature::Unsupported(format!(
                    "RSA-PSS with a {}-byte salt (dcv verifies a salt as long as the hash)",
                    p.salt_length()
                ));
            }
        }
    }
    match req.verify_signature() {
        Ok(()) => Signature::Valid,
        Err(X509Error::SignatureUnsupportedAlgorithm) => {
            Signature::Unsupported(format!("{} signatures", signature_algorithm_name(req)))
        }
        Err(_) => Signature::Invalid("signature mismatch".into()),
    }
}

fn signature_algorithm_name(req: &X509CertificationRequest<'_>) -> String {
    use oid_registry::*;
    // The algorithms CSRs use, named as openssl names them; a lookup table
    // rather than OidRegistry, which builds a map of every OID at each call.
    const NAMES: &[(&Oid<'static>, &str)] = &[
        (&OID_PKCS1_SHA256WITHRSA, "sha256WithRSAEncryption"),
        (&OID_PKCS1_SHA384WITHRSA, "sha384WithRSAEncryption"),
        (&OID_PKCS1_SHA512WITHRSA, "sha512WithRSAEncryption"),
        (&OID_PKCS1_SHA1WITHRSA, "sha1WithRSAEncryption"),
        (&OID_PKCS1_RSASSAPSS, "rsassa-pss"),
        (&OID_SIG_ECDSA_WITH_SHA256, "ecdsa-with-SHA256"),
        (&OID_SIG_ECDSA_WITH_SHA384, "ecdsa-with-SHA384"),
        (&OID_SIG_ECDSA_WITH_SHA512, "ecdsa-with-SHA512"),
        (&OID_SIG_ED25519, "Ed25519"),
        (&OID_SIG_ED448, "Ed448"),
    ];
    let oid = &req.signature_algorithm.algorithm;
    NAMES
        .iter()
        .find(|(known, _)| *known == oid)
        .map_or_else(|| oid.to_id_string(), |(_, name)| (*name).to_owned())
}

fn key_info(req: &X509CertificationRequest<'_>) -> KeyInfo {
    let spki = &req.certification_request_info.subject_pki;
    let alg = &spki.algorithm.algorithm;
    if *alg == oid_registry::OID_SIG_ED25519 {
        return KeyInfo {
            algorithm: "ed25519".into(),
            bits: 256,
        };
    }
    if *alg == oid_registry::OID_SIG_ED448 {
        return KeyInfo {
            algorithm: "ed448".into(),
            bits: 456,
        };
    }
    if *alg == oid_registry::OID_PKCS1_RSASSAPSS {
        use x509_parser::public_key::RSAPublicKey;
        let bits =
            RSAPublicKey::from_der(&spki.subject_public_key.data).map_or(0, |(_, k)| k.key_size());
        return KeyInfo {
            algorithm: "rsa-pss".into(),
            bits,
        };
    }
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => KeyInfo {
            algorithm: "rsa".into(),
            bits: rsa.key_size(),
        },
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            let bits = match curve {
                Some(c) if c == oid_registry::OID_EC_P256 => 256,
                Some(c) if c == oid_registry::OID_NIST_EC_P384 => 384,
                Some(c) if c == oid_registry::OID_NIST_EC_P521 => 521,
                _ => 0,
            };
            KeyInfo {
                algorithm: "ec".into(),
                bits,
            }
        }
        Ok(PublicKey::DSA(_)) => KeyInfo {
            algorithm: "dsa".into(),
            bits: 0,
        },
        _ => KeyInfo {
            algorithm: alg.to_id_string(),
            bits: 0,
        },
    }
}

/// A DirectoryString as text: UTF-8/Printable/IA5 as they are, BMPString
/// (UTF-16BE) and UniversalString (UTF-32BE) decoded, anything else lossily.
fn directory_string(attr: &x509_parser::x509::AttributeTypeAndValue<'_>) -> String {
    use x509_parser::der_parser::ber::Tag;
    if let Ok(s) = attr.as_str() {
        return s.to_owned();
    }
    let bytes = attr.as_slice();
    match attr.attr_value().tag() {
        Tag::BmpString => char::decode_utf16(
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]])),
        )
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        Tag::UniversalString => bytes
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// CN first, then SAN dNSNames, lowercased and deduplicated; invalid ones
/// become rejections. Non-DNS SANs (IP, email) are not names a CA validates by
/// DCV and are left out.
fn collect_names(
    req: &X509CertificationRequest<'_>,
) -> (Option<String>, Vec<DnsName>, Vec<Rejection>) {
    let subject = &req.certification_request_info.subject;
    let common_name = subject.iter_common_name().next().map(directory_string);
    let mut raw: Vec<String> = common_name.iter().cloned().collect();
    if let Some(exts) = req.requested_extensions() {
        for ext in exts {
            if let ParsedExtension::SubjectAlternativeName(san) = ext {
                for gn in &san.general_names {
                    if let GeneralName::DNSName(name) = gn {
                        raw.push((*name).to_owned());
                    }
                }
            }
        }
    }
    // A hostile CSR may carry tens of thousands of SANs: dedupe in O(n).
    let mut seen = std::collections::HashSet::new();
    let mut domains: Vec<DnsName> = Vec::new();
    let mut rejected: Vec<Rejection> = Vec::new();
    for name in raw {
        if !seen.insert(name.to_ascii_lowercase()) {
            continue;
        }
        match DnsName::from_csr(&name) {
            Ok(n) => domains.push(n),
            Err(r) => rejected.push(r),
        }
    }
    (
        common_name.map(|cn| cn.to_ascii_lowercase()),
        domains,
        rejected,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASHES: &str = include_str!("../tests/fixtures/hashes.tsv");
    const MULTI_PEM: &[u8] = include_bytes!("../tests/fixtures/rsa2048_multi.pem");
    const MULTI_DER: &[u8] = include_bytes!("../tests/fixtures/rsa2048_multi.der");

    /// openssl's MD5 and SHA-256 for a fixture, from hashes.tsv.
    fn recorded(file: &str) -> (&'static str, &'static str) {
        let row = HASHES
            .lines()
            .find(|l| l.split('\t').next() == Some(file))
            .expect("fixture in hashes.tsv");
        let mut cols = row.split('\t').skip(1);
        (cols.next().unwrap(), cols.next().unwrap())
    }

    #[test]
    fn pem_and_der_give_openssl_hashes() {
        let (md5, sha256) = recorded("rsa2048_multi.pem");
        for input in [MULTI_PEM, MULTI_DER] {
            let csr = parse(input).unwrap();
            assert_eq!(csr.md5, md5);
            assert_eq!(csr.sha256, sha256);
            assert_eq!(csr.der, MULTI_DER);
            assert!(csr.signature.is_valid());
        }
    }

    #[test]
    fn crlf_and_surrounding_text_are_accepted() {
        let crlf = String::from_utf8(MULTI_PEM.to_vec())
            .unwrap()
            .replace('\n', "\r\n");
        let wrapped = format!("Subject: CN=www.example.com\n{crlf}\ntrailing notes\n");
        assert_eq!(parse(wrapped.as_bytes()).unwrap().der, MULTI_DER);
    }

    #[test]
    fn structural_errors() {
        assert_eq!(parse(b"").unwrap_err(), CsrError::Empty);
        assert_eq!(parse(b" \n\t").unwrap_err(), CsrError::Empty);
        assert_eq!(
            parse(&vec![b'A'; MAX_INPUT + 1]).unwrap_err(),
            CsrError::TooLarge
        );
        assert_eq!(parse(&MULTI_DER[..300]).unwrap_err(), CsrError::Truncated);
        let mut two = MULTI_DER.to_vec();
        two.extend_from_slice(MULTI_DER);
        assert_eq!(parse(&two).unwrap_err(), CsrError::SeveralCsrs);
        let mut trailing = MULTI_DER.to_vec();
        trailing.extend_from_slice(b"xyz");
        assert_eq!(parse(&trailing).unwrap_err(), CsrError::TrailingData(3));
        assert_eq!(parse(b"hello").unwrap_err(), CsrError::Unrecognized);
    }

    #[test]
    fn pem_labels_are_classified() {
        assert_eq!(classify_tag("CERTIFICATE"), CsrError::Certificate);
        assert_eq!(classify_tag("EC PRIVATE KEY"), CsrError::PrivateKey);
        assert_eq!(classify_tag("ENCRYPTED PRIVATE KEY"), CsrError::PrivateKey);
        assert_eq!(classify_tag("PUBLIC KEY"), CsrError::PublicKey);
        assert_eq!(
            classify_tag("X509 CRL"),
            CsrError::OtherPem("X509 CRL".into())
        );
    }

    #[test]
    fn private_key_beside_a_csr_is_a_warning() {
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let input = format!("{key}{}", String::from_utf8_lossy(MULTI_PEM));
        let csr = parse(input.as_bytes()).unwrap();
        assert!(csr.warnings[0].contains("private key"));
    }

    #[test]
    fn declared_length_of_der() {
        assert_eq!(declared_len(&[0x30, 0x03, 1, 2, 3]), Some(5));
        assert_eq!(declared_len(&[0x30, 0x82, 0x01, 0x00]), Some(260));
        assert_eq!(declared_len(&[0x02, 0x01]), None);
    }
}
