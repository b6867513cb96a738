//! The real [`DnsTransport`]: one question over UDP with EDNS0 (on the
//! shared sockets of [`super::udp`]), sent once more when no answer came
//! within the server's retransmission timeout, and repeated over TCP when
//! the UDP answer is truncated. Message encoding is hickory-proto's; sizes
//! are bounded on both paths.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout_at};

use super::udp::{MAX_SOCKETS, UdpMux};
use super::{Answer, Data, DnsTransport, QueryError, RType, Rcode, Record, Signed};

/// The EDNS0 payload size DNS Flag Day 2020 recommends (no fragmentation).
const EDNS_PAYLOAD: u16 = 1232;
/// TCP connections at once (truncated answers are rare; each is a socket).
const MAX_TCP: usize = 16;
/// The retransmission timeout of a server not yet heard from (capped by
/// `--timeout`); resolvers start near 400 ms (Unbound: 376 ms).
const INITIAL_RTO: Duration = Duration::from_secs(1);
/// The shortest retransmission timeout: a burst of questions is answered
/// over a while (the last ones wait in the server's queue), and a busy
/// machine reads answers late, neither of which is a loss to repeat.
const MIN_RTO: Duration = Duration::from_millis(800);

/// UDP/TCP transport with a per-attempt timeout.
#[derive(Clone)]
pub struct WireTransport {
    pub timeout: Duration,
    /// Ask for signatures (EDNS DO) and, of resolvers, for the data even
    /// when it does not validate (CD), so that dcv can validate it itself
    /// and name what is wrong.
    pub dnssec: bool,
    udp: Arc<UdpMux>,
    tcp: Arc<Semaphore>,
    rtt: Arc<RoundTrips>,
}

impl WireTransport {
    pub fn new(timeout: Duration) -> WireTransport {
        WireTransport {
            timeout,
            dnssec: false,
            udp: Arc::new(UdpMux::new(MAX_SOCKETS)),
            tcp: Arc::new(Semaphore::new(MAX_TCP)),
            rtt: Arc::default(),
        }
    }

    pub fn with_dnssec(mut self, dnssec: bool) -> WireTransport {
        self.dnssec = dnssec;
        self
    }
}

impl DnsTransport for WireTransport {
    fn resent(&self, server: SocketAddr) -> u64 {
        self.rtt.resent(server)
    }

    fn query(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: RType,
        recursion_desired: bool,
    ) -> BoxFuture<'static, Result<Answer, QueryError>> {
        let timeout = self.timeout;
        let dnssec = self.dnssec;
        let name = name.to_owned();
        let sockets = Sockets {
            udp: self.udp.clone(),
            tcp: self.tcp.clone(),
            rtt: self.rtt.clone(),
        };
        async move {
            let qname = Name::from_ascii(format!("{}.", name.trim_end_matches('.')))
                .map_err(|e| QueryError::BadResponse(format!("cannot ask for {name:?}: {e}")))?;
            exchange(
                &sockets,
                server,
                &qname,
                rtype,
                recursion_desired,
                timeout,
                dnssec,
            )
            .await
        }
        .boxed()
    }
}

/// The hickory record type of a question type.
pub fn record_type(rtype: RType) -> RecordType {
    match rtype {
        RType::A => RecordType::A,
        RType::Aaaa => RecordType::AAAA,
        RType::Ns => RecordType::NS,
        RType::Soa => RecordType::SOA,
        RType::Cname => RecordType::CNAME,
        RType::Txt => RecordType::TXT,
        RType::Caa => RecordType::CAA,
        RType::Dnskey => RecordType::DNSKEY,
        RType::Ds => RecordType::DS,
    }
}

fn request(qname: &Name, rtype: RType, rd: bool, edns: bool, dnssec: bool) -> Message {
    let mut msg = Message::new();
    msg.set_id(super::udp::rand_id())
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(rd)
        // A validating resolver answers SERVFAIL for bogus data; with CD it
        // hands the data over and dcv says why it is bogus.
        .set_checking_disabled(dnssec && rd)
        .add_query(Query::query(qname.clone(), record_type(rtype)));
    if edns {
        let mut opt = Edns::new();
        opt.set_max_payload(EDNS_PAYLOAD);
        opt.set_dnssec_ok(dnssec);
        msg.set_edns(opt);
    }
    msg
}

