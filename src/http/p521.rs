//! ECDHE on secp521r1 for rustls, whose ring provider has no P-521: with
//! the group offered, a TLS 1.2 server whose certificate is on P-521 can
//! use it (RFC 8422 ties the certificate's curve to the client's
//! supported groups), and the handshake completes as it does with curl,
//! openssl and the CAs' fetchers. The arithmetic is RustCrypto's `p521`;
//! the handshake signature itself is checked in `fetch` (`verify_p521`).

use p521::elliptic_curve::point::AffineCoordinates;
use p521::elliptic_curve::sec1::{FromSec1Point, ToSec1Point};
use p521::{AffinePoint, FieldBytes, NonZeroScalar, ProjectivePoint, Sec1Point};
use rustls::NamedGroup;
use rustls::crypto::{ActiveKeyExchange, SharedSecret, SupportedKxGroup};

/// The secp521r1 key exchange group.
#[derive(Debug)]
pub struct Secp521r1;

pub static SECP521R1: Secp521r1 = Secp521r1;

impl SupportedKxGroup for Secp521r1 {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, rustls::Error> {
        let secret = random_scalar()?;
        let public = (ProjectivePoint::GENERATOR * *secret)
            .to_affine()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        Ok(Box::new(Active { secret, public }))
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::secp521r1
    }
}

/// A uniformly random non-zero scalar: 521 random bits, drawn again in
/// the (negligible) case they are not below the group order.
fn random_scalar() -> Result<NonZeroScalar, rustls::Error> {
    for _ in 0..64 {
        let mut bytes = FieldBytes::default();
        getrandom::fill(&mut bytes)
            .map_err(|e| rustls::Error::General(format!("no randomness for P-521: {e}")))?;
        // 66 bytes hold 528 bits: keep the low 521.
        bytes[0] &= 0x01;
        if let Some(s) = Option::from(NonZeroScalar::from_repr(bytes)) {
            return Ok(s);
        }
    }
    Err(rustls::Error::General("no P-521 scalar drawn".into()))
}

struct Active {
    secret: NonZeroScalar,
    public: Vec<u8>,
}

impl ActiveKeyExchange for Active {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, rustls::Error> {
        let bad = || rustls::Error::from(rustls::PeerMisbehaved::InvalidKeyShare);
        // Uncompressed points only (RFC 8446 section 4.2.8.2, RFC 8422).
        if peer.first() != Some(&0x04) {
            return Err(bad());
        }
        let point = Sec1Point::from_bytes(peer).map_err(|_| bad())?;
        let peer: Option<AffinePoint> = AffinePoint::from_sec1_point(&point).into();
        let peer = peer.ok_or_else(bad)?;
        let shared = (ProjectivePoint::from(peer) * *self.secret).to_affine();
        Ok(SharedSecret::from(shared.x().as_slice()))
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::secp521r1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_derive_the_same_secret() {
        let a = SECP521R1.start().unwrap();
        let b = SECP521R1.start().unwrap();
        assert_eq!(a.pub_key().len(), 133);
        let (pa, pb) = (a.pub_key().to_vec(), b.pub_key().to_vec());
        let sa = a.complete(&pb).unwrap();
        let sb = b.complete(&pa).unwrap();
        assert_eq!(sa.secret_bytes(), sb.secret_bytes());
        assert_eq!(sa.secret_bytes().len(), 66);
        assert!(SECP521R1.start().unwrap().complete(&[4, 1, 2]).is_err());
    }
}
