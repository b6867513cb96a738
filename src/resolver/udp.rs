//! Shared UDP sockets for the wire transport: one connected socket per
//! server address while questions to it are in flight, each answer handed
//! to the question it answers by ID and question (RFC 5452 section 9.1).
//!
//! Why: a socket per question made the file descriptors in use grow with
//! the questions in flight, so `ulimit -n 256` capped a round at ~128
//! questions at once, and 10,000 names took hundreds of round trips. Shared
//! sockets keep descriptors to the servers being asked (at most
//! [`MAX_SOCKETS`]), whatever the number of questions.
//!
//! A socket stays connected so that the kernel drops datagrams from other
//! addresses and reports an ICMP port unreachable (nothing listens: every
//! question waiting on that socket fails at once, as a lone socket did).
//! The socket is closed when its last question ends, so a long run does
//! not keep one source port for ever.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use tokio::net::UdpSocket;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::QueryError;

/// Sockets open at once; questions to more servers than this wait for a
/// socket to close. With the HTTP fetches (at most 128) and DNS over TCP
/// (at most 16), this keeps a round under 256 descriptors.
pub const MAX_SOCKETS: usize = 64;
/// Receive buffer: anything longer than this from UDP is not a sane answer.
const UDP_BUFFER: usize = 4096;

type Reply = Result<Message, QueryError>;

/// The open sockets, one per server address with questions in flight.
pub struct UdpMux {
    open: Mutex<HashMap<SocketAddr, Open>>,
    slots: Arc<Semaphore>,
}

struct Open {
    socket: Arc<ServerSocket>,
    /// Questions using the socket; it closes at zero.
    users: usize,
}

/// One connected socket, the questions waiting on it, and the task that
/// reads its answers.
struct ServerSocket {
    sock: Arc<UdpSocket>,
    waiting: Arc<Mutex<HashMap<u16, Waiter>>>,
    reader: tokio::task::JoinHandle<()>,
    _slot: OwnedSemaphorePermit,
}

impl Drop for ServerSocket {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// A question waiting for its answer.
struct Waiter {
    /// Which exchange registered it: an ID is free again as soon as its
    /// answer is delivered, before that exchange ends, so the ID alone
    /// does not say whose waiter an entry is.
    ticket: u64,
    name: Name,
    rtype: RecordType,
    reply: oneshot::Sender<Reply>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl UdpMux {
    pub fn new(max_sockets: usize) -> UdpMux {
        UdpMux {
            open: Mutex::new(HashMap::new()),
            slots: Arc::new(Semaphore::new(max_sockets.max(1))),
        }
    }

    /// Sends `request` to `server` (with an ID of the mux's choosing, unused
    /// on that socket) and waits for its answer. The caller bounds the wait;
    /// dropping the future forgets the question.
    pub async fn exchange(
        self: &Arc<Self>,
        server: SocketAddr,
        mut request: Message,
    ) -> Result<Message, QueryError> {
        let lease = self.lease(server).await?;
        let socket = &lease.socket;
        let question = request
            .queries()
            .first()
            .map(|q| (q.name().to_lowercase(), q.query_type()))
            .ok_or_else(|| QueryError::BadResponse("no question to ask".into()))?;
        let (tx, rx) = oneshot::channel();
        let ticket = TICKETS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = {
            let mut waiting = lock(&socket.waiting);
            let id = free_id(&waiting)?;
            waiting.insert(
                id,
                Waiter {
                    ticket,
                    name: question.0,
                    rtype: question.1,
                    reply: tx,
                },
            );
            id
        };
        let _registered = Registered { socket, id, ticket };
        request.set_id(id);
        let bytes = request
            .to_vec()
            .map_err(|e| QueryError::BadResponse(e.to_string()))?;
        socket.sock.send(&bytes).await.map_err(io_error)?;
        rx.await
            .unwrap_or_else(|_| Err(QueryError::Network("the socket closed".into())))
    }

    /// The socket for `server`, opened if none is.
    async fn lease(self: &Arc<Self>, server: SocketAddr) -> Result<Lease, QueryError> {
        if let Some(lease) = self.join(server) {
            return Ok(lease);
        }
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| QueryError::Network("no socket available".into()))?;
        // Another question may have opened one while this waited.
        if let Some(lease) = self.join(server) {
            return Ok(lease);
        }
        let sock = UdpSocket::bind(local_for(server)).await.map_err(io_error)?;
        sock.connect(server).await.map_err(io_error)?;
        let sock = Arc::new(sock);
        let waiting = Arc::new(Mutex::new(HashMap::new()));
        let reader = tokio::spawn(read(sock.clone(), waiting.clone()));
        let fresh = Arc::new(ServerSocket {
            sock,
            waiting,
            reader,
            _slot: slot,
        });
        let socket = match lock(&self.open).entry(server) {
            Entry::Occupied(mut o) => {
                o.get_mut().users += 1;
                o.get().socket.clone()
            }
            Entry::Vacant(v) => {
                v.insert(Open {
                    socket: fresh.clone(),
                    users: 1,
                });
                fresh
            }
        };
        Ok(Lease {
            mux: self.clone(),
            server,
            socket,
        })
    }

