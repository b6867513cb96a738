//! CSR decoding: PEM or DER bytes in, the DER the CA hashes and the facts
//! `dcv` needs out (names, key, signature status). No I/O here.
//!
//! The CA hashes the DER of the request exactly as submitted, so the DER is
//! kept byte for byte; re-encoding would change the hashes.

pub mod der;
mod key;
mod verify;
pub mod weak;

use std::net::IpAddr;

use md5::{Digest, Md5};
use sha2::Sha256;
use thiserror::Error;
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

pub use key::{Curve, KeyInfo, KeyMaterial};
pub use verify::Hash;

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
        "the self-signature cannot be checked ({0}); the CA will check it (--no-verify-signature to go on)"
    )]
    UncheckedSignature(String),
}

/// Outcome of checking the CSR's self-signature: three-valued. Only
/// `Invalid` means "checked and wrong".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    Valid,
    /// Checked, and it does not verify; the reason says how.
    Invalid(String),
    /// Not checked ("unchecked"); the note says why, e.g. "SM2 with SM3
    /// signatures: no library here verifies them".
    Unsupported(String),
}

/// The name the issue and the check code use for [`Signature`].
pub type SignatureStatus = Signature;

impl Signature {
    pub fn is_valid(&self) -> bool {
        matches!(self, Signature::Valid)
    }

    /// `valid`, `invalid` or `unchecked`: the JSON `signature` field.
    pub fn status(&self) -> &'static str {
        match self {
            Signature::Valid => "valid",
            Signature::Invalid(_) => "invalid",
            Signature::Unsupported(_) => "unchecked",
        }
    }

    /// `Some(true)`, `Some(false)`, or `None` when unchecked: the JSON
    /// `signature_valid` field.
    pub fn valid(&self) -> Option<bool> {
        match self {
            Signature::Valid => Some(true),
            Signature::Invalid(_) => Some(false),
            Signature::Unsupported(_) => None,
        }
    }

    /// Why the signature was not checked (`None` unless unchecked).
    pub fn note(&self) -> Option<&str> {
        match self {
            Signature::Unsupported(note) => Some(note),
            _ => None,
        }
    }
}

/// One extension the CSR asks for, as the request carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedExtension {
    /// Dotted OID.
    pub oid: String,
    pub critical: bool,
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
    /// openssl's name of the signature algorithm (`sha256WithRSAEncryption`).
    pub signature_algorithm: String,
    pub signature: Signature,
    /// Non-fatal remarks (e.g. a private key found beside the CSR).
    pub warnings: Vec<String>,
    /// The signature algorithm for sentences ("RSA with SHA-256").
    pub signature_name: String,
    /// The hash the signature uses, when dcv knows it.
    pub signature_hash: Option<Hash>,
    /// The public key's numbers (modulus and exponent, point, …).
    pub key_material: KeyMaterial,
    /// SAN iPAddress entries, and the CN when it is an IP address.
    pub ip_addresses: Vec<IpAddr>,
    /// SAN dNSName entries as written, lowercased (before validation).
    pub san_dns_names: Vec<String>,
    /// Every requested extension, in order, duplicates included.
    pub extensions: Vec<RequestedExtension>,
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
    if looks_der && der::envelope(input).is_ok() {
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

fn decode_der(input: &[u8]) -> Result<Csr, CsrError> {
    let env = match der::envelope(input) {
        Ok(env) => env,
        Err(der::EnvelopeError::Truncated) => return Err(diagnose_non_csr(input, None)),
        Err(der::EnvelopeError::NotCsr(why)) => return Err(diagnose_non_csr(input, Some(why))),
    };
    // A newline after DER (from `echo` or an editor) is harmless, as for openssl.
    let rest = env.rest;
    if !rest.is_empty() && !rest.iter().all(u8::is_ascii_whitespace) {
        if der::envelope(rest).is_ok() {
            return Err(CsrError::SeveralCsrs);
        }
        return Err(CsrError::TrailingData(rest.len()));
    }
    // x509-parser decodes the facts; where it refuses what openssl reads
    // (long-form lengths, an attribute with an empty value set), it decodes
    // a canonical copy. Hashes and signature use the bytes as given.
    if let Ok((_, req)) = X509CertificationRequest::from_der(env.raw) {
        return Ok(facts(&env, &req));
    }
    let canonical = der::canonical(&env).ok_or(CsrError::NotPkcs10(
        "its structure is nested too deeply to be a request".into(),
    ))?;
    match X509CertificationRequest::from_der(&canonical) {
        Ok((_, req)) => Ok(facts(&env, &req)),
        Err(_) => Err(CsrError::NotPkcs10(undecodable_part(&env))),
    }
}

/// Names the part of a request-shaped structure that cannot be decoded.
fn undecodable_part(env: &der::Envelope<'_>) -> String {
    use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo, X509Name};
    let fields = der::children(env.info.content).unwrap_or_default();
    let part = if fields
        .get(1)
        .is_none_or(|f| X509Name::from_der(f.raw).is_err())
    {
        "its subject name"
    } else if fields
        .get(2)
        .is_none_or(|f| SubjectPublicKeyInfo::from_der(f.raw).is_err())
    {
        "its public key"
    } else if AlgorithmIdentifier::from_der(env.algorithm.raw).is_err() {
        "its signature algorithm"
    } else {
        "its attributes (requested extensions)"
    };
    format!("{part} cannot be decoded")
}