/// The transport's shared sockets, its bound on TCP connections and what
/// it learnt of each server's round trip.
struct Sockets {
    udp: Arc<UdpMux>,
    tcp: Arc<Semaphore>,
    rtt: Arc<RoundTrips>,
}

/// Each server's smoothed round-trip time (RFC 6298's SRTT), from which
/// its retransmission timeout follows. Why: a datagram lost under load
/// (a server's full receive queue) cost a whole `--timeout` before the
/// question was asked again; a resolver asks again after a few round trips.
#[derive(Default)]
struct RoundTrips {
    servers: std::sync::Mutex<std::collections::HashMap<SocketAddr, ServerTimes>>,
}

/// What the transport learnt of one server.
#[derive(Default, Clone, Copy)]
struct ServerTimes {
    /// Not yet known before the server's first answer.
    smoothed: Option<Duration>,
    /// Questions sent again ([`DnsTransport::resent`]).
    resent: u64,
}

impl RoundTrips {
    fn of(&self, server: SocketAddr) -> ServerTimes {
        super::lock(&self.servers)
            .get(&server)
            .copied()
            .unwrap_or_default()
    }

    /// When to send a question to `server` once more: four smoothed round
    /// trips, within [`MIN_RTO`] and `timeout`.
    fn rto(&self, server: SocketAddr, timeout: Duration) -> Duration {
        match self.of(server).smoothed {
            Some(srtt) => (srtt * 4).max(MIN_RTO),
            None => INITIAL_RTO,
        }
        .min(timeout)
    }

    fn resending(&self, server: SocketAddr) {
        super::lock(&self.servers).entry(server).or_default().resent += 1;
    }

    fn resent(&self, server: SocketAddr) -> u64 {
        self.of(server).resent
    }

    /// An answer came `elapsed` after its question (first copy only, so
    /// that a retransmission does not make the round trip look short).
    fn observe(&self, server: SocketAddr, elapsed: Duration) {
        let mut servers = super::lock(&self.servers);
        let srtt = servers
            .entry(server)
            .or_default()
            .smoothed
            .get_or_insert(elapsed);
        *srtt = (*srtt * 7 + elapsed) / 8;
    }
}

/// One question over UDP: sent, then sent once more (a new ID) when no
/// answer came within the server's retransmission timeout, whichever copy
/// is answered first wins. The second copy gets a whole `timeout`, so a
/// server that never answers is given up on after `rto + timeout` (twice
/// `timeout` for a server not yet heard from, as before).
async fn udp(
    sockets: &Sockets,
    server: SocketAddr,
    msg: &Message,
    timeout: Duration,
) -> Result<Message, QueryError> {
    let sent = Instant::now();
    let rto = sockets.rtt.rto(server, timeout);
    let first = sockets.udp.exchange(server, msg.clone());
    futures::pin_mut!(first);
    if let Ok(answer) = tokio::time::timeout(rto, &mut first).await {
        if answer.is_ok() {
            sockets.rtt.observe(server, sent.elapsed());
        }
        return answer;
    }
    sockets.rtt.resending(server);
    let second = sockets.udp.exchange(server, msg.clone());
    futures::pin_mut!(second);
    let either = futures::future::select(first, second);
    match timeout_at(sent + rto + timeout, either).await {
        Ok(
            futures::future::Either::Left((answer, _))
            | futures::future::Either::Right((answer, _)),
        ) => answer,
        Err(_) => Err(QueryError::Timeout(timeout)),
    }
}

async fn exchange(
    sockets: &Sockets,
    server: SocketAddr,
    qname: &Name,
    rtype: RType,
    rd: bool,
    timeout: Duration,
    dnssec: bool,
) -> Result<Answer, QueryError> {
    let answer = exchange_with(sockets, server, qname, rtype, rd, timeout, true, dnssec).await?;
    // A server that does not speak EDNS0 answers FORMERR (RFC 6891 section
    // 7): ask once more in plain DNS, as resolvers do.
    if answer.rcode == Rcode::Other(u16::from(ResponseCode::FormErr)) {
        return exchange_with(sockets, server, qname, rtype, rd, timeout, false, false).await;
    }
    Ok(answer)
}

