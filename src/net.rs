//! The one network seam of the live checks: a [`Net`] holds the DNS
//! transport and the HTTP fetcher, and nothing else touches the network.
//! Every DNS question of a round — CNAME/TXT/CAA, zone cuts, NS and their
//! addresses, the A/AAAA of the hosts the HTTP check fetches from — goes
//! through one [`crate::resolver::Engine`] built on `dns`, with one cache
//! and one bound on work in flight, shared with the HTTP fetches.

use std::sync::Arc;
use std::time::Duration;

use crate::http::HyperFetcher;
use crate::resolver::DnsTransport;
use crate::resolver::WireTransport;

/// Work in flight at once in a round: DNS questions and HTTP fetches
/// together. A 120-name CSR asks ~245 distinct DNS questions (CNAME at each
/// ADN, CAA up the tree) and fetches once per name and address, so 128
/// keeps that to a few waves of round trips; few enough not to look like a
/// flood, and bounded so sockets and memory (at most 64 KiB per fetch) stay
/// flat in the number of names.
pub const MAX_IN_FLIGHT: usize = 128;

/// Default time allowed for one DNS query (SPEC section 3).
pub const DEFAULT_DNS_TIMEOUT: Duration = Duration::from_secs(5);

/// The transports a check runs on: the real ones, or test doubles.
pub struct Net<F> {
    pub dns: Arc<dyn DnsTransport>,
    pub http: F,
}

impl Net<HyperFetcher> {
    /// UDP/TCP DNS with `dns_timeout` per attempt (asking for DNSSEC
    /// records when `dnssec`), and hyper/rustls HTTP.
    pub fn real(dns_timeout: Duration, dnssec: bool) -> Net<HyperFetcher> {
        Net {
            dns: Arc::new(WireTransport::new(dns_timeout).with_dnssec(dnssec)),
            http: HyperFetcher::new(),
        }
    }
}
