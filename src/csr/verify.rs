//! The self-signature, checked for every algorithm openssl checks: RSA
//! PKCS#1 v1.5 of any size with MD5, SHA-1 and SHA-2; RSA-PSS with any salt;
//! ECDSA on P-256, P-384, P-521 and secp256k1 with SHA-1 or SHA-2; Ed25519;
//! DSA. The arithmetic is RustCrypto's (`rsa`, `p256`, `p384`, `p521`,
//! `k256`, `ecdsa`, `ed25519-dalek`, `dsa`), with ring as a fast path for
//! the common cases. Anything else is `Unsupported` ("unchecked") with a
//! reason, never "invalid".

use sha2::Digest;
use x509_parser::x509::AlgorithmIdentifier;

use super::Signature;
use super::key::{Curve, KeyMaterial};

/// ECDSA on one curve crate: the point in SEC1 form, the signature in DER.
macro_rules! ecdsa_verify {
    ($curve:ident, $point:expr, $prehash:expr, $signature:expr) => {{
        use ecdsa::signature::hazmat::PrehashVerifier;
        let key = $curve::ecdsa::VerifyingKey::from_sec1_bytes($point).ok();
        let sig = $curve::ecdsa::Signature::from_der($signature).ok();
        // openssl takes either s; the secp256k1 crate wants the low one.
        matches!((key, sig), (Some(k), Some(s)) if k.verify_prehash($prehash, &s.normalize_s()).is_ok())
    }};
}

/// Hash functions signatures use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn name(self) -> &'static str {
        match self {
            Hash::Md5 => "MD5",
            Hash::Sha1 => "SHA-1",
            Hash::Sha224 => "SHA-224",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }

    fn from_oid(oid: &str) -> Option<Hash> {
        Some(match oid {
            "1.2.840.113549.2.5" => Hash::Md5,
            "1.3.14.3.2.26" => Hash::Sha1,
            "2.16.840.1.101.3.4.2.4" => Hash::Sha224,
            "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
            "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
            "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
            _ => return None,
        })
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Md5 => md5::Md5::digest(data).to_vec(),
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha224 => sha2::Sha224::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Pkcs1,
    Pss,
    Ecdsa,
    Ed25519,
    Dsa,
    /// Known by name, verified by no library here.
    Unverifiable,
}

/// What the signature algorithm identifier says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureAlgorithm {
    /// openssl's name (`sha256WithRSAEncryption`), as the JSON has always said.
    pub openssl_name: String,
    /// A name for sentences: "RSA with SHA-256", "RSA-PSS with SHA-512".
    pub human: String,
    pub hash: Option<Hash>,
    scheme: Scheme,
}