    fn join(self: &Arc<Self>, server: SocketAddr) -> Option<Lease> {
        let mut open = lock(&self.open);
        let o = open.get_mut(&server)?;
        o.users += 1;
        Some(Lease {
            mux: self.clone(),
            server,
            socket: o.socket.clone(),
        })
    }
}

/// A question's use of a socket; the last one closes it.
struct Lease {
    mux: Arc<UdpMux>,
    server: SocketAddr,
    socket: Arc<ServerSocket>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut open = lock(&self.mux.open);
        if let Entry::Occupied(mut o) = open.entry(self.server)
            && Arc::ptr_eq(&o.get().socket, &self.socket)
        {
            o.get_mut().users -= 1;
            if o.get().users == 0 {
                o.remove();
            }
        }
    }
}

/// A waiting question, forgotten when its exchange ends or is dropped
/// (a timeout), so a late answer finds nobody and is ignored.
struct Registered<'a> {
    socket: &'a ServerSocket,
    id: u16,
    ticket: u64,
}

/// Tells the waiters of one process apart.
static TICKETS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        // Only its own: once its answer was delivered, another question
        // may already wait under the same ID (removing that one failed it
        // with "the socket closed", about one question in 4,000 at 1,000
        // names on loopback).
        let mut waiting = lock(&self.socket.waiting);
        if waiting
            .get(&self.id)
            .is_some_and(|w| w.ticket == self.ticket)
        {
            waiting.remove(&self.id);
        }
    }
}

/// An unpredictable ID not in use on the socket.
fn free_id(waiting: &HashMap<u16, Waiter>) -> Result<u16, QueryError> {
    for _ in 0..64 {
        let id = super::wire::rand_id();
        if !waiting.contains_key(&id) {
            return Ok(id);
        }
    }
    Err(QueryError::Network(
        "too many questions in flight to one server".into(),
    ))
}

/// Reads a socket's answers and hands each to its question.
async fn read(sock: Arc<UdpSocket>, waiting: Arc<Mutex<HashMap<u16, Waiter>>>) {
    let mut buf = vec![0u8; UDP_BUFFER];
    loop {
        match sock.recv(&mut buf).await {
            Ok(n) => deliver(&waiting, &buf[..n]),
            Err(e) => {
                // An ICMP port unreachable (or another socket error) is not
                // tied to one question: every question waiting here gets it.
                let error = io_error(e);
                let failed: Vec<Waiter> = lock(&waiting).drain().map(|(_, w)| w).collect();
                for w in failed {
                    let _ = w.reply.send(Err(error.clone()));
                }
                if error != QueryError::ConnectionRefused {
                    // Not a spin on a broken socket: the deadlines of the
                    // questions still bound what waits here.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    }
}

/// Hands one datagram to the question it answers; a stray datagram or one
/// for another question is ignored (the question's deadline bounds the
/// wait), as is anything once the question is gone.
fn deliver(waiting: &Mutex<HashMap<u16, Waiter>>, datagram: &[u8]) {
    let Some(id) = datagram.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])) else {
        return;
    };
    let parsed = Message::from_vec(datagram);
    let mut waiting = lock(waiting);
    let Some(w) = waiting.get(&id) else {
        return;
    };
    let reply = match parsed {
        Ok(resp) if answers(&resp, &w.name, w.rtype) => Ok(resp),
        Ok(_) => return,
        // Our ID, but not decodable: the server's answer is broken (a
        // compression loop, a bad record). Say so, not "timed out".
        Err(e) => Err(QueryError::Malformed(e.to_string())),
    };
    if let Some(w) = waiting.remove(&id) {
        let _ = w.reply.send(reply);
    }
}

/// Is this a response to the question (name and type; the ID was matched)?
pub(super) fn answers(resp: &Message, name: &Name, rtype: RecordType) -> bool {
    resp.message_type() == MessageType::Response
        && match resp.queries().first() {
            Some(q) => q.query_type() == rtype && q.name().to_lowercase() == *name,
            // A FORMERR/REFUSED may come back without the question.
            None => resp.response_code() != ResponseCode::NoError,
        }
}

pub(super) fn local_for(server: SocketAddr) -> SocketAddr {
    match server.ip() {
        IpAddr::V4(_) => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        IpAddr::V6(_) => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
    }
}

fn io_error(e: std::io::Error) -> QueryError {
    if e.kind() == std::io::ErrorKind::ConnectionRefused {
        QueryError::ConnectionRefused
    } else {
        QueryError::Network(e.to_string())
    }
}
