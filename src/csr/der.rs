//! The PKCS#10 envelope read the way openssl reads it: definite lengths in
//! short or (even needlessly) long form. The envelope gives the exact bytes
//! that were signed, whatever parser decodes the rest; when x509-parser
//! refuses a request openssl reads (long-form lengths, an attribute with an
//! empty value set), [`canonical`] re-encodes it so that x509-parser can
//! decode the facts, while hashes and signature stay on the bytes as given.

/// One tag-length-value.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    /// Header and content, as in the input.
    pub raw: &'a [u8],
    pub content: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlvError {
    /// The input ends before the length it declares.
    Truncated,
    /// Not a definite-length, single-byte-tag TLV.
    Malformed,
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const ATTRIBUTES: u8 = 0xA0;
const CONSTRUCTED: u8 = 0x20;
/// Deeper nesting than any request needs; bounds recursion on hostile input.
const MAX_DEPTH: usize = 64;

/// Reads one TLV from the front of `buf`; returns it and what follows.
pub fn read(buf: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (&tag, rest) = buf.split_first().ok_or(TlvError::Truncated)?;
    if tag & 0x1F == 0x1F {
        return Err(TlvError::Malformed);
    }
    let (&first, rest) = rest.split_first().ok_or(TlvError::Truncated)?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7F) as usize;
        // 0x80 is the indefinite form (BER only); more than 4 length bytes
        // would describe more than the 1 MiB input cap.
        if n == 0 || n > 4 {
            return Err(TlvError::Malformed);
        }
        if rest.len() < n {
            return Err(TlvError::Truncated);
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(TlvError::Truncated);
    }
    let header = buf.len() - rest.len();
    let tlv = Tlv {
        tag,
        raw: &buf[..header + len],
        content: &rest[..len],
    };
    Ok((tlv, &rest[len..]))
}

/// The TLVs that make up `content`, in order.
pub fn children(content: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (tlv, next) = read(rest)?;
        out.push(tlv);
        rest = next;
    }
    Ok(out)
}

/// The three parts of a request and the bytes after it.
#[derive(Debug)]
pub struct Envelope<'a> {
    /// The whole request, as given (what the CA hashes).
    pub raw: &'a [u8],
    /// CertificationRequestInfo: the signed bytes.
    pub info: Tlv<'a>,
    pub algorithm: Tlv<'a>,
    /// The signature value (the BIT STRING without its unused-bits byte).
    pub signature: &'a [u8],
    pub rest: &'a [u8],
}

/// Why bytes are not a request envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeError {
    Truncated,
    /// A reason that completes "not a PKCS#10 certificate request: …".
    NotCsr(&'static str),
}

/// Splits a request into its parts, checking the shape of
/// `SEQUENCE { SEQUENCE { INTEGER, SEQUENCE, SEQUENCE, [0] … }, SEQUENCE, BIT STRING }`.
pub fn envelope(der: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let (outer, rest) = read(der).map_err(|e| match e {
        TlvError::Truncated => EnvelopeError::Truncated,
        TlvError::Malformed => EnvelopeError::NotCsr("the bytes are not a DER structure"),
    })?;
    let not_three = "a DER structure, but not the three parts of a request (request info, signature algorithm, signature)";
    if outer.tag != SEQUENCE {
        return Err(EnvelopeError::NotCsr("the bytes are not a DER SEQUENCE"));
    }
    let parts = children(outer.content).map_err(|_| EnvelopeError::NotCsr(not_three))?;
    let [info, algorithm, signature] = parts[..] else {
        return Err(EnvelopeError::NotCsr(not_three));
    };
    if info.tag != SEQUENCE || algorithm.tag != SEQUENCE || signature.tag != BIT_STRING {
        return Err(EnvelopeError::NotCsr(not_three));
    }
    let not_info =
        "its first part is not a request info (version, subject, public key, attributes)";
    let fields = children(info.content).map_err(|_| EnvelopeError::NotCsr(not_info))?;
    let tags: Vec<u8> = fields.iter().map(|f| f.tag).collect();
    if !matches!(
        tags.as_slice(),
        [INTEGER, SEQUENCE, SEQUENCE] | [INTEGER, SEQUENCE, SEQUENCE, ATTRIBUTES]
    ) {
        return Err(EnvelopeError::NotCsr(not_info));
    }
    let signature = match signature.content.split_first() {
        Some((0, bits)) => bits,
        _ => {
            return Err(EnvelopeError::NotCsr(
                "its signature is not a whole number of bytes",
            ));
        }
    };
    Ok(Envelope {
        raw: outer.raw,
        info,
        algorithm,
        signature,
        rest,
    })
}

