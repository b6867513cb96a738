//! The subject public key: what kind it is, how big, and its numbers (for
//! signature verification and the weak-key checks).

use serde::Serialize;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::der;

/// Public key facts shown to the user and kept in the JSON report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// `rsa`, `rsa-pss`, `ec`, `ed25519`, `ed448`, `dsa`, `sm2`, or the
    /// key algorithm's OID when dcv does not know it.
    pub algorithm: String,
    /// Modulus bits (RSA, DSA), curve size (EC, SM2), 256/456 (Ed25519/Ed448).
    pub bits: usize,
    /// The curve's name, for EC keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

/// Elliptic curves dcv names (and, for the first four, verifies on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
    Secp256k1,
    Sm2,
    Other(&'static str, usize),
    Unknown,
}

impl Curve {
    fn from_oid(oid: &str) -> Curve {
        match oid {
            "1.2.840.10045.3.1.7" => Curve::P256,
            "1.3.132.0.34" => Curve::P384,
            "1.3.132.0.35" => Curve::P521,
            "1.3.132.0.10" => Curve::Secp256k1,
            "1.2.156.10197.1.301" => Curve::Sm2,
            "1.2.840.10045.3.1.1" => Curve::Other("P-192", 192),
            "1.3.132.0.33" => Curve::Other("P-224", 224),
            "1.3.36.3.3.2.8.1.1.7" => Curve::Other("brainpoolP256r1", 256),
            "1.3.36.3.3.2.8.1.1.11" => Curve::Other("brainpoolP384r1", 384),
            "1.3.36.3.3.2.8.1.1.13" => Curve::Other("brainpoolP512r1", 512),
            _ => Curve::Unknown,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
            Curve::Secp256k1 => "secp256k1",
            Curve::Sm2 => "SM2",
            Curve::Other(name, _) => name,
            Curve::Unknown => "an unrecognised curve",
        }
    }

    fn bits(self) -> usize {
        match self {
            Curve::P256 | Curve::Secp256k1 | Curve::Sm2 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
            Curve::Other(_, bits) => bits,
            Curve::Unknown => 0,
        }
    }
}

/// The numbers of the subject public key, as big-endian magnitudes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    /// `pss`: an id-RSASSA-PSS key, usable for RSA-PSS signatures only.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
        pss: bool,
    },
    Ec {
        curve: Curve,
        point: Vec<u8>,
    },
    Ed25519(Vec<u8>),
    Ed448,
    Dsa {
        p: Vec<u8>,
        q: Vec<u8>,
        g: Vec<u8>,
        y: Vec<u8>,
    },
    /// A key type dcv does not know; the field is the key algorithm's OID.
    Other(String),
}

impl KeyMaterial {
    /// A name for messages: "RSA", "ECDSA P-256", "Ed25519", …
    pub fn describe(&self) -> String {
        match self {
            KeyMaterial::Rsa { pss: false, .. } => "RSA".into(),
            KeyMaterial::Rsa { pss: true, .. } => "RSA-PSS".into(),
            KeyMaterial::Ec {
                curve: Curve::Sm2, ..
            } => "SM2".into(),
            KeyMaterial::Ec { curve, .. } => format!("EC {}", curve.name()),
            KeyMaterial::Ed25519(_) => "Ed25519".into(),
            KeyMaterial::Ed448 => "Ed448".into(),
            KeyMaterial::Dsa { .. } => "DSA".into(),
            KeyMaterial::Other(oid) => format!("an unrecognised key type (OID {oid})"),
        }
    }
}

/// Reads the key's kind, size and numbers; a malformed key gives `Other`
/// with zero bits rather than an error (the signature check then fails).
pub fn read(spki: &SubjectPublicKeyInfo<'_>) -> (KeyInfo, KeyMaterial) {
    let alg = spki.algorithm.algorithm.to_id_string();
    let data: &[u8] = &spki.subject_public_key.data;
    let params = spki.algorithm.parameters.as_ref();
    let info = |algorithm: &str, bits: usize, curve: Option<Curve>| KeyInfo {
        algorithm: algorithm.to_owned(),
        bits,
        curve: curve.map(|c| c.name().to_owned()),
    };
    match alg.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let pss = alg.ends_with(".10");
            let name = if pss { "rsa-pss" } else { "rsa" };
            match integers_in(data).as_deref() {
                Some([n, e]) => (
                    info(name, der::bit_len(n), None),
                    KeyMaterial::Rsa {
                        n: der::unsigned(n).to_vec(),
                        e: der::unsigned(e).to_vec(),
                        pss,
                    },
                ),
                _ => (info(name, 0, None), KeyMaterial::Other(alg)),
            }
        }
        "1.2.840.10045.2.1" | "1.2.156.10197.1.301" => {
            let curve = if alg == "1.2.156.10197.1.301" {
                Curve::Sm2
            } else {
                params
                    .and_then(|p| p.as_oid().ok())
                    .map_or(Curve::Unknown, |oid| Curve::from_oid(&oid.to_id_string()))
            };
            let name = if curve == Curve::Sm2 { "sm2" } else { "ec" };
            let key_info = info(name, curve.bits(), (name == "ec").then_some(curve));
            (
                key_info,
                KeyMaterial::Ec {
                    curve,
                    point: data.to_vec(),
                },
            )
        }
        "1.3.101.112" => (
            info("ed25519", 256, None),
            KeyMaterial::Ed25519(data.to_vec()),
        ),
        "1.3.101.113" => (info("ed448", 456, None), KeyMaterial::Ed448),
        "1.2.840.10040.4.1" => {
            let pqg = params.and_then(|p| integers_in(p.data));
            let y = integers_in(data);
            match (pqg.as_deref(), y.as_deref()) {
                (Some([p, q, g]), Some([y])) => (
                    info("dsa", der::bit_len(p), None),
                    KeyMaterial::Dsa {
                        p: der::unsigned(p).to_vec(),
                        q: der::unsigned(q).to_vec(),
                        g: der::unsigned(g).to_vec(),
                        y: der::unsigned(y).to_vec(),
                    },
                ),
                _ => (info("dsa", 0, None), KeyMaterial::Other(alg)),
            }
        }
        _ => (info(&alg, 0, None), KeyMaterial::Other(alg)),
    }
}

/// The INTEGER contents of a run of INTEGER TLVs, or of one SEQUENCE of them.
fn integers_in(content: &[u8]) -> Option<Vec<Vec<u8>>> {
    let items = der::children(content).ok()?;
    if items.len() == 1 && items[0].tag == 0x30 {
        return integers_in(items[0].content);
    }
    items
        .iter()
        .map(|t| (t.tag == 0x02).then(|| t.content.to_vec()))
        .collect()
}
