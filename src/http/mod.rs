//! The HTTP file check (BR 3.2.2.4.18) as the strictest CA performs it:
//! every A and AAAA address of a name fetched separately, no redirects, at
//! most 64 KiB of body, exact body only. Network effects sit behind two
//! traits ([`lookup::AddressLookup`], [`fetch::Fetcher`]) so that the
//! orchestration in [`round`] is tested with doubles; [`judge`],
//! [`diagnose`] and [`cert`] are pure.

pub mod cause;
pub mod cert;
pub mod diagnose;
pub mod fetch;
pub mod judge;
pub mod lookup;
pub mod p521;
pub mod recording;
pub mod round;

pub use diagnose::Expected;
pub use fetch::{FetchError, FetchRequest, Fetcher, HyperFetcher, MAX_BODY, Response};
pub use lookup::{AddressLookup, EngineLookup, Family, LookupError};
pub use round::{Checker, Settings, Target};

use crate::report::CheckKind;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpScheme {
    Http,
    Https,
}

impl HttpScheme {
    pub fn name(self) -> &'static str {
        match self {
            HttpScheme::Http => "http",
            HttpScheme::Https => "https",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            HttpScheme::Http => 80,
            HttpScheme::Https => 443,
        }
    }

    pub fn kind(self) -> CheckKind {
        match self {
            HttpScheme::Http => CheckKind::Http,
            HttpScheme::Https => CheckKind::Https,
        }
    }
}

/// Default time allowed for one fetch (SPEC section 3).
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