#[allow(clippy::too_many_arguments)]
async fn exchange_with(
    sockets: &Sockets,
    server: SocketAddr,
    qname: &Name,
    rtype: RType,
    rd: bool,
    timeout: Duration,
    edns: bool,
    dnssec: bool,
) -> Result<Answer, QueryError> {
    let msg = request(qname, rtype, rd, edns, dnssec);
    let response = udp(sockets, server, &msg, timeout).await?;
    let mut response = if response.truncated() {
        // The whole answer did not fit: ask again over TCP, a fresh deadline
        // (the wait for a free connection included).
        let deadline = Instant::now() + timeout;
        // A failed retry says both what happened over UDP and over TCP.
        timeout_at(deadline, async {
            let _connection = sockets.tcp.acquire().await;
            tcp(server, &msg).await
        })
        .await
        .map_err(|_| QueryError::Timeout(timeout))
        .and_then(|r| r)
        .map_err(|e| {
            QueryError::BadResponse(format!(
                "the UDP answer was truncated (TC) and the retry over TCP failed: {e}"
            ))
        })?
    } else {
        response
    };
    let mut answer = convert(&response);
    if dnssec {
        // The records themselves, not copies: the message is done with.
        let of_class_in = |records: Vec<hickory_proto::rr::Record>| {
            records
                .into_iter()
                .filter(|r| r.dns_class() == DNSClass::IN)
                .collect()
        };
        answer.signed = Some(Arc::new(Signed {
            answers: of_class_in(response.take_answers()),
            authority: of_class_in(response.take_name_servers()),
        }));
    }
    Ok(answer)
}

fn net(e: std::io::Error) -> QueryError {
    QueryError::Network(e.to_string())
}

async fn tcp(server: SocketAddr, req: &Message) -> Result<Message, QueryError> {
    let bytes = req
        .to_vec()
        .map_err(|e| QueryError::BadResponse(e.to_string()))?;
    let mut stream = TcpStream::connect(server).await.map_err(net)?;
    let len =
        u16::try_from(bytes.len()).map_err(|_| QueryError::BadResponse("query too long".into()))?;
    let mut framed = Vec::with_capacity(bytes.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(&bytes);
    stream.write_all(&framed).await.map_err(net)?;
    // The 2-byte length caps what a server can make us read at 64 KiB.
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await.map_err(net)?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut buf).await.map_err(net)?;
    let resp = Message::from_vec(&buf).map_err(|e| QueryError::Malformed(e.to_string()))?;
    let question = req.queries().first();
    let ours = resp.id() == req.id()
        && question
            .is_some_and(|q| super::udp::answers(&resp, &q.name().to_lowercase(), q.query_type()));
    if !ours {
        return Err(QueryError::BadResponse(
            "the TCP answer is not for our question".into(),
        ));
    }
    Ok(resp)
}

fn rcode(code: ResponseCode) -> Rcode {
    match code {
        ResponseCode::NoError => Rcode::NoError,
        ResponseCode::NXDomain => Rcode::NxDomain,
        ResponseCode::ServFail => Rcode::ServFail,
        ResponseCode::Refused => Rcode::Refused,
        other => Rcode::Other(u16::from(other)),
    }
}

fn name_str(name: &Name) -> String {
    super::normalize(&name.to_ascii())
}

fn absolute(name: &Name) -> String {
    let s = name.to_ascii();
    if s.ends_with('.') { s } else { format!("{s}.") }
}

