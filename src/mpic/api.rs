//! The Open MPIC API v3 on the wire: the requests dcv sends (`POST
//! URL/mpic`) and the responses it reads. Field names follow the models of
//! the `open-mpic-core` package (`MpicCaaRequest`, `MpicDcvRequest`,
//! `DcvDnsChangeValidationParameters`, `DcvWebsiteChangeValidationParameters`,
//! `MpicResponse`, `PerspectiveResponse`, `CheckResponse` and its details);
//! nothing here is guessed, and a response that lacks what every Open MPIC
//! response has is refused, not half-read.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What one request asks Open MPIC to corroborate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// `check_type: caa` with the CA's issuer domains.
    Caa { issuers: Vec<String> },
    /// `dcv` / `dns-change`: a record at `<prefix>.<target>` whose value is
    /// exactly `value` (a CNAME target with its trailing dot, as Open MPIC
    /// reads targets).
    Dns {
        record_type: &'static str,
        prefix: String,
        value: String,
        /// `require_exact_match`: the record is the value (false: contains it,
        /// as DigiCert's random-value TXT may).
        exact: bool,
    },
    /// `dcv` / `website-change`: `<scheme>://<target>/.well-known/pki-validation/<path>`
    /// whose first bytes contain `body`.
    Website {
        scheme: &'static str,
        path: String,
        body: String,
    },
}

impl Ask {
    /// `caa` or `dcv`: the `check_type` the response must carry.
    pub fn check_type(&self) -> &'static str {
        match self {
            Ask::Caa { .. } => "caa",
            Ask::Dns { .. } | Ask::Website { .. } => "dcv",
        }
    }
}

/// The JSON body of one request.
pub fn request(target: &str, ask: &Ask, perspectives: usize, trace: &str) -> Value {
    let orchestration = json!({ "perspective_count": perspectives });
    match ask {
        Ask::Caa { issuers } => json!({
            "check_type": "caa",
            "domain_or_ip_target": target,
            "caa_check_parameters": {
                "certificate_type": "tls-server",
                "caa_domains": issuers,
            },
            "orchestration_parameters": orchestration,
            "trace_identifier": trace,
        }),
        Ask::Dns {
            record_type,
            prefix,
            value,
            exact,
        } => json!({
            "check_type": "dcv",
            "domain_or_ip_target": target,
            "dcv_check_parameters": {
                "validation_method": "dns-change",
                "dns_name_prefix": prefix,
                "dns_record_type": record_type,
                "challenge_value": value,
                "require_exact_match": exact,
            },
            "orchestration_parameters": orchestration,
            "trace_identifier": trace,
        }),
        Ask::Website { scheme, path, body } => json!({
            "check_type": "dcv",
            "domain_or_ip_target": target,
            "dcv_check_parameters": {
                "validation_method": "website-change",
                "http_token_path": path,
                "challenge_value": body,
                "url_scheme": scheme,
            },
            "orchestration_parameters": orchestration,
            "trace_identifier": trace,
        }),
    }
}

/// `MpicResponse` (the fields dcv reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Response {
    #[serde(default)]
    pub mpic_completed: Option<bool>,
    #[serde(default)]
    pub actual_orchestration_parameters: Option<Effective>,
    pub check_type: String,
    #[serde(default)]
    pub domain_or_ip_target: Option<String>,
    /// Required here: a response without a verdict corroborates nothing.
    pub is_valid: bool,
    #[serde(default)]
    pub trace_identifier: Option<String>,
    /// Required here: the verdict is made of them.
    pub perspectives: Vec<Perspective>,
}

/// `MpicEffectiveOrchestrationParameters`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Effective {
    #[serde(default)]
    pub perspective_count: Option<u32>,
    #[serde(default)]
    pub quorum_count: Option<u32>,
    #[serde(default)]
    pub attempt_count: Option<u32>,
}

/// `PerspectiveResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct Perspective {
    pub perspective_code: String,
    pub check_response: CheckResponse,
}

