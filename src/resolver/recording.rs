//! [`DnsTransport`] decorators that watch a round's exchanges without the
//! resolver code knowing: [`Tally`] counts, per address, answers and the
//! ways queries failed (so a round can tell "the resolvers dcv was given
//! could not be used at all", exit 3, from "not in place"), and
//! [`Transcript`] keeps every question and answer in presentation format
//! for the evidence bundle (`--evidence DIR`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;

use crate::resolver::{Answer, Data, DnsTransport, QueryError, RType, Record, lock};
use crate::text;

/// How the queries to one address went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Responses of any kind (an RCODE is an answer: the server is there).
    pub answered: usize,
    pub refused: usize,
    pub timed_out: usize,
    /// Other network errors (no route, host unreachable), the last one kept.
    pub unreachable: usize,
    pub last_network_error: Option<String>,
    /// The per-query timeout a timed-out query had.
    pub timeout: Option<Duration>,
}

impl Health {
    /// Asked, and never answered.
    pub fn unusable(&self) -> bool {
        self.answered == 0 && self.refused + self.timed_out + self.unreachable > 0
    }

    /// What happened, in words: `connection refused ...`, `every query
    /// timed out ...`.
    pub fn describe(&self) -> String {
        if self.refused > 0 && self.timed_out == 0 && self.unreachable == 0 {
            "connection refused (nothing listens for DNS there)".into()
        } else if self.unreachable > 0 && self.timed_out == 0 {
            format!(
                "unreachable ({})",
                self.last_network_error
                    .as_deref()
                    .unwrap_or("network error")
            )
        } else if self.refused == 0 && self.unreachable == 0 {
            format!(
                "no answer (every query timed out: {} {}{})",
                self.timed_out,
                if self.timed_out == 1 {
                    "query"
                } else {
                    "queries"
                },
                self.timeout
                    .map(|t| format!(", {} each", text::seconds(t)))
                    .unwrap_or_default()
            )
        } else {
            format!(
                "never answered: {} refused, {} unreachable, {} timed out",
                self.refused, self.unreachable, self.timed_out
            )
        }
    }

    /// The one word scripts read: `refused`, `unreachable` or `timed_out`.
    pub fn problem(&self) -> &'static str {
        if self.refused >= self.unreachable.max(self.timed_out) {
            "refused"
        } else if self.unreachable >= self.timed_out {
            "unreachable"
        } else {
            "timed_out"
        }
    }

    fn note(&mut self, result: &Result<Answer, QueryError>) {
        match result {
            Ok(_) => self.answered += 1,
            Err(QueryError::ConnectionRefused) => self.refused += 1,
            Err(QueryError::Timeout(t)) => {
                self.timed_out += 1;
                self.timeout = Some(*t);
            }
            Err(QueryError::Network(e)) => {
                self.unreachable += 1;
                self.last_network_error = Some(e.clone());
            }
            // Something answered, however badly: the address is in use.
            Err(_) => self.answered += 1,
        }
    }
}

/// Counts every exchange per server address.
pub struct Tally {
    inner: Arc<dyn DnsTransport>,
    seen: Arc<Mutex<HashMap<SocketAddr, Health>>>,
}

impl Tally {
    pub fn new(inner: Arc<dyn DnsTransport>) -> Tally {
        Tally {
            inner,
            seen: Arc::default(),
        }
    }

    /// How the queries to `addr` went (`None`: never asked).
    pub fn health(&self, addr: &SocketAddr) -> Option<Health> {
        lock(&self.seen).get(addr).cloned()
    }

    /// The given resolvers, each with what happened, when every one that
    /// was asked never answered; `None` when any of them answered or none
    /// was asked (e.g. `--resolve` for every host).
    pub fn unusable(&self, resolvers: &[SocketAddr]) -> Option<Vec<(SocketAddr, Health)>> {
        let seen = lock(&self.seen);
        let asked: Vec<(SocketAddr, Health)> = resolvers
            .iter()
            .filter_map(|r| seen.get(r).map(|h| (*r, h.clone())))
            .collect();
        (!asked.is_empty() && asked.iter().all(|(_, h)| h.unusable())).then_some(asked)
    }
}

impl DnsTransport for Tally {
    fn resent(&self, server: SocketAddr) -> u64 {
        self.inner.resent(server)
    }

    fn query(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: RType,
        recursion_desired: bool,
    ) -> BoxFuture<'static, Result<Answer, QueryError>> {
        let fut = self.inner.query(server, name, rtype, recursion_desired);
        let seen = self.seen.clone();
        async move {
            let result = fut.await;
            lock(&seen).entry(server).or_default().note(&result);
            result
        }
        .boxed()
    }
}