const TABLE: &[(&str, &str, &str, Scheme, Option<Hash>)] = &[
    (
        "1.2.840.113549.1.1.4",
        "md5WithRSAEncryption",
        "RSA with MD5",
        Scheme::Pkcs1,
        Some(Hash::Md5),
    ),
    (
        "1.2.840.113549.1.1.5",
        "sha1WithRSAEncryption",
        "RSA with SHA-1",
        Scheme::Pkcs1,
        Some(Hash::Sha1),
    ),
    (
        "1.2.840.113549.1.1.14",
        "sha224WithRSAEncryption",
        "RSA with SHA-224",
        Scheme::Pkcs1,
        Some(Hash::Sha224),
    ),
    (
        "1.2.840.113549.1.1.11",
        "sha256WithRSAEncryption",
        "RSA with SHA-256",
        Scheme::Pkcs1,
        Some(Hash::Sha256),
    ),
    (
        "1.2.840.113549.1.1.12",
        "sha384WithRSAEncryption",
        "RSA with SHA-384",
        Scheme::Pkcs1,
        Some(Hash::Sha384),
    ),
    (
        "1.2.840.113549.1.1.13",
        "sha512WithRSAEncryption",
        "RSA with SHA-512",
        Scheme::Pkcs1,
        Some(Hash::Sha512),
    ),
    (
        "1.2.840.113549.1.1.10",
        "rsassa-pss",
        "RSA-PSS",
        Scheme::Pss,
        None,
    ),
    (
        "1.2.840.113549.1.1.2",
        "md2WithRSAEncryption",
        "RSA with MD2",
        Scheme::Unverifiable,
        None,
    ),
    (
        "1.2.840.113549.1.1.3",
        "md4WithRSAEncryption",
        "RSA with MD4",
        Scheme::Unverifiable,
        None,
    ),
    (
        "1.2.840.10045.4.1",
        "ecdsa-with-SHA1",
        "ECDSA with SHA-1",
        Scheme::Ecdsa,
        Some(Hash::Sha1),
    ),
    (
        "1.2.840.10045.4.3.1",
        "ecdsa-with-SHA224",
        "ECDSA with SHA-224",
        Scheme::Ecdsa,
        Some(Hash::Sha224),
    ),
    (
        "1.2.840.10045.4.3.2",
        "ecdsa-with-SHA256",
        "ECDSA with SHA-256",
        Scheme::Ecdsa,
        Some(Hash::Sha256),
    ),
    (
        "1.2.840.10045.4.3.3",
        "ecdsa-with-SHA384",
        "ECDSA with SHA-384",
        Scheme::Ecdsa,
        Some(Hash::Sha384),
    ),
    (
        "1.2.840.10045.4.3.4",
        "ecdsa-with-SHA512",
        "ECDSA with SHA-512",
        Scheme::Ecdsa,
        Some(Hash::Sha512),
    ),
    ("1.3.101.112", "Ed25519", "Ed25519", Scheme::Ed25519, None),
    ("1.3.101.113", "Ed448", "Ed448", Scheme::Unverifiable, None),
    (
        "1.2.840.10040.4.3",
        "dsaWithSHA1",
        "DSA with SHA-1",
        Scheme::Dsa,
        Some(Hash::Sha1),
    ),
    (
        "2.16.840.1.101.3.4.3.1",
        "dsa_with_SHA224",
        "DSA with SHA-224",
        Scheme::Dsa,
        Some(Hash::Sha224),
    ),
    (
        "2.16.840.1.101.3.4.3.2",
        "dsa_with_SHA256",
        "DSA with SHA-256",
        Scheme::Dsa,
        Some(Hash::Sha256),
    ),
    (
        "1.2.156.10197.1.501",
        "SM2-with-SM3",
        "SM2 with SM3",
        Scheme::Unverifiable,
        None,
    ),
];

/// Names the signature algorithm (and, for RSA-PSS, its hash).
pub fn algorithm(alg: &AlgorithmIdentifier<'_>) -> SignatureAlgorithm {
    let oid = alg.algorithm.to_id_string();
    let Some(&(_, openssl, human, scheme, hash)) = TABLE.iter().find(|row| row.0 == oid) else {
        return SignatureAlgorithm {
            openssl_name: format!("unrecognised algorithm (OID {oid})"),
            human: format!("an unrecognised algorithm (OID {oid})"),
            hash: None,
            scheme: Scheme::Unverifiable,
        };
    };
    let mut out = SignatureAlgorithm {
        openssl_name: openssl.to_owned(),
        human: human.to_owned(),
        hash,
        scheme,
    };
    if scheme == Scheme::Pss
        && let Some(p) = pss_params(alg)
    {
        out.hash = Hash::from_oid(&p.hash);
        out.human = match out.hash {
            Some(h) => format!("RSA-PSS with {}", h.name()),
            None => "RSA-PSS with an unrecognised hash".into(),
        };
    }
    out
}

struct PssParams {
    hash: String,
    mgf_hash: Option<String>,
    salt: usize,
    trailer: u32,
}