fn record(r: &hickory_proto::rr::Record) -> Record {
    let data = match r.data() {
        RData::A(a) => Data::Addr(IpAddr::V4(a.0)),
        RData::AAAA(a) => Data::Addr(IpAddr::V6(a.0)),
        RData::NS(ns) => Data::Ns(name_str(&ns.0)),
        RData::CNAME(c) => Data::Cname(absolute(&c.0)),
        RData::TXT(t) => Data::Txt(
            t.txt_data()
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        RData::CAA(c) => Data::Caa {
            flags: c.flags(),
            tag: c.tag().as_str().to_owned(),
            value: c.raw_value().to_vec(),
        },
        RData::SOA(s) => Data::Soa {
            mname: name_str(s.mname()),
            minimum: s.minimum(),
            serial: s.serial(),
        },
        other => Data::Other(u16::from(other.record_type())),
    };
    Record {
        owner: name_str(r.name()),
        ttl: r.ttl(),
        data,
    }
}

/// The records of class IN: every question dcv asks is of class IN, and a
/// record of another class (CH, HS, …) in the reply answers nothing asked,
/// so resolvers ignore it.
fn class_in(
    records: &[hickory_proto::rr::Record],
) -> impl Iterator<Item = &hickory_proto::rr::Record> {
    records.iter().filter(|r| r.dns_class() == DNSClass::IN)
}

/// Reduces a hickory message to the model; never fails.
pub fn convert(msg: &Message) -> Answer {
    Answer {
        rcode: rcode(msg.response_code()),
        authoritative: msg.authoritative(),
        answers: class_in(msg.answers()).map(record).collect(),
        authority: class_in(msg.name_servers()).map(record).collect(),
        additional: class_in(msg.additionals()).map(record).collect(),
        signed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::TXT;
    use tokio::net::UdpSocket;

    /// A loopback server that ignores the first copy of every question and
    /// answers the second (a datagram lost under load), counting copies.
    async fn forgetful_server() -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        let copies = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = copies.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let mut seen = std::collections::HashSet::new();
            loop {
                let (len, from) = sock.recv_from(&mut buf).await.unwrap();
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let req = Message::from_vec(&buf[..len]).unwrap();
                let q = req.queries()[0].clone();
                if seen.insert(q.name().to_ascii()) {
                    continue;
                }
                let mut resp = Message::new();
                resp.set_id(req.id())
                    .set_message_type(MessageType::Response)
                    .add_query(q.clone())
                    .add_answer(hickory_proto::rr::Record::from_rdata(
                        q.name().clone(),
                        60,
                        RData::TXT(TXT::new(vec!["v".into()])),
                    ));
                sock.send_to(&resp.to_vec().unwrap(), from).await.unwrap();
            }
        });
        (addr, copies)
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_question_is_asked_again_after_the_retransmission_timeout_not_the_timeout() {
        let (server, copies) = forgetful_server().await;
        let transport = WireTransport::new(Duration::from_secs(30));
        let start = Instant::now();
        let answer = transport
            .query(server, "lost.example.test", RType::Txt, false)
            .await
            .expect("the second copy is answered");
        assert_eq!(answer.answers[0].data, Data::Txt("v".into()));
        assert_eq!(copies.load(std::sync::atomic::Ordering::SeqCst), 2);
        // Asked again at the initial retransmission timeout (virtual time),
        // not after the 30 s --timeout.
        assert!(start.elapsed() >= INITIAL_RTO, "{:?}", start.elapsed());
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_never_answers_times_out_after_the_second_copy_has_had_its_timeout() {
        // Bound, never read: the questions go nowhere.
        let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let transport = WireTransport::new(Duration::from_secs(3));
        let start = Instant::now();
        let got = transport
            .query(
                silent.local_addr().unwrap(),
                "x.example.test",
                RType::Txt,
                false,
            )
            .await;
        assert_eq!(
            got.unwrap_err(),
            QueryError::Timeout(Duration::from_secs(3))
        );
        assert_eq!(start.elapsed(), INITIAL_RTO + Duration::from_secs(3));
    }

    #[test]
    fn records_of_a_class_other_than_in_are_ignored() {
        let owner = Name::from_ascii("_x.example.com.").unwrap();
        let mut msg = Message::new();
        let mut chaos = hickory_proto::rr::Record::from_rdata(
            owner.clone(),
            300,
            RData::TXT(TXT::new(vec!["forged".into()])),
        );
        chaos.set_dns_class(DNSClass::CH);
        let genuine = hickory_proto::rr::Record::from_rdata(
            owner,
            300,
            RData::TXT(TXT::new(vec!["v".into()])),
        );
        msg.add_answer(chaos);
        msg.add_answer(genuine);
        let answer = convert(&msg);
        assert_eq!(answer.answers.len(), 1);
        assert_eq!(answer.answers[0].data, Data::Txt("v".into()));
    }
}
