//! A delaying, counting DNS proxy for the benchmarks (bench/scale.sh): a
//! simulated network round trip in front of loopback servers, and a count of
//! what crossed it, independent of the program being measured.
//!
//! usage: delay_proxy [--rtt-ms MS] [--count-file PATH] [--count-every-ms MS]
//!        LISTEN=UPSTREAM...   (e.g. 127.0.24.1:53=127.0.24.101:53)
//!
//! Every UDP datagram is held half the round trip on its way in and the other
//! half on its way back, each independently of the others (a fresh upstream
//! socket per query), so concurrency is what it would be on a real network.
//! TCP is proxied too, each chunk held half the round trip in its direction
//! (the handshake is not delayed), so a truncated answer's retry still works
//! and is counted. The counts — per listener and per source address: UDP
//! queries, answers, queries the upstream never answered, TCP connections and
//! the DNS messages sent over them — are written as TSV to --count-file every
//! --count-every-ms when they changed, and on SIGTERM/SIGINT before exiting.
//! Written in Rust because the Python proxy (bench/delay_proxy.py) saturates
//! a core near 10,000 datagrams a second, which a 10,000-name run exceeds.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, sleep_until, timeout};

/// How long an upstream may take before the query counts as lost.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// Receive buffer asked for on each listener: a burst of thousands of
/// datagrams must queue, not be dropped, while the proxy catches up.
const RECV_BUFFER: libc::c_int = 8 << 20;

#[derive(Default, Clone, Copy, PartialEq)]
struct Counts {
    udp_queries: u64,
    udp_answers: u64,
    udp_lost: u64,
    tcp_connections: u64,
    tcp_queries: u64,
}

/// Counts per (listener, source address); a BTreeMap so the file is sorted.
type Table = Arc<Mutex<BTreeMap<(SocketAddr, IpAddr), Counts>>>;

fn bump(table: &Table, listen: SocketAddr, source: IpAddr, f: impl FnOnce(&mut Counts)) {
    let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
    f(t.entry((listen, source)).or_default());
}

fn render(table: &Table) -> String {
    let t = table.lock().unwrap_or_else(|e| e.into_inner());
    let mut s = String::from(
        "# listen\tsource\tudp_queries\tudp_answers\tudp_lost\ttcp_connections\ttcp_queries\n",
    );
    for ((listen, source), c) in t.iter() {
        s.push_str(&format!(
            "{listen}\t{source}\t{}\t{}\t{}\t{}\t{}\n",
            c.udp_queries, c.udp_answers, c.udp_lost, c.tcp_connections, c.tcp_queries
        ));
    }
    s
}

/// Written to a temporary name and renamed, so a reader never sees half a file.
fn write_counts(path: &str, table: &Table) {
    let tmp = format!("{path}.tmp");
    if std::fs::write(&tmp, render(table)).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

fn enlarge_recv_buffer(socket: &UdpSocket) {
    let fd = socket.as_raw_fd();
    let size = RECV_BUFFER;
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    let ptr = (&size as *const libc::c_int).cast();
    // SAFETY: fd is an open socket owned by `socket`; the option value is a
    // c_int that lives across the call. SO_RCVBUFFORCE (root) ignores
    // net.core.rmem_max; without root, SO_RCVBUF gets what the limit allows.
    unsafe {
        if libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, ptr, len) != 0 {
            libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, ptr, len);
        }
    }
}

async fn serve_udp(
    listen: SocketAddr,
    upstream: SocketAddr,
    half: Duration,
    table: Table,
) -> std::io::Result<()> {
    let socket = Arc::new(UdpSocket::bind(listen).await?);
    enlarge_recv_buffer(&socket);
    let any: SocketAddr = if upstream.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .expect("a literal address");
    let mut buf = vec![0u8; 65535];
    loop {
        let (n, peer) = socket.recv_from(&mut buf).await?;
        bump(&table, listen, peer.ip(), |c| c.udp_queries += 1);
        let query = buf[..n].to_vec();
        let (socket, table) = (socket.clone(), table.clone());
        tokio::spawn(async move {
            sleep(half).await;
            let answer = async {
                let up = UdpSocket::bind(any).await?;
                up.connect(upstream).await?;
                up.send(&query).await?;
                let mut answer = vec![0u8; 65535];
                let m = up.recv(&mut answer).await?;
                answer.truncate(m);
                Ok::<_, std::io::Error>(answer)
            };
            match timeout(UPSTREAM_TIMEOUT, answer).await {
                Ok(Ok(answer)) => {
                    sleep(half).await;
                    if socket.send_to(&answer, peer).await.is_ok() {
                        bump(&table, listen, peer.ip(), |c| c.udp_answers += 1);
                    }
                }
                _ => bump(&table, listen, peer.ip(), |c| c.udp_lost += 1),
            }
        });
    }
}

/// Counts the DNS messages in a TCP byte stream (each one a 2-byte length
/// and that many bytes), whatever the chunking.
#[derive(Default)]
struct Framing {
    /// Bytes of the current message still to skip.
    rest: usize,
    /// The first byte of a length split across two chunks.
    high: Option<u8>,
}

