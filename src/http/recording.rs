//! A [`Fetcher`] decorator that keeps a transcript of every HTTP exchange
//! for the evidence bundle (`--evidence DIR`): the URL, the address asked,
//! the request line and Host, the status, headers, the first KiB of the body
//! (escaped) and the TLS certificate's summary. Without a log it only
//! passes fetches through; the fetcher itself never knows.

use std::sync::{Arc, Mutex};

use super::cert::certificate_summary;
use super::fetch::{FetchError, FetchRequest, Fetcher, Response};

/// How much of each body a transcript keeps (SPEC section 7: 1 KiB).
pub const BODY_KEPT: usize = 1024;

/// The most exchanges kept, and the most bytes of their text; later ones
/// are counted (bounded memory).
pub const MAX_FETCHES: usize = 20_000;
pub const MAX_BYTES: usize = 64 << 20;

/// One fetch, rendered when it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub at: String,
    /// The name the fetch was for (the Host header, without the port).
    pub host: String,
    pub url: String,
    pub address: String,
    /// Request line, headers, then the response or why there was none.
    pub text: String,
}

#[derive(Debug, Default)]
pub struct HttpLog {
    pub fetches: Vec<Fetch>,
    pub dropped: usize,
    /// Bytes of text kept so far.
    pub bytes: usize,
}

/// Fetches through `inner`, recording into `log` when there is one.
pub struct Recording<F> {
    inner: F,
    log: Option<Arc<Mutex<HttpLog>>>,
}

impl<F: Fetcher> Recording<F> {
    pub fn new(inner: F, log: Option<Arc<Mutex<HttpLog>>>) -> Recording<F> {
        Recording { inner, log }
    }
}

impl<F: Fetcher> Fetcher for Recording<F> {
    async fn fetch(&self, req: &FetchRequest) -> Result<Response, FetchError> {
        let at = crate::clock::rfc3339(crate::clock::now());
        let result = self.inner.fetch(req).await;
        if let Some(log) = &self.log {
            let fetch = Fetch {
                at,
                host: req.host.clone(),
                url: req.url(),
                address: req.address_label(),
                text: render(req, &result),
            };
            let mut log = log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if log.fetches.len() < MAX_FETCHES && log.bytes + fetch.text.len() <= MAX_BYTES {
                log.bytes += fetch.text.len();
                log.fetches.push(fetch);
            } else {
                log.dropped += 1;
            }
        }
        result
    }
}

/// The exchange as a support desk reads it.
fn render(req: &FetchRequest, result: &Result<Response, FetchError>) -> String {
    let mut out = format!(
        "> GET {} HTTP/1.1\n> Host: {}\n",
        crate::text::printable(&req.path),
        req.authority()
    );
    match result {
        Err(e) => out.push_str(&format!("< no response: {e}\n")),
        Ok(r) => {
            out.push_str(&format!("< HTTP/1.1 {}\n", r.status));
            for (k, v) in &r.headers {
                out.push_str(&format!("< {k}: {v}\n"));
            }
            if let Some(der) = &r.certificate {
                out.push_str(&format!("TLS certificate: {}\n", certificate_summary(der)));
            }
            let shown = &r.body[..r.body.len().min(BODY_KEPT)];
            out.push_str(&format!(
                "body ({} bytes{}{}): \"{}\"\n",
                r.body.len(),
                if r.too_large { ", more not read" } else { "" },
                if r.body.len() > BODY_KEPT {
                    ", first 1024 shown"
                } else {
                    ""
                },
                escape(shown)
            ));
        }
    }
    out
}

/// Bytes as printable ASCII: `\n`, `\r`, `\t`, `\\`, `\"` and `\xNN` for
/// everything else, so a transcript shows the exact bytes (a trailing
/// newline, a BOM, CRLF) and never carries terminal controls.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_escaped_byte_for_byte() {
        assert_eq!(escape(b"AB\ncd\r\n"), "AB\\ncd\\r\\n");
        assert_eq!(escape(&[0xef, 0xbb, 0xbf, b'x']), "\\xef\\xbb\\xbfx");
        assert_eq!(escape(b"\x1b[31m\"\\"), "\\x1b[31m\\\"\\\\");
    }
}
