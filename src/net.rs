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

/// DNS questions in flight at once to one server address (the ceiling of
/// its adaptive window, `--max-in-flight`). 1,000 names ask each of their
/// two nameservers ~2,000 questions and the resolver as many; 512 at once
/// keeps that to a handful of round trips, and a server that cannot take
/// it (timeouts) gets fewer (`resolver::flow`).
pub const MAX_IN_FLIGHT: usize = 512;

/// DNS questions in flight at once in a round, whatever the server: a
/// bound on memory, not on any server's load. UDP questions share a socket
/// per server, so this costs no file descriptors.
pub const QUESTIONS_IN_FLIGHT: usize = 2048;

/// HTTP fetches in flight at once (each is a socket and up to 64 KiB of
/// body): a 120-name order is fetched in one wave, and with the DNS
/// sockets a round stays under 256 file descriptors.
pub const MAX_FETCHES_IN_FLIGHT: usize = 128;

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
