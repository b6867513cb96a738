//! The values a requester chooses: the tag that names the CA and the
//! optional uniqueValue token (the CA profiles are data: [`crate::profile`]).

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Sectigo's current tag and the legacy Comodo one (the `sectigo` and
/// `comodo` profiles' tags).
pub const SECTIGO_TAG: &str = "sectigo.com";
pub const COMODO_TAG: &str = "comodoca.com";

/// True when `found` is the other one of Sectigo's two tags (the current
/// `sectigo.com` and the legacy Comodo `comodoca.com`), either way round:
/// a reseller API and the CA's portal often disagree on which to use.
pub fn is_sectigo_tag_swap(expected: &str, found: &str) -> bool {
    let pair = [SECTIGO_TAG, COMODO_TAG];
    expected != found && pair.contains(&expected) && pair.contains(&found)
}

/// What to do about a swapped Sectigo tag, for a reason sentence.
pub const SECTIGO_TAG_ADVICE: &str = "comodoca.com is the legacy Comodo name; use the tag your order or reseller API asks for, --ca comodo or --ca-tag";

/// A uniqueValue: 1–20 characters of `[A-Za-z0-9]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token(String);

#[derive(Debug, Error, PartialEq, Eq)]
#[error("must be 1 to 20 characters of A-Z, a-z, 0-9 (got {got})")]
pub struct TokenError {
    got: String,
}

impl FromStr for Token {
    type Err = TokenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Token(s.to_owned()))
        } else {
            let got = if s.is_empty() {
                "an empty value".to_owned()
            } else {
                format!("{} characters: {:?}", s.chars().count(), s)
            };
            Err(TokenError { got })
        }
    }
}

impl Token {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CA tag given with `--ca-tag`: a lowercase DNS name without trailing dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaTag(String);

impl FromStr for CaTag {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim_end_matches('.').to_ascii_lowercase();
        let valid = !lower.is_empty()
            && lower.len() <= 253
            && lower.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if valid {
            Ok(CaTag(lower))
        } else {
            Err(format!("{s:?} is not a domain name"))
        }
    }
}

impl CaTag {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Alphabet of a generated token.
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Longest uniqueValue the CAs accept; 20 × log2(62) ≈ 119 bits.
const TOKEN_LEN: usize = 20;

/// Maps uniformly random bytes to token characters by rejection sampling, so
/// every character is equally likely (248 = 4 × 62, the largest multiple ≤ 256).
pub fn token_from_random(mut fill: impl FnMut(&mut [u8])) -> Token {
    let mut out = String::with_capacity(TOKEN_LEN);
    let mut buf = [0u8; 32];
    while out.len() < TOKEN_LEN {
        fill(&mut buf);
        for &b in &buf {
            if b < 248 && out.len() < TOKEN_LEN {
                out.push(TOKEN_ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    Token(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_validation() {
        assert!("a".parse::<Token>().is_ok());
        assert!("A1b2C3d4E5f6G7h8I9j0".parse::<Token>().is_ok());
        assert!("A1b2C3d4E5f6G7h8I9j0x".parse::<Token>().is_err());
        assert!("".parse::<Token>().is_err());
        assert!("abc-def".parse::<Token>().is_err());
        assert!("äbc".parse::<Token>().is_err());
    }

    #[test]
    fn token_from_random_rejects_biased_bytes() {
        // Bytes >= 248 must be skipped, not folded onto the alphabet.
        let mut calls = 0;
        let t = token_from_random(|buf| {
            calls += 1;
            for (i, b) in buf.iter_mut().enumerate() {
                *b = if i % 2 == 0 { 255 } else { 0 };
            }
        });
        assert_eq!(t.as_str(), "A".repeat(20));
        assert_eq!(calls, 2, "16 usable bytes per call, so two calls");
    }

    #[test]
    fn ca_tag_parsing() {
        assert_eq!(
            "Sectigo.COM.".parse::<CaTag>().unwrap().as_str(),
            "sectigo.com"
        );
        assert!("bad tag".parse::<CaTag>().is_err());
        assert!("".parse::<CaTag>().is_err());
    }
}