fn pss_params(alg: &AlgorithmIdentifier<'_>) -> Option<PssParams> {
    use x509_parser::signature_algorithm::RsaSsaPssParams;
    // Absent parameters mean SHA-1, MGF1 with SHA-1, a 20-byte salt (RFC 4055).
    let Some(any) = alg.parameters.as_ref() else {
        return Some(PssParams {
            hash: "1.3.14.3.2.26".into(),
            mgf_hash: Some("1.3.14.3.2.26".into()),
            salt: 20,
            trailer: 1,
        });
    };
    let p = RsaSsaPssParams::try_from(any).ok()?;
    let mgf = p.mask_gen_algorithm().ok();
    Some(PssParams {
        hash: p.hash_algorithm_oid().to_id_string(),
        mgf_hash: mgf
            .filter(|m| m.mgf.to_id_string() == "1.2.840.113549.1.1.8")
            .map(|m| m.hash.to_id_string()),
        salt: p.salt_length() as usize,
        trailer: p.trailer_field(),
    })
}

/// ring, already linked for TLS, verifies the common cases (RSA PKCS#1
/// 2048–8192 bits with SHA-2, ECDSA P-256/P-384 with SHA-256/384, Ed25519)
/// several times faster than the RustCrypto crates. It is a fast path to
/// "valid" only: whatever it does not accept goes to the RustCrypto path,
/// which decides.
fn ring_accepts(
    alg: &SignatureAlgorithm,
    key: &KeyMaterial,
    spki_bits: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> bool {
    use ring::signature as rs;
    let ring_alg: &'static dyn rs::VerificationAlgorithm = match (alg.scheme, alg.hash, key) {
        (Scheme::Pkcs1, Some(hash), KeyMaterial::Rsa { pss: false, .. }) => match hash {
            Hash::Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
            Hash::Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
            Hash::Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
            _ => return false,
        },
        (Scheme::Ecdsa, Some(hash), KeyMaterial::Ec { curve, .. }) => match (curve, hash) {
            (Curve::P256, Hash::Sha256) => &rs::ECDSA_P256_SHA256_ASN1,
            (Curve::P256, Hash::Sha384) => &rs::ECDSA_P256_SHA384_ASN1,
            (Curve::P384, Hash::Sha256) => &rs::ECDSA_P384_SHA256_ASN1,
            (Curve::P384, Hash::Sha384) => &rs::ECDSA_P384_SHA384_ASN1,
            _ => return false,
        },
        (Scheme::Ed25519, _, KeyMaterial::Ed25519(_)) => &rs::ED25519,
        _ => return false,
    };
    rs::UnparsedPublicKey::new(ring_alg, spki_bits)
        .verify(signed, signature)
        .is_ok()
}