/// One question and what came back, rendered when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// When the question was sent (RFC 3339).
    pub at: String,
    pub server: SocketAddr,
    /// Lowercase, without the trailing dot.
    pub name: String,
    pub rtype: RType,
    pub recursion_desired: bool,
    pub elapsed: Duration,
    /// The response (header line and sections), or why there was none.
    pub text: String,
    /// DS, DNSKEY and RRSIG records of the response, as received.
    pub dnssec: Vec<String>,
}

/// The most exchanges a transcript keeps, and the most bytes of rendered
/// text: bounded memory whatever the number of names, `--wait` rounds or
/// the size of what servers send; later exchanges are counted.
pub const MAX_EXCHANGES: usize = 50_000;
pub const MAX_BYTES: usize = 64 << 20;

/// Every exchange of the checks, for the evidence bundle.
#[derive(Debug, Default)]
pub struct DnsLog {
    pub exchanges: Vec<Exchange>,
    pub dropped: usize,
    /// Bytes of text kept so far.
    pub bytes: usize,
}

/// Records every exchange into a shared [`DnsLog`].
pub struct Transcript {
    inner: Arc<dyn DnsTransport>,
    log: Arc<Mutex<DnsLog>>,
}

impl Transcript {
    pub fn new(inner: Arc<dyn DnsTransport>, log: Arc<Mutex<DnsLog>>) -> Transcript {
        Transcript { inner, log }
    }
}

impl DnsTransport for Transcript {
    fn resent(&self, server: SocketAddr) -> u64 {
        self.inner.resent(server)
    }

    fn query(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: RType,
        recursion_desired: bool,
    ) -> BoxFuture<'static, Result<Answer, QueryError>> {
        let fut = self.inner.query(server, name, rtype, recursion_desired);
        let log = self.log.clone();
        let name = crate::resolver::normalize(name);
        let at = crate::clock::rfc3339(crate::clock::now());
        let started = Instant::now();
        async move {
            let result = fut.await;
            let elapsed = started.elapsed();
            let (text, dnssec) = render(&result);
            let mut log = lock(&log);
            let size = text.len() + dnssec.iter().map(String::len).sum::<usize>();
            if log.exchanges.len() < MAX_EXCHANGES && log.bytes + size <= MAX_BYTES {
                log.bytes += size;
                log.exchanges.push(Exchange {
                    at,
                    server,
                    name,
                    rtype,
                    recursion_desired,
                    elapsed,
                    text,
                    dnssec,
                });
            } else {
                log.dropped += 1;
            }
            drop(log);
            result
        }
        .boxed()
    }
}

/// A response in presentation format: the header's RCODE and AA flag, then
/// the answer and authority sections (as received when the transport kept
/// them, signatures included), and the DNSSEC records apart.
fn render(result: &Result<Answer, QueryError>) -> (String, Vec<String>) {
    let a = match result {
        Ok(a) => a,
        Err(e) => return (format!(";; no response: {e}\n"), Vec::new()),
    };
    let mut out = format!(
        ";; rcode {} flags:{}\n",
        a.rcode,
        if a.authoritative { " aa" } else { "" }
    );
    let mut dnssec = Vec::new();
    match &a.signed {
        Some(signed) => {
            for (title, records) in [
                ("ANSWER", &signed.answers),
                ("AUTHORITY", &signed.authority),
            ] {
                out.push_str(&format!(";; {title} ({})\n", records.len()));
                for r in records.iter() {
                    let line = r.to_string();
                    out.push_str(&line);
                    out.push('\n');
                    if matches!(
                        r.record_type(),
                        hickory_proto::rr::RecordType::DS
                            | hickory_proto::rr::RecordType::DNSKEY
                            | hickory_proto::rr::RecordType::RRSIG
                    ) {
                        dnssec.push(line);
                    }
                }
            }
        }
        None => {
            for (title, records) in [("ANSWER", &a.answers), ("AUTHORITY", &a.authority)] {
                out.push_str(&format!(";; {title} ({})\n", records.len()));
                for r in records {
                    out.push_str(&presentation(r));
                    out.push('\n');
                }
            }
        }
    }
    (out, dnssec)
}

