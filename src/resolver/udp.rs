//! Shared UDP sockets for the wire transport: connected sockets per server
//! address while questions to it are in flight, each carrying up to
//! [`QUESTIONS_PER_SOCKET`] at once, each answer handed to the question it
//! answers by ID and question (RFC 5452 section 9.1).
//!
//! Why: a socket per question made the file descriptors in use grow with
//! the questions in flight, so `ulimit -n 256` capped a round at ~128
//! questions at once, and 10,000 names took hundreds of round trips. Shared
//! sockets keep descriptors to a few per server being asked (at most
//! [`MAX_SOCKETS`] in all), whatever the number of questions. Not one per
//! server: the answers to a burst of questions arrive together, and one
//! socket's receive buffer (~200 KiB, `net.core.rmem_max`) overflows at a
//! few hundred answers, which then read as timeouts.
//!
//! A socket stays connected so that the kernel drops datagrams from other
//! addresses and reports an ICMP port unreachable (nothing listens: every
//! question waiting on that socket fails at once, as a lone socket did).
//! The socket is closed when its last question ends, so a long run does
//! not keep one source port for ever.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use tokio::net::UdpSocket;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::{QueryError, lock};

/// Sockets open at once; past this, questions share the open sockets of
/// their server beyond [`QUESTIONS_PER_SOCKET`], or wait for a socket to
/// close. With the HTTP fetches (at most 128) and DNS over TCP (at most
/// 16), this keeps a round under 256 descriptors.
pub const MAX_SOCKETS: usize = 64;
/// Questions one socket carries at once when another can be opened: their
/// answers fit its receive buffer however they bunch up.
pub const QUESTIONS_PER_SOCKET: usize = 32;
/// Receive buffer: anything longer than this from UDP is not a sane answer.
const UDP_BUFFER: usize = 4096;
/// The socket's receive buffer asked of the kernel.
const RECEIVE_BUFFER: usize = 1 << 20;

type Reply = Result<Message, QueryError>;

/// The open sockets of each server address with questions in flight.
pub struct UdpMux {
    open: Mutex<HashMap<SocketAddr, Vec<Open>>>,
    slots: Arc<Semaphore>,
    tickets: AtomicU64,
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
    /// Which exchange registered it: an ID is reused once free, and a
    /// finished exchange must not forget the next one's question.
    ticket: u64,
    name: Name,
    rtype: RecordType,
    reply: oneshot::Sender<Reply>,
}

impl UdpMux {
    pub fn new(max_sockets: usize) -> UdpMux {
        UdpMux {
            open: Mutex::new(HashMap::new()),
            slots: Arc::new(Semaphore::new(max_sockets.max(1))),
            tickets: AtomicU64::new(0),
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
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
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

    /// A socket for `server`: an open one with room, else a new one, else
    /// (every socket in use) the least busy open one, else the first
    /// socket to close.
    async fn lease(self: &Arc<Self>, server: SocketAddr) -> Result<Lease, QueryError> {
        if let Some(lease) = self.join(server, QUESTIONS_PER_SOCKET) {
            return Ok(lease);
        }
        let slot = match self.slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if let Some(lease) = self.join(server, usize::MAX) {
                    return Ok(lease);
                }
                self.slots
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| QueryError::Network("no socket available".into()))?
            }
        };
        let sock = UdpSocket::bind(local_for(server)).await.map_err(io_error)?;
        // Room for a burst of answers; the kernel caps it at rmem_max, and
        // a smaller buffer still works, with [`QUESTIONS_PER_SOCKET`].
        let _ = socket2::SockRef::from(&sock).set_recv_buffer_size(RECEIVE_BUFFER);
        sock.connect(server).await.map_err(io_error)?;
        let sock = Arc::new(sock);
        let waiting = Arc::new(Mutex::new(HashMap::new()));
        let reader = tokio::spawn(read(sock.clone(), waiting.clone()));
        let socket = Arc::new(ServerSocket {
            sock,
            waiting,
            reader,
            _slot: slot,
        });
        lock(&self.open).entry(server).or_default().push(Open {
            socket: socket.clone(),
            users: 1,
        });
        Ok(Lease {
            mux: self.clone(),
            server,
            socket,
        })
    }

    /// The least busy open socket of `server` with fewer than `room` users.
    fn join(self: &Arc<Self>, server: SocketAddr, room: usize) -> Option<Lease> {
        let mut open = lock(&self.open);
        let o = open
            .get_mut(&server)?
            .iter_mut()
            .filter(|o| o.users < room)
            .min_by_key(|o| o.users)?;
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
        if let Entry::Occupied(mut sockets) = open.entry(self.server) {
            let list = sockets.get_mut();
            if let Some(i) = list
                .iter()
                .position(|o| Arc::ptr_eq(&o.socket, &self.socket))
            {
                list[i].users -= 1;
                if list[i].users == 0 {
                    list.swap_remove(i);
                }
            }
            if list.is_empty() {
                sockets.remove();
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

impl Drop for Registered<'_> {
    fn drop(&mut self) {
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
        let id = rand_id();
        if !waiting.contains_key(&id) {
            return Ok(id);
        }
    }
    Err(QueryError::Network(
        "too many questions in flight to one server".into(),
    ))
}

/// An unpredictable question ID (RFC 5452 section 9.2).
pub(super) fn rand_id() -> u16 {
    // Drawn from a buffer of random bytes refilled 256 IDs at a time: one
    // getrandom call per question (two with the socket's own) was a tenth
    // of the system calls of a large run (issue 24).
    thread_local! {
        static POOL: std::cell::RefCell<(Vec<u8>, usize)> = const { std::cell::RefCell::new((Vec::new(), 0)) };
    }
    let drawn = POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let (bytes, used) = &mut *pool;
        if *used + 2 > bytes.len() {
            let mut fresh = vec![0u8; 512];
            getrandom::fill(&mut fresh).ok()?;
            *bytes = fresh;
            *used = 0;
        }
        let id = u16::from_ne_bytes([bytes[*used], bytes[*used + 1]]);
        *used += 2;
        Some(id)
    });
    // An unpredictable ID is only defence in depth here; fall back to time.
    drawn.unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        nanos as u16
    })
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

