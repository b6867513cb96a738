//! A small authoritative DNS server for tests: zones described in code,
//! answered over UDP and TCP on a loopback ephemeral port, with switches
//! for the failures the checks must tell apart (REFUSED, SERVFAIL,
//! silence, truncation). Built on hickory-proto's message encoding.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Edns, Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, NS, NULL, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Record data the test zones use.
#[derive(Debug, Clone)]
pub enum RrData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(String),
    Txt(Vec<String>),
    /// flags, tag, value — encoded raw so malformed values reach the client.
    Caa(u8, String, String),
}

#[derive(Debug, Clone)]
pub struct Rr {
    pub name: String,
    pub data: RrData,
}

/// One zone: apex, SOA timers, NS hosts, records and delegations.
#[derive(Debug, Clone)]
pub struct Zone {
    pub apex: String,
    pub soa_ttl: u32,
    pub minimum: u32,
    pub serial: u32,
    pub ns: Vec<String>,
    pub records: Vec<Rr>,
    pub delegations: Vec<(String, Vec<String>)>,
}

fn norm(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

fn in_zone(name: &str, zone: &str) -> bool {
    name == zone || name.ends_with(&format!(".{zone}"))
}

impl Zone {
    pub fn new(apex: &str) -> Zone {
        Zone {
            apex: norm(apex),
            soa_ttl: 3600,
            minimum: 300,
            serial: 1,
            ns: vec![format!("ns1.{}", norm(apex))],
            records: Vec::new(),
            delegations: Vec::new(),
        }
    }

    pub fn minimum(mut self, minimum: u32) -> Zone {
        self.minimum = minimum;
        self
    }

    pub fn serial(mut self, serial: u32) -> Zone {
        self.serial = serial;
        self
    }

    pub fn ns(mut self, hosts: &[&str]) -> Zone {
        self.ns = hosts.iter().map(|h| norm(h)).collect();
        self
    }

    pub fn rr(mut self, name: &str, data: RrData) -> Zone {
        self.records.push(Rr {
            name: norm(name),
            data,
        });
        self
    }

    pub fn a(self, name: &str, ip: Ipv4Addr) -> Zone {
        self.rr(name, RrData::A(ip))
    }

    pub fn cname(self, name: &str, target: &str) -> Zone {
        self.rr(name, RrData::Cname(target.to_owned()))
    }

    pub fn txt(self, name: &str, strings: &[&str]) -> Zone {
        self.rr(
            name,
            RrData::Txt(strings.iter().map(|s| (*s).to_owned()).collect()),
        )
    }

    pub fn caa(self, name: &str, flags: u8, tag: &str, value: &str) -> Zone {
        self.rr(name, RrData::Caa(flags, tag.to_owned(), value.to_owned()))
    }

    pub fn delegate(mut self, child: &str, hosts: &[&str]) -> Zone {
        self.delegations
            .push((norm(child), hosts.iter().map(|h| norm(h)).collect()));
        self
    }
}

/// How the server treats every question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    Normal,
    Refused,
    ServFail,
    /// Never answers.
    Silent,
    /// Over UDP, answers with TC=1 and nothing else; TCP answers fully.
    TruncateUdp,
    /// Sends junk: undecodable bytes, then a well-formed answer with the
    /// wrong ID (both must be ignored, never trusted or panicked on).
    Garbage,
    /// An old server: FORMERR to any query carrying EDNS0.
    NoEdns,
    /// Hostile: answers NXDOMAIN with every record of the zones whose owner
    /// is not the question name.
    ForgeNxDomain,
    /// Hostile: the same with NOERROR.
    ForgeNoError,
    /// SERVFAIL to A queries only.
    ServFailA,
    /// NXDOMAIN to AAAA queries only (RFC 4074's misbehaviour).
    NxDomainAaaa,
    /// A reply with our ID whose question name is a compression pointer to
    /// itself: undecodable.
    CompressionLoop,
    /// A lame server: NOERROR without the AA bit and without records.
    Lame,
    /// FORMERR to every query, with or without EDNS.
    FormErr,
    /// BADVERS (extended RCODE 16) to every query.
    BadVers,
    /// Over UDP, TC=1 and nothing else; over TCP, the connection is closed
    /// without an answer (a server with no working TCP).
    TruncateUdpNoTcp,
}