/// Checks `signature` over `signed` (the request info as given);
/// `spki_bits` is the subject public key BIT STRING's content.
pub fn verify(
    alg_id: &AlgorithmIdentifier<'_>,
    alg: &SignatureAlgorithm,
    key: &KeyMaterial,
    spki_bits: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Signature {
    if ring_accepts(alg, key, spki_bits, signed, signature) {
        return Signature::Valid;
    }
    let unchecked = |why: String| Signature::Unsupported(why);
    let mismatch = || Signature::Invalid("signature mismatch".into());
    let wrong_key = || {
        Signature::Invalid(format!(
            "a {} signature cannot come from an {} key",
            alg.human,
            key.describe()
        ))
    };
    let outcome = |ok: bool| if ok { Signature::Valid } else { mismatch() };
    match (alg.scheme, key) {
        (Scheme::Unverifiable, _) => unchecked(format!(
            "{} signatures: no library here verifies them",
            alg.human
        )),
        (Scheme::Pkcs1, KeyMaterial::Rsa { n, e, pss: false }) => {
            let hash = alg.hash.expect("PKCS#1 rows name their hash");
            rsa_verify(n, e, signature, |k, sig| {
                let hashed = hash.digest(signed);
                let scheme = match hash {
                    Hash::Md5 => rsa::Pkcs1v15Sign::new::<md5::Md5>(),
                    Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    Hash::Sha224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
                    Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                k.verify(scheme, &hashed, sig).is_ok()
            })
        }
        (Scheme::Pss, KeyMaterial::Rsa { n, e, .. }) => {
            let Some(p) = pss_params(alg_id) else {
                return Signature::Invalid("the RSA-PSS parameters cannot be decoded".into());
            };
            let Some(hash) = Hash::from_oid(&p.hash) else {
                return unchecked("RSA-PSS with an unrecognised hash".into());
            };
            if p.mgf_hash.as_deref() != Some(p.hash.as_str()) {
                return unchecked(format!(
                    "RSA-PSS whose mask function does not use {}: no library here verifies that",
                    hash.name()
                ));
            }
            if p.trailer != 1 {
                return Signature::Invalid("RSA-PSS with a trailer field other than 1".into());
            }
            let salt = p.salt;
            rsa_verify(n, e, signature, |k, sig| {
                let hashed = hash.digest(signed);
                match hash {
                    Hash::Md5 => false,
                    Hash::Sha1 => pss_ok::<sha1::Sha1>(k, salt, &hashed, sig),
                    Hash::Sha224 => pss_ok::<sha2::Sha224>(k, salt, &hashed, sig),
                    Hash::Sha256 => pss_ok::<sha2::Sha256>(k, salt, &hashed, sig),
                    Hash::Sha384 => pss_ok::<sha2::Sha384>(k, salt, &hashed, sig),
                    Hash::Sha512 => pss_ok::<sha2::Sha512>(k, salt, &hashed, sig),
                }
            })
        }
        (Scheme::Ecdsa, KeyMaterial::Ec { curve, point }) => {
            let prehash = alg.hash.expect("ECDSA rows name their hash").digest(signed);
            match curve {
                Curve::P256 => outcome(ecdsa_verify!(p256, point, &prehash, signature)),
                Curve::P384 => outcome(ecdsa_verify!(p384, point, &prehash, signature)),
                Curve::P521 => outcome(ecdsa_verify!(p521, point, &prehash, signature)),
                Curve::Secp256k1 => outcome(ecdsa_verify!(k256, point, &prehash, signature)),
                Curve::Sm2 => wrong_key(),
                other => unchecked(format!(
                    "ECDSA on {}: no library here verifies it",
                    other.name()
                )),
            }
        }
        (Scheme::Ed25519, KeyMaterial::Ed25519(public)) => {
            use ed25519_dalek::Verifier;
            let key = <&[u8; 32]>::try_from(public.as_slice())
                .ok()
                .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(b).ok());
            let sig = ed25519_dalek::Signature::from_slice(signature).ok();
            outcome(matches!((key, sig), (Some(k), Some(s)) if k.verify(signed, &s).is_ok()))
        }
        (Scheme::Dsa, KeyMaterial::Dsa { p, q, g, y }) => {
            let prehash = alg.hash.expect("DSA rows name their hash").digest(signed);
            outcome(dsa_verify(p, q, g, y, &prehash, signature).unwrap_or(false))
        }
        _ => wrong_key(),
    }
}

/// RSA-PSS with hash `D` for both the message and MGF1, and this salt length.
fn pss_ok<D>(key: &rsa::PublicKey, salt: usize, hashed: &[u8], sig: &[u8]) -> bool
where
    D: Digest + sha2::digest::FixedOutputReset,
{
    key.verify(rsa::pss::Pss::<D>::new_with_salt(salt), hashed, sig)
        .is_ok()
}

fn uint(bytes: &[u8]) -> Option<rsa::BoxedUint> {
    let bits = (bytes.len().max(1) * 8) as u32;
    rsa::BoxedUint::from_be_slice(bytes, bits).ok()
}

/// RSA with any modulus size and exponent, as openssl accepts: a signature
/// shorter than the modulus is taken with its leading zeros restored.
fn rsa_verify(
    n: &[u8],
    e: &[u8],
    signature: &[u8],
    check: impl FnOnce(&rsa::PublicKey, &[u8]) -> bool,
) -> Signature {
    let (Some(n_int), Some(e_int)) = (uint(n), uint(e)) else {
        return Signature::Invalid("the RSA key's numbers cannot be read".into());
    };
    if n.last().is_none_or(|b| b % 2 == 0) {
        return Signature::Invalid("the RSA modulus is even: not an RSA key".into());
    }
    if e.last().is_none_or(|b| b % 2 == 0) {
        return Signature::Invalid(
            "the RSA public exponent is even: no RSA key can have made this signature".into(),
        );
    }
    let key = match rsa::PublicKey::new_with_size_limits(n_int.clone(), e_int.clone(), 1..=16384) {
        Ok(k) => k,
        // Exponents past 2^33 are rare but valid for openssl.
        // (Magnitudes without leading zeros: shorter is smaller.)
        Err(_) if (e.len(), e) < (n.len(), n) => rsa::PublicKey::new_unchecked(n_int, e_int),
        Err(_) => {
            return Signature::Invalid("the RSA public exponent is not below the modulus".into());
        }
    };
    let mut sig = signature.to_vec();
    if sig.len() < n.len() {
        sig.splice(0..0, std::iter::repeat_n(0, n.len() - sig.len()));
    }
    if check(&key, &sig) {
        Signature::Valid
    } else {
        Signature::Invalid("signature mismatch".into())
    }
}

fn dsa_verify(
    p: &[u8],
    q: &[u8],
    g: &[u8],
    y: &[u8],
    prehash: &[u8],
    signature: &[u8],
) -> Option<bool> {
    use dsa::signature::hazmat::PrehashVerifier;
    // The dsa crate assumes a q of at least a byte; real ones have 160+ bits.
    if q.len() < 2 || p.len() < q.len() {
        return Some(false);
    }
    // g and y live modulo p: the dsa crate wants them at p's precision
    // (leading zero bytes were stripped from each number).
    let wide = |x: &[u8]| {
        let bits = (p.len() * 8).next_multiple_of(64) as u32;
        rsa::BoxedUint::from_be_slice(x, bits).ok()
    };
    let components =
        dsa::Components::from_components_unchecked(wide(p)?, uint(q)?, wide(g)?).ok()?;
    let key = dsa::VerifyingKey::from_components(components, wide(y)?).ok()?;
    let sig = dsa::Signature::try_from(signature).ok()?;
    Some(key.verify_prehash(prehash, &sig).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hostile key numbers give an answer, never a panic.
    #[test]
    fn degenerate_keys_do_not_panic() {
        let sig = [0x42u8; 64];
        let check = |k: &rsa::PublicKey, s: &[u8]| {
            let hashed = Hash::Sha256.digest(b"x");
            let pkcs1 = k
                .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &hashed, s)
                .is_ok();
            pkcs1 || pss_ok::<sha2::Sha256>(k, 32, &hashed, s)
        };
        for (n, e) in [
            (&[1u8][..], &[1u8][..]),
            (&[3], &[1]),
            (&[0xFF; 3], &[3]),
            (&[0xFF; 64], &[0xFF; 64]),
            (&[0x0F; 64], &[0xFF; 70]),
            (&[], &[3]),
            (&[2], &[3]),
            (&[0xFF; 64], &[2]),
        ] {
            assert!(!rsa_verify(n, e, &sig, check).is_valid(), "{n:?} {e:?}");
        }
        let one = [1u8];
        let small = [7u8, 7];
        for (p, q, g, y) in [
            (&one[..], &one[..], &one[..], &one[..]),
            (&small[..], &small[..], &small[..], &small[..]),
            (&[0xFF; 64][..], &[0x0F; 20][..], &[2][..], &[5][..]),
        ] {
            assert_ne!(dsa_verify(p, q, g, y, &[0; 32], &sig), Some(true));
        }
    }
}