impl Framing {
    fn feed(&mut self, mut data: &[u8]) -> u64 {
        let mut messages = 0;
        while !data.is_empty() {
            if self.rest > 0 {
                let k = self.rest.min(data.len());
                self.rest -= k;
                data = &data[k..];
            } else if let Some(high) = self.high.take() {
                self.rest = usize::from(u16::from_be_bytes([high, data[0]]));
                data = &data[1..];
                messages += 1;
            } else {
                self.high = Some(data[0]);
                data = &data[1..];
            }
        }
        messages
    }
}

/// Copies one direction of a TCP connection, each chunk held `half`.
async fn pump<R, W>(mut from: R, mut to: W, half: Duration, mut on_chunk: impl FnMut(&[u8]))
where
    R: AsyncReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = from.read(&mut buf).await {
            if n == 0 {
                break;
            }
            on_chunk(&buf[..n]);
            if tx.send((Instant::now() + half, buf[..n].to_vec())).is_err() {
                break;
            }
        }
    };
    let writer = async move {
        while let Some((at, data)) = rx.recv().await {
            sleep_until(at).await;
            if to.write_all(&data).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}

async fn serve_tcp(
    listen: SocketAddr,
    upstream: SocketAddr,
    half: Duration,
    table: Table,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    loop {
        let (client, peer) = listener.accept().await?;
        bump(&table, listen, peer.ip(), |c| c.tcp_connections += 1);
        let table = table.clone();
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            let mut framing = Framing::default();
            let queries = pump(cr, sw, half, move |chunk| {
                let n = framing.feed(chunk);
                if n > 0 {
                    bump(&table, listen, peer.ip(), |c| c.tcp_queries += n);
                }
            });
            tokio::join!(queries, pump(sr, cw, half, |_| {}));
        });
    }
}

struct Args {
    rtt: Duration,
    count_file: Option<String>,
    every: Duration,
    pairs: Vec<(SocketAddr, SocketAddr)>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        rtt: Duration::from_millis(40),
        count_file: None,
        every: Duration::from_millis(200),
        pairs: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    let ms = |v: Option<String>, flag: &str| -> Result<Duration, String> {
        v.and_then(|v| v.parse().ok())
            .map(Duration::from_millis)
            .ok_or_else(|| format!("{flag} needs a number of milliseconds"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rtt-ms" => args.rtt = ms(it.next(), "--rtt-ms")?,
            "--count-every-ms" => args.every = ms(it.next(), "--count-every-ms")?,
            "--count-file" => args.count_file = Some(it.next().ok_or("--count-file needs a path")?),
            "-h" | "--help" => return Err(String::new()),
            pair => {
                let (l, u) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("not LISTEN=UPSTREAM: {pair}"))?;
                let l = l.parse().map_err(|_| format!("not an address:port: {l}"))?;
                let u = u.parse().map_err(|_| format!("not an address:port: {u}"))?;
                args.pairs.push((l, u));
            }
        }
    }
    if args.pairs.is_empty() {
        return Err("no LISTEN=UPSTREAM pair".into());
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("delay_proxy: {e}");
            }
            eprintln!(
                "usage: delay_proxy [--rtt-ms MS] [--count-file PATH] [--count-every-ms MS] LISTEN=UPSTREAM..."
            );
            return ExitCode::from(2);
        }
    };
    let half = args.rtt / 2;
    let table: Table = Arc::default();
    let mut tasks = tokio::task::JoinSet::new();
    for &(listen, upstream) in &args.pairs {
        tasks.spawn(serve_udp(listen, upstream, half, table.clone()));
        tasks.spawn(serve_tcp(listen, upstream, half, table.clone()));
    }
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        eprintln!("delay_proxy: cannot install the signal handlers");
        return ExitCode::FAILURE;
    };
    let mut last = String::new();
    let mut tick = tokio::time::interval(args.every);
    println!("ready");
    let code = loop {
        tokio::select! {
            _ = term.recv() => break ExitCode::SUCCESS,
            _ = int.recv() => break ExitCode::SUCCESS,
            Some(done) = tasks.join_next() => {
                // A listener ended: it could not bind or its socket failed.
                if let Ok(Err(e)) = done {
                    eprintln!("delay_proxy: {e}");
                }
                break ExitCode::FAILURE;
            }
            _ = tick.tick() => {
                if let Some(path) = &args.count_file {
                    let now = render(&table);
                    if now != last {
                        write_counts(path, &table);
                        last = now;
                    }
                }
            }
        }
    };
    if let Some(path) = &args.count_file {
        write_counts(path, &table);
    }
    code
}

#[cfg(test)]
mod tests {
    use super::Framing;

    #[test]
    fn framing_counts_messages_whatever_the_chunks() {
        let stream = [0u8, 3, 1, 2, 3, 0, 1, 9, 0, 0];
        let mut whole = Framing::default();
        assert_eq!(whole.feed(&stream), 3);
        let mut bytes = Framing::default();
        assert_eq!(
            stream
                .iter()
                .map(|b| bytes.feed(std::slice::from_ref(b)))
                .sum::<u64>(),
            3
        );
    }
}
