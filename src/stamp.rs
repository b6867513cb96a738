//! The stamp every check report carries (SPEC section 6): where and when
//! it was made and of what ([`About`], [`SubjectKey`]), so that reports
//! from several perspectives can be matched by `dcv corroborate`. Pure
//! data; it sits below the report model so the report needs nothing of
//! the corroboration.

use serde::{Deserialize, Serialize};

/// Where and when a check report was made, and of what: the top-level
/// JSON fields `perspective`, `checked_at`, `command`, `method`, `subject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    /// `--perspective NAME`, default the host name.
    pub perspective: String,
    /// RFC 3339 UTC time the round started.
    pub checked_at: String,
    /// `check-dns`, `check-http` or `check`.
    pub command: String,
    /// `check`: its `--method`; `check-dns`: `dns`; `check-http`: `http`.
    pub method: String,
    pub subject: SubjectKey,
    /// `--rir RIR`: the Regional Internet Registry whose service region the
    /// perspective is in (ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC), for the
    /// 2-RIR rule of BR 3.2.2.9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rir: Option<String>,
}

/// What a report expects, enough to tell whether two reports are about
/// the same order: the CSR's hashes, the CA tag and token, or the
/// portal-issued values (`--txt`, `--cname`, `--persist`, `--url`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Other expected values, one `KIND VALUE` each (`txt HOST=VALUE`,
    /// `cname HOST=TARGET`, `persist ISSUER=URI`, `url URL BODY`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<String>,
}

/// The default `--perspective`: the host name (`/proc/sys/kernel/hostname`,
/// else `$HOSTNAME`), else `unknown`.
pub fn default_perspective() -> String {
    let from_proc = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    from_proc
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}