/// `CaaCheckResponse` / `DcvCheckResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckResponse {
    #[serde(default)]
    pub check_completed: bool,
    #[serde(default)]
    pub check_passed: bool,
    #[serde(default)]
    pub errors: Option<Vec<ValidationError>>,
    #[serde(default)]
    pub details: Details,
}

/// `MpicValidationError`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ValidationError {
    #[serde(default)]
    pub error_type: String,
    #[serde(default)]
    pub error_message: String,
}

/// The union of `CaaCheckResponseDetails`, `DcvHttpCheckResponseDetails`
/// and `DcvDnsCheckResponseDetails`: what a perspective saw.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Details {
    // CAA
    #[serde(default)]
    pub caa_record_present: Option<bool>,
    #[serde(default)]
    pub found_at: Option<String>,
    #[serde(default)]
    pub records_seen: Option<Vec<String>>,
    // HTTP
    #[serde(default)]
    pub response_url: Option<String>,
    #[serde(default)]
    pub response_status_code: Option<u16>,
    /// Base64 of the first 100 bytes (or the challenge's length) of the page.
    #[serde(default)]
    pub response_page: Option<String>,
    // DNS
    #[serde(default)]
    pub response_code: Option<u16>,
    #[serde(default)]
    pub ad_flag: Option<bool>,
    #[serde(default)]
    pub cname_chain: Option<Vec<String>>,
}

/// Why a body is not an Open MPIC response.
pub fn parse(body: &[u8], expected_check_type: &str) -> Result<Response, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the response is not JSON ({e})"))?;
    if !value.is_object() {
        return Err("the response is JSON but not an object".into());
    }
    let response: Response = serde_json::from_value(value)
        .map_err(|e| format!("the JSON is not an Open MPIC response ({e})"))?;
    if response.check_type != expected_check_type {
        return Err(format!(
            "the JSON is not an answer to this request (check_type {:?}, {expected_check_type:?} asked)",
            response.check_type
        ));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The website-change request as the lab's open-mpic-core coordinator
    /// read it: its response echoes the parameters it parsed.
    #[test]
    fn the_website_change_request_is_read_by_open_mpic_as_meant() {
        let answer: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/mpic/ok-http.response.json"
        ))
        .unwrap();
        let echoed = &answer["dcv_check_parameters"];
        let ask = Ask::Website {
            scheme: "http",
            path: echoed["http_token_path"].as_str().unwrap().to_owned(),
            body: echoed["challenge_value"].as_str().unwrap().to_owned(),
        };
        let sent = request("ok.lab.test", &ask, 5, "t");
        for key in [
            "validation_method",
            "http_token_path",
            "challenge_value",
            "url_scheme",
        ] {
            assert_eq!(sent["dcv_check_parameters"][key], echoed[key], "{key}");
        }
        assert_eq!(sent["domain_or_ip_target"], answer["domain_or_ip_target"]);
        assert_eq!(
            sent["orchestration_parameters"]["perspective_count"],
            answer["request_orchestration_parameters"]["perspective_count"]
        );
        let parsed = parse(answer.to_string().as_bytes(), "dcv").unwrap();
        assert_eq!(parsed.perspectives.len(), 5);
        assert!(parsed.is_valid);
    }

    #[test]
    fn a_response_without_a_verdict_is_refused() {
        let e = parse(br#"{"check_type":"dcv","perspectives":[]}"#, "dcv").unwrap_err();
        assert!(e.contains("is_valid"), "{e}");
        let e = parse(br#"{"status":"ok"}"#, "dcv").unwrap_err();
        assert!(e.contains("not an Open MPIC response"), "{e}");
        let e = parse(b"<html></html>", "dcv").unwrap_err();
        assert!(e.contains("not JSON"), "{e}");
        let e = parse(b"[1]", "dcv").unwrap_err();
        assert!(e.contains("not an object"), "{e}");
        let e = parse(
            br#"{"check_type":"caa","is_valid":true,"perspectives":[]}"#,
            "dcv",
        )
        .unwrap_err();
        assert!(e.contains("check_type"), "{e}");
    }
}