fn local_for(server: SocketAddr) -> SocketAddr {
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

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Query;
    use hickory_proto::rr::rdata::TXT;
    use hickory_proto::rr::{RData, Record};
    use std::time::Duration;

    /// A loopback server that answers every question, in a scrambled
    /// order, with a TXT record spelling the name asked.
    async fn scrambling_server() -> SocketAddr {
        let sock = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = sock.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let mut n = 0u64;
            loop {
                let (len, from) = sock.recv_from(&mut buf).await.unwrap();
                let req = Message::from_vec(&buf[..len]).unwrap();
                let q = req.queries()[0].clone();
                let mut resp = Message::new();
                resp.set_id(req.id())
                    .set_message_type(MessageType::Response)
                    .add_query(q.clone())
                    .add_answer(Record::from_rdata(
                        q.name().clone(),
                        60,
                        RData::TXT(TXT::new(vec![q.name().to_ascii()])),
                    ));
                let bytes = resp.to_vec().unwrap();
                let sock = sock.clone();
                // Later questions are often answered first.
                n += 1;
                let delay = Duration::from_millis(n * 7919 % 23);
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = sock.send_to(&bytes, from).await;
                });
            }
        });
        addr
    }

    fn question(name: &str) -> Message {
        let mut m = Message::new();
        m.add_query(Query::query(
            Name::from_ascii(name).unwrap(),
            RecordType::TXT,
        ));
        m
    }

    #[tokio::test]
    async fn questions_in_flight_share_a_few_sockets_and_each_gets_its_answer() {
        use futures::StreamExt;
        let server = scrambling_server().await;
        let mux = Arc::new(UdpMux::new(MAX_SOCKETS));
        let names: Vec<String> = (0..1000).map(|i| format!("n{i}.example.test.")).collect();
        // 100 at once over sockets of 32: what the test server's own
        // receive buffer takes at the kernel's default size.
        let answers: Vec<_> = futures::stream::iter(&names)
            .map(|n| {
                let mux = mux.clone();
                async move {
                    tokio::time::timeout(Duration::from_secs(5), mux.exchange(server, question(n)))
                        .await
                }
            })
            .buffered(100)
            .collect()
            .await;
        for (name, answer) in names.iter().zip(answers) {
            let msg = answer.expect("answered in time").expect("an answer");
            let RData::TXT(txt) = msg.answers()[0].data() else {
                panic!("not a TXT for {name}");
            };
            assert_eq!(txt.to_string(), *name);
        }
        // Every socket closed with its last question.
        assert!(lock(&mux.open).is_empty());
        assert_eq!(mux.slots.available_permits(), MAX_SOCKETS);
    }

    #[tokio::test]
    async fn nobody_listening_is_refused_not_timed_out() {
        // A port that was just free: nothing listens there now.
        let free = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = free.local_addr().unwrap();
        drop(free);
        let mux = Arc::new(UdpMux::new(MAX_SOCKETS));
        let got = tokio::time::timeout(
            Duration::from_secs(5),
            mux.exchange(addr, question("x.example.test.")),
        )
        .await
        .expect("no wait for a timeout");
        assert_eq!(got.unwrap_err(), QueryError::ConnectionRefused);
    }
}