/// One reduced record in zone-file syntax.
fn presentation(r: &Record) -> String {
    let (rtype, data) = match &r.data {
        Data::Addr(std::net::IpAddr::V4(ip)) => ("A", ip.to_string()),
        Data::Addr(std::net::IpAddr::V6(ip)) => ("AAAA", ip.to_string()),
        Data::Ns(n) => ("NS", n.clone()),
        Data::Cname(t) => ("CNAME", t.clone()),
        Data::Txt(t) => ("TXT", format!("{t:?}")),
        Data::Caa { flags, tag, value } => (
            "CAA",
            format!("{flags} {tag} {:?}", String::from_utf8_lossy(value)),
        ),
        Data::Soa { mname, minimum, .. } => ("SOA", format!("{mname} ... {minimum}")),
        Data::Other(t) => return format!("{}. {} IN TYPE{t}", r.owner, r.ttl),
    };
    format!("{}. {} IN {rtype} {data}", r.owner, r.ttl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolver::Rcode;

    /// Answers from a table: `Err` addresses fail that way.
    struct Fixed(HashMap<SocketAddr, Result<Answer, QueryError>>);

    impl DnsTransport for Fixed {
        fn query(
            &self,
            server: SocketAddr,
            _: &str,
            _: RType,
            _: bool,
        ) -> BoxFuture<'static, Result<Answer, QueryError>> {
            let r = self.0.get(&server).cloned().unwrap();
            async move { r }.boxed()
        }
    }

    fn answer() -> Answer {
        Answer {
            rcode: Rcode::ServFail,
            authoritative: false,
            answers: vec![Record {
                owner: "x.example".into(),
                ttl: 60,
                data: Data::Cname("y.example.".into()),
            }],
            authority: Vec::new(),
            additional: Vec::new(),
            signed: None,
        }
    }

    #[tokio::test]
    async fn a_resolver_is_unusable_only_when_it_never_answered() {
        let dead: SocketAddr = "127.0.0.99:53".parse().unwrap();
        let slow: SocketAddr = "127.0.0.98:53".parse().unwrap();
        let good: SocketAddr = "127.0.0.97:53".parse().unwrap();
        let inner = Fixed(HashMap::from([
            (dead, Err(QueryError::ConnectionRefused)),
            (slow, Err(QueryError::Timeout(Duration::from_secs(2)))),
            (good, Ok(answer())),
        ]));
        let tally = Tally::new(Arc::new(inner));
        assert_eq!(tally.unusable(&[dead]), None, "not asked yet");
        for s in [dead, slow, good] {
            let _ = tally.query(s, "x.example", RType::Cname, true).await;
        }
        let both = tally.unusable(&[dead, slow]).unwrap();
        assert_eq!(both[0].1.problem(), "refused");
        assert!(both[0].1.describe().contains("connection refused"));
        assert_eq!(both[1].1.problem(), "timed_out");
        assert!(
            both[1]
                .1
                .describe()
                .contains("every query timed out: 1 query, 2s each")
        );
        // A SERVFAIL is an answer: that resolver is usable.
        assert_eq!(tally.unusable(&[dead, good]), None);
    }

    #[tokio::test]
    async fn the_transcript_is_bounded_in_bytes_whatever_servers_send() {
        let server: SocketAddr = "127.0.0.97:53".parse().unwrap();
        let mut big = answer();
        big.answers = (0..1000)
            .map(|i| Record {
                owner: "x.example".into(),
                ttl: 60,
                data: Data::Txt(format!("{i:0>100}")),
            })
            .collect();
        let log = Arc::new(Mutex::new(DnsLog::default()));
        let t = Transcript::new(
            Arc::new(Fixed(HashMap::from([(server, Ok(big))]))),
            log.clone(),
        );
        for _ in 0..700 {
            let _ = t.query(server, "x.example", RType::Txt, true).await;
        }
        let log = lock(&log);
        assert!(log.dropped > 0, "{} kept", log.exchanges.len());
        assert!(log.bytes <= MAX_BYTES);
        assert_eq!(log.exchanges.len() + log.dropped, 700);
    }

    #[tokio::test]
    async fn the_transcript_keeps_question_server_and_answer() {
        let server: SocketAddr = "127.0.0.97:53".parse().unwrap();
        let log = Arc::new(Mutex::new(DnsLog::default()));
        let t = Transcript::new(
            Arc::new(Fixed(HashMap::from([(server, Ok(answer()))]))),
            log.clone(),
        );
        let _ = t.query(server, "X.Example.", RType::Cname, false).await;
        let log = lock(&log);
        let e = &log.exchanges[0];
        assert_eq!(
            (e.server, e.name.as_str(), e.rtype),
            (server, "x.example", RType::Cname)
        );
        assert!(e.text.contains(";; rcode SERVFAIL flags:\n"), "{}", e.text);
        assert!(
            e.text.contains("x.example. 60 IN CNAME y.example."),
            "{}",
            e.text
        );
    }
}