struct State {
    zones: Vec<Zone>,
    behavior: Behavior,
    udp_queries: usize,
    tcp_queries: usize,
}

/// A running server; stops when dropped.
pub struct DnsServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DnsServer {
    pub fn start(zones: Vec<Zone>) -> DnsServer {
        DnsServer::with_behavior(zones, Behavior::Normal)
    }

    pub fn with_behavior(zones: Vec<Zone>, behavior: Behavior) -> DnsServer {
        // UDP and TCP on the same ephemeral port; retry if TCP's is taken.
        let (udp, tcp) = (0..20)
            .find_map(|_| {
                let udp = std::net::UdpSocket::bind("127.0.0.1:0").ok()?;
                let addr = udp.local_addr().ok()?;
                let tcp = std::net::TcpListener::bind(addr).ok()?;
                Some((udp, tcp))
            })
            .expect("bind a loopback port for UDP and TCP");
        let addr = udp.local_addr().unwrap();
        udp.set_nonblocking(true).unwrap();
        tcp.set_nonblocking(true).unwrap();
        let state = Arc::new(Mutex::new(State {
            zones,
            behavior,
            udp_queries: 0,
            tcp_queries: 0,
        }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let udp = tokio::net::UdpSocket::from_std(udp).unwrap();
                let tcp = tokio::net::TcpListener::from_std(tcp).unwrap();
                let udp_loop = {
                    let st = st.clone();
                    async move {
                        let mut buf = vec![0u8; 4096];
                        loop {
                            let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                                continue;
                            };
                            if let Some(resp) = respond(&st, &buf[..n], false) {
                                let _ = udp.send_to(&resp, peer).await;
                            }
                        }
                    }
                };
                let tcp_loop = async move {
                    loop {
                        let Ok((mut conn, _)) = tcp.accept().await else {
                            continue;
                        };
                        let st = st.clone();
                        tokio::spawn(async move {
                            let mut len = [0u8; 2];
                            while conn.read_exact(&mut len).await.is_ok() {
                                let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
                                if conn.read_exact(&mut buf).await.is_err() {
                                    return;
                                }
                                let Some(resp) = respond(&st, &buf, true) else {
                                    return;
                                };
                                let mut framed = (resp.len() as u16).to_be_bytes().to_vec();
                                framed.extend_from_slice(&resp);
                                if conn.write_all(&framed).await.is_err() {
                                    return;
                                }
                            }
                        });
                    }
                };
                tokio::select! {
                    _ = udp_loop => {}
                    _ = tcp_loop => {}
                    _ = stopped => {}
                }
            });
        });
        DnsServer {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Replaces the zones (a record appearing while `--wait` polls).
    pub fn set_zones(&self, zones: Vec<Zone>) {
        self.state.lock().unwrap().zones = zones;
    }

    pub fn set_behavior(&self, behavior: Behavior) {
        self.state.lock().unwrap().behavior = behavior;
    }

    /// Questions received over (UDP, TCP).
    pub fn queries(&self) -> (usize, usize) {
        let s = self.state.lock().unwrap();
        (s.udp_queries, s.tcp_queries)
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn name(s: &str) -> Name {
    Name::from_ascii(format!("{}.", norm(s))).unwrap()
}

fn fqdn_target(s: &str) -> Name {
    // Targets are always absolute here; a test that wants the "provider
    // made it relative" mistake writes the zone-appended target itself.
    Name::from_ascii(if s.ends_with('.') {
        s.to_owned()
    } else {
        format!("{s}.")
    })
    .unwrap()
}

fn soa(z: &Zone) -> Record {
    Record::from_rdata(
        name(&z.apex),
        z.soa_ttl,
        RData::SOA(SOA::new(
            name(&z.ns[0]),
            name(&format!("hostmaster.{}", z.apex)),
            z.serial,
            3600,
            600,
            86400,
            z.minimum,
        )),
    )
}

fn rdata(d: &RrData) -> (RecordType, RData) {
    match d {
        RrData::A(ip) => (RecordType::A, RData::A(A(*ip))),
        RrData::Aaaa(ip) => (RecordType::AAAA, RData::AAAA(AAAA(*ip))),
        RrData::Cname(t) => (RecordType::CNAME, RData::CNAME(CNAME(fqdn_target(t)))),
        RrData::Txt(s) => (RecordType::TXT, RData::TXT(TXT::new(s.clone()))),
        RrData::Caa(flags, tag, value) => {
            let mut raw = vec![*flags, tag.len() as u8];
            raw.extend_from_slice(tag.as_bytes());
            raw.extend_from_slice(value.as_bytes());
            (
                RecordType::CAA,
                RData::Unknown {
                    code: RecordType::CAA,
                    rdata: NULL::with(raw),
                },
            )
        }
    }
}

fn respond(st: &Mutex<State>, bytes: &[u8], tcp: bool) -> Option<Vec<u8>> {
    let req = Message::from_vec(bytes).ok()?;
    let mut st = st.lock().unwrap();
    if tcp {
        st.tcp_queries += 1;
    } else {
        st.udp_queries += 1;
    }
    let mut resp = Message::new();
    resp.set_id(req.id())
        .set_message_type(MessageType::Response)
        .set_op_code(req.op_code())
        .set_recursion_desired(req.recursion_desired())
        .add_queries(req.queries().to_vec());
    if req.extensions().is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(1232);
        resp.set_edns(edns);
    }
    match st.behavior {
        Behavior::Silent => return None,
        Behavior::Garbage => {
            if req.id() % 2 == 0 {
                return Some(vec![0xff; 7]);
            }
            resp.set_id(req.id().wrapping_add(1));
            resp.set_response_code(ResponseCode::NXDomain);
            return resp.to_vec().ok();
        }
        Behavior::Refused => {
            resp.set_response_code(ResponseCode::Refused);
            return resp.to_vec().ok();
        }
        Behavior::ServFail => {
            resp.set_response_code(ResponseCode::ServFail);
            return resp.to_vec().ok();
        }
        Behavior::NoEdns if req.extensions().is_some() => {
            resp.set_response_code(ResponseCode::FormErr);
            *resp.extensions_mut() = None;
            return resp.to_vec().ok();
        }
        Behavior::TruncateUdp | Behavior::TruncateUdpNoTcp if !tcp => {
            resp.set_truncated(true);
            return resp.to_vec().ok();
        }
        Behavior::TruncateUdpNoTcp => return None,
        Behavior::Lame => return resp.to_vec().ok(),
        Behavior::FormErr => {
            resp.set_response_code(ResponseCode::FormErr);
            *resp.extensions_mut() = None;
            return resp.to_vec().ok();
        }
        Behavior::BadVers => {
            let mut edns = Edns::new();
            edns.set_max_payload(1232);
            resp.set_edns(edns);
            resp.set_response_code(ResponseCode::BADVERS);
            return resp.to_vec().ok();
        }
        _ => {}
    }
    let q = req.queries().first()?.clone();
    let qname = norm(&q.name().to_ascii());
    let qtype = q.query_type();
    match st.behavior {
        Behavior::ForgeNxDomain | Behavior::ForgeNoError => {
            if st.behavior == Behavior::ForgeNxDomain {
                resp.set_response_code(ResponseCode::NXDomain);
            }
            resp.set_authoritative(true);
            for z in &st.zones {
                for r in z.records.iter().filter(|r| r.name != qname) {
                    let (_, d) = rdata(&r.data);
                    resp.add_answer(Record::from_rdata(name(&r.name), 300, d));
                }
            }
            return resp.to_vec().ok();
        }
        Behavior::ServFailA if qtype == RecordType::A => {
            resp.set_response_code(ResponseCode::ServFail);
            return resp.to_vec().ok();
        }
        Behavior::NxDomainAaaa if qtype == RecordType::AAAA => {
            resp.set_response_code(ResponseCode::NXDomain);
            return resp.to_vec().ok();
        }
        Behavior::CompressionLoop => {
            let mut raw = req.id().to_be_bytes().to_vec();
            // QR, RD, RA; one question, nothing else.
            raw.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]);
            // The question name: a pointer to offset 12, i.e. to itself.
            raw.extend_from_slice(&[0xC0, 0x0C, 0, 5, 0, 1]);
            return Some(raw);
        }
        _ => {}
    }
    let Some(zone) = st
        .zones
        .iter()
        .filter(|z| in_zone(&qname, &z.apex))
        .max_by_key(|z| z.apex.len())
    else {
        resp.set_response_code(ResponseCode::Refused);
        return resp.to_vec().ok();
    };
    // Below a delegation: refer, without authority.
    if let Some((child, hosts)) = zone.delegations.iter().find(|(c, _)| in_zone(&qname, c)) {
        for h in hosts {
            resp.add_name_server(Record::from_rdata(
                name(child),
                3600,
                RData::NS(NS(name(h))),
            ));
        }
        return resp.to_vec().ok();
    }
    resp.set_authoritative(true);
    if qname == zone.apex && qtype == RecordType::SOA {
        resp.add_answer(soa(zone));
        return resp.to_vec().ok();
    }
    if qname == zone.apex && qtype == RecordType::NS {
        for h in &zone.ns {
            resp.add_answer(Record::from_rdata(
                name(&zone.apex),
                3600,
                RData::NS(NS(name(h))),
            ));
        }
        return resp.to_vec().ok();
    }
    let at: Vec<&Rr> = zone.records.iter().filter(|r| r.name == qname).collect();
    let cname = at.iter().find(|r| matches!(r.data, RrData::Cname(_)));
    let mut answered = false;
    if let (Some(c), false) = (cname, qtype == RecordType::CNAME) {
        let (_, d) = rdata(&c.data);
        resp.add_answer(Record::from_rdata(name(&qname), 300, d));
        if let RrData::Cname(t) = &c.data {
            let t = norm(t);
            for r in zone.records.iter().filter(|r| r.name == t) {
                let (ty, d) = rdata(&r.data);
                if ty == qtype {
                    resp.add_answer(Record::from_rdata(name(&t), 300, d));
                }
            }
            // An alias to a name of this zone that does not exist: the
            // answer's code speaks of the chain's end (RFC 6604), as Knot,
            // BIND and NSD answer it.
            let target_exists = t == zone.apex
                || zone.records.iter().any(|r| in_zone(&r.name, &t))
                || zone.ns.iter().any(|h| in_zone(h, &t));
            if in_zone(&t, &zone.apex) && !target_exists {
                resp.set_response_code(ResponseCode::NXDomain);
                resp.add_name_server(soa(zone));
            }
        }
        answered = true;
    } else {
        for r in &at {
            let (ty, d) = rdata(&r.data);
            if ty == qtype {
                resp.add_answer(Record::from_rdata(name(&qname), 300, d));
                answered = true;
            }
        }
    }
    if !answered {
        let exists = qname == zone.apex
            || zone.records.iter().any(|r| in_zone(&r.name, &qname))
            || zone.ns.iter().any(|h| in_zone(h, &qname));
        if !exists {
            resp.set_response_code(ResponseCode::NXDomain);
        }
        resp.add_name_server(soa(zone));
    }
    resp.to_vec().ok()
}