/// Everything dcv reports about a decoded request.
fn facts(env: &der::Envelope<'_>, req: &X509CertificationRequest<'_>) -> Csr {
    let der = env.raw.to_vec();
    let (key, key_material) = key::read(&req.certification_request_info.subject_pki);
    let algorithm = verify::algorithm(&req.signature_algorithm);
    let signature = verify::verify(
        &req.signature_algorithm,
        &algorithm,
        &key_material,
        &req.certification_request_info
            .subject_pki
            .subject_public_key
            .data,
        env.info.raw,
        env.signature,
    );
    let (common_name, domains, rejected) = collect_names(req);
    let (san_dns_names, mut ip_addresses) = san_entries(req);
    if let Some(ip) = common_name
        .as_deref()
        .and_then(|cn| cn.parse::<IpAddr>().ok())
        && !ip_addresses.contains(&ip)
    {
        ip_addresses.insert(0, ip);
    }
    Csr {
        md5: hex::encode_upper(Md5::digest(&der)),
        sha256: hex::encode_upper(Sha256::digest(&der)),
        der,
        common_name,
        domains,
        rejected,
        key,
        signature_algorithm: algorithm.openssl_name,
        signature,
        warnings: Vec::new(),
        signature_name: algorithm.human,
        signature_hash: algorithm.hash,
        key_material,
        ip_addresses,
        san_dns_names,
        extensions: requested_extensions(req),
    }
}

