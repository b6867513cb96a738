//! The data of `--mpic`: what the plan holds ([`Config`]) and what Open
//! MPIC said about one check, as the JSON report carries it (`mpic`, SPEC
//! section 8) — plain data, so that the plan and the report model hold it
//! without depending on how it is obtained.

use std::time::Duration;

use serde::Serialize;

use super::client::Endpoint;

/// What Open MPIC said about one result: the `mpic` object of the JSON
/// report (SPEC section 8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MpicReport {
    /// The endpoint POSTed to.
    pub url: String,
    pub trace_identifier: String,
    /// Open MPIC's verdict; absent when the API could not be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_valid: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perspective_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_count: Option<u32>,
    pub perspectives: Vec<PerspectiveSeen>,
    /// Why the API could not be used (the result is NOT CHECKED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The request and the response as sent and received (no key), for
    /// `--evidence`.
    #[serde(skip)]
    pub exchange: (String, String),
}

/// One perspective of the last attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PerspectiveSeen {
    pub code: String,
    pub passed: bool,
    /// What it saw, in words.
    pub detail: String,
}

/// `--mpic URL` and what goes with it.
#[derive(Clone)]
pub struct Config {
    pub endpoint: Endpoint,
    /// `DCV_MPIC_API_KEY`: sent as `x-api-key`, never shown.
    pub key: Option<String>,
    /// `orchestration_parameters.perspective_count`.
    pub perspectives: usize,
    /// The most one request may take (the check's deadline).
    pub timeout: Duration,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("endpoint", &self.endpoint.url)
            .field("key", &self.key.as_ref().map(|_| "(set, not shown)"))
            .field("perspectives", &self.perspectives)
            .field("timeout", &self.timeout)
            .finish()
    }
}