/// The request re-encoded in canonical lengths, without attributes whose
/// value set is empty: the same facts, in a form x509-parser decodes.
pub fn canonical(env: &Envelope<'_>) -> Option<Vec<u8>> {
    let mut info = Vec::new();
    for field in children(env.info.content).ok()? {
        if field.tag == ATTRIBUTES {
            let mut attrs = Vec::new();
            for attr in children(field.content).ok()? {
                let empty_set = children(attr.content)
                    .ok()
                    .and_then(|parts| parts.get(1).map(|v| v.tag == SET && v.content.is_empty()))
                    .unwrap_or(false);
                if !empty_set {
                    reencode(&attr, &mut attrs, 0)?;
                }
            }
            push_tlv(ATTRIBUTES, &attrs, &mut info);
        } else {
            reencode(&field, &mut info, 0)?;
        }
    }
    let mut body = Vec::new();
    push_tlv(SEQUENCE, &info, &mut body);
    reencode(&env.algorithm, &mut body, 0)?;
    let mut bits = vec![0u8];
    bits.extend_from_slice(env.signature);
    push_tlv(BIT_STRING, &bits, &mut body);
    let mut out = Vec::with_capacity(body.len() + 6);
    push_tlv(SEQUENCE, &body, &mut out);
    Some(out)
}

fn reencode(tlv: &Tlv<'_>, out: &mut Vec<u8>, depth: usize) -> Option<()> {
    if tlv.tag & CONSTRUCTED == 0 {
        push_tlv(tlv.tag, tlv.content, out);
        return Some(());
    }
    if depth > MAX_DEPTH {
        return None;
    }
    let mut inner = Vec::with_capacity(tlv.content.len());
    for child in children(tlv.content).ok()? {
        reencode(&child, &mut inner, depth + 1)?;
    }
    push_tlv(tlv.tag, &inner, out);
    Some(())
}

fn push_tlv(tag: u8, content: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// An unsigned big-endian INTEGER's magnitude, without leading zero bytes.
pub fn unsigned(content: &[u8]) -> &[u8] {
    let skip = content.iter().take_while(|b| **b == 0).count();
    &content[skip..]
}

/// Bit length of a big-endian magnitude.
pub fn bit_len(magnitude: &[u8]) -> usize {
    let m = unsigned(magnitude);
    match m.first() {
        None => 0,
        Some(b) => m.len() * 8 - b.leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_form_lengths() {
        let (t, rest) = read(&[0x04, 0x02, 1, 2, 9]).unwrap();
        assert_eq!((t.tag, t.content, rest), (0x04, &[1u8, 2][..], &[9u8][..]));
        // 0x84: four length bytes, needlessly long, as openssl accepts.
        let (t, _) = read(&[0x04, 0x84, 0, 0, 0, 1, 7]).unwrap();
        assert_eq!(t.content, &[7]);
        assert_eq!(t.raw.len(), 7);
        assert_eq!(read(&[0x04, 0x05, 1]).unwrap_err(), TlvError::Truncated);
        assert_eq!(read(&[0x30, 0x80, 0, 0]).unwrap_err(), TlvError::Malformed);
        assert_eq!(read(&[0x1F, 0x01, 0]).unwrap_err(), TlvError::Malformed);
    }

    #[test]
    fn canonical_lengths_and_bit_lengths() {
        let mut out = Vec::new();
        push_tlv(0x04, &[0; 300], &mut out);
        assert_eq!(&out[..4], &[0x04, 0x82, 0x01, 0x2C]);
        assert_eq!(bit_len(&[0x00, 0x01, 0xFF]), 9);
        assert_eq!(bit_len(&[0x00]), 0);
        let nested = [0x30, 0x81, 0x03, 0x30, 0x81, 0x00];
        let (t, _) = read(&nested).unwrap();
        let mut out = Vec::new();
        reencode(&t, &mut out, 0).unwrap();
        assert_eq!(out, [0x30, 0x02, 0x30, 0x00]);
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let mut der = Vec::new();
        for _ in 0..200 {
            der.splice(0..0, [0x30, 0x80]);
        }
        // Indefinite lengths are refused outright; definite deep nesting too.
        let mut deep: Vec<u8> = vec![0x05, 0x00];
        for _ in 0..100 {
            let mut outer = Vec::new();
            push_tlv(0x30, &deep, &mut outer);
            deep = outer;
        }
        let (t, _) = read(&deep).unwrap();
        assert!(reencode(&t, &mut Vec::new(), 0).is_none());
        assert!(read(&der).is_err());
    }
}