/// SAN dNSNames (lowercased, as written) and iPAddresses.
fn san_entries(req: &X509CertificationRequest<'_>) -> (Vec<String>, Vec<IpAddr>) {
    let mut names = Vec::new();
    let mut ips = Vec::new();
    for ext in req.requested_extensions().into_iter().flatten() {
        if let ParsedExtension::SubjectAlternativeName(san) = ext {
            for gn in &san.general_names {
                match gn {
                    GeneralName::DNSName(name) => names.push(name.to_ascii_lowercase()),
                    GeneralName::IPAddress(bytes) => {
                        if let Ok(b4) = <[u8; 4]>::try_from(*bytes) {
                            ips.push(IpAddr::from(b4));
                        } else if let Ok(b16) = <[u8; 16]>::try_from(*bytes) {
                            ips.push(IpAddr::from(b16));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    (names, ips)
}

fn requested_extensions(req: &X509CertificationRequest<'_>) -> Vec<RequestedExtension> {
    req.certification_request_info
        .iter_attributes()
        .filter_map(|attr| match attr.parsed_attribute() {
            ParsedCriAttribute::ExtensionRequest(r) => Some(r.extensions.iter()),
            _ => None,
        })
        .flatten()
        .map(|e| RequestedExtension {
            oid: e.oid.to_id_string(),
            critical: e.critical,
        })
        .collect()
}

/// Turns a failed envelope into the most helpful reason: a certificate or a
/// key is named, a short read is "truncated".
fn diagnose_non_csr(der: &[u8], not_csr: Option<&'static str>) -> CsrError {
    if X509Certificate::from_der(der).is_ok() {
        return CsrError::Certificate;
    }
    if let Some(kind) = key_structure(der) {
        return kind;
    }
    match not_csr {
        Some(_) if declared_len(der).is_some_and(|n| n > der.len()) => CsrError::Truncated,
        Some(why) => CsrError::NotPkcs10(why.into()),
        None => CsrError::Truncated,
    }
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

    const HASHES: &str = include_str!("../../tests/fixtures/hashes.tsv");
    const MULTI_PEM: &[u8] = include_bytes!("../../tests/fixtures/rsa2048_multi.pem");
    const MULTI_DER: &[u8] = include_bytes!("../../tests/fixtures/rsa2048_multi.der");

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

    /// openssl's verdict for each preflight fixture, from verdicts.tsv:
    /// what openssl verifies is never "invalid" here (and is "valid" unless
    /// no library here checks it), what it rejects is never "valid".
    #[test]
    fn signatures_agree_with_openssl() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/preflight/");
        let tsv = std::fs::read_to_string(format!("{dir}verdicts.tsv")).unwrap();
        let mut rows = 0;
        for row in tsv.lines().skip(1) {
            let cols: Vec<&str> = row.split('\t').collect();
            let csr = parse(&std::fs::read(format!("{dir}{}", cols[0])).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", cols[0]));
            match (cols[1], &csr.signature) {
                ("OK", Signature::Valid) | ("failure", Signature::Invalid(_)) => {}
                ("OK", Signature::Unsupported(note)) if cols[0] == "sm2.pem" => {
                    assert!(note.contains("SM2"), "{note}");
                }
                (verdict, got) => panic!("{}: openssl {verdict}, dcv {got:?}", cols[0]),
            }
            if !cols[2].is_empty() {
                assert_eq!(csr.key.bits.to_string(), cols[2], "{}", cols[0]);
            }
            assert_eq!(
                (csr.md5.as_str(), csr.sha256.as_str()),
                (cols[3], cols[4]),
                "{}",
                cols[0]
            );
            rows += 1;
        }
        assert!(rows >= 30, "{rows} rows");
    }

    #[test]
    fn empty_attribute_set_and_long_form_lengths_parse() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/preflight/");
        for (file, name) in [
            ("empty_attribute_set.pem", "empty-attr.example.com"),
            ("long_form_lengths.pem", "long-form.example.com"),
        ] {
            let csr = parse(&std::fs::read(format!("{dir}{file}")).unwrap()).unwrap();
            assert_eq!(csr.domains[0].to_string(), name, "{file}");
            assert!(csr.signature.is_valid(), "{file}");
        }
        // The long-form file's DER is kept as given, not re-encoded.
        let pem = std::fs::read_to_string(format!("{dir}long_form_lengths.pem")).unwrap();
        let csr = parse(pem.as_bytes()).unwrap();
        assert_eq!(&csr.der[..2], &[0x30, 0x84]);
    }

    #[test]
    fn request_shaped_garbage_names_the_part() {
        // A request envelope whose public key's BIT STRING is an OCTET STRING.
        let mut der = MULTI_DER.to_vec();
        let env = der::envelope(MULTI_DER).unwrap();
        let spki = der::children(env.info.content).unwrap()[2];
        let algorithm = der::children(spki.content).unwrap()[0];
        let at =
            algorithm.raw.as_ptr() as usize - MULTI_DER.as_ptr() as usize + algorithm.raw.len();
        assert_eq!(der[at], 0x03);
        der[at] = 0x04;
        let err = parse(&der).unwrap_err().to_string();
        assert_eq!(
            err,
            "not a PKCS#10 certificate request: its public key cannot be decoded"
        );
        assert!(!err.contains("nom") && !err.contains("BER"), "{err}");
    }

    #[test]
    fn signature_status_is_three_valued() {
        let unchecked =
            Signature::Unsupported("SM2 with SM3 signatures: no library here verifies them".into());
        assert_eq!((unchecked.status(), unchecked.valid()), ("unchecked", None));
        assert!(unchecked.note().unwrap().contains("SM2"));
        let invalid = Signature::Invalid("signature mismatch".into());
        assert_eq!(
            (invalid.status(), invalid.valid(), invalid.note()),
            ("invalid", Some(false), None)
        );
        assert_eq!(
            (Signature::Valid.status(), Signature::Valid.valid()),
            ("valid", Some(true))
        );
    }
}
