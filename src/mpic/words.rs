//! What Open MPIC's answers mean, in words: what each perspective saw
//! (status and first bytes of the page, records and RCODE, CAA), and the
//! one place where an answer changes a local result — its status, detail,
//! hint and reason code.

use data_encoding::BASE64;

use super::api::{Ask, CheckResponse};
use super::model::{MpicReport, PerspectiveSeen};
use crate::reason::Code;
use crate::report::{CheckResult, Status};
use crate::text;

/// What one perspective saw, in a few words.
pub fn seen(r: &CheckResponse, ask: &Ask) -> String {
    let d = &r.details;
    let error = r
        .errors
        .as_ref()
        .and_then(|e| e.first())
        .map(|e| text::printable_max(&shorter(&e.error_message), 160));
    match ask {
        Ask::Website { .. } => {
            let page = d
                .response_page
                .as_deref()
                .and_then(|p| BASE64.decode(p.as_bytes()).ok())
                .map(|b| text::printable_max(&String::from_utf8_lossy(&b), 60));
            match (d.response_status_code, page, error) {
                (_, _, Some(e)) => e,
                (Some(s), Some(p), None) => format!("HTTP {s} {p:?}"),
                (Some(s), None, None) => format!("HTTP {s}"),
                (None, _, None) => "no response".into(),
            }
        }
        Ask::Dns { .. } => {
            if let Some(e) = error {
                return e;
            }
            let rcode = d.response_code.map(rcode_name).unwrap_or("no RCODE");
            match d.records_seen.as_deref() {
                Some(recs) if !recs.is_empty() => {
                    let shown: Vec<String> =
                        recs.iter().map(|r| text::printable_max(r, 100)).collect();
                    format!("{} ({rcode})", shown.join(", "))
                }
                _ => format!("no record ({rcode})"),
            }
        }
        Ask::Caa { .. } => {
            if let Some(e) = error {
                return e;
            }
            match (d.caa_record_present, d.records_seen.as_deref()) {
                (Some(true), Some(recs)) => {
                    let at = d.found_at.as_deref().unwrap_or("?");
                    let shown: Vec<String> =
                        recs.iter().map(|r| text::printable_max(r, 100)).collect();
                    format!("CAA at {at}: {}", shown.join("; "))
                }
                (Some(false), _) => "no CAA record".into(),
                _ if r.check_completed => "CAA lookup completed".into(),
                _ => "CAA lookup not completed".into(),
            }
        }
    }
}

/// Open MPIC's error messages, shortened where their form is known
/// (`ErrorMessages` in open-mpic-core): `HTTP 403 Forbidden`, `lookup
/// failed: NXDOMAIN: ...`.
fn shorter(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("An HTTP error occurred: Response status ") {
        return format!("HTTP {}", rest.replacen(", Response reason:", "", 1));
    }
    if let Some(rest) =
        message.strip_prefix("There was an error looking up the DCV record. Error type: ")
    {
        return format!(
            "lookup failed: {}",
            rest.replacen(", Error message:", ":", 1)
        );
    }
    message.to_owned()
}

fn rcode_name(code: u16) -> &'static str {
    match code {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => "other RCODE",
    }
}

/// Folds Open MPIC's answer into the local result (SPEC section 8).
pub fn fold(r: &mut CheckResult, report: MpicReport, ask: &Ask) {
    let local_pass = r.status == Status::Pass;
    if let Some(e) = &report.error {
        r.detail
            .push_str(&format!("; NOT CHECKED by Open MPIC ({}): {e}", report.url));
        if local_pass {
            r.status = Status::Fail;
            r.code = Some(Code::MpicUnavailable);
            r.hint = Some(format!(
                "the Open MPIC API at {} could not be used: check --mpic, DCV_MPIC_API_KEY and that it answers within the check's deadline",
                report.url
            ));
        }
        r.mpic = Some(Box::new(report));
        return;
    }
    let total = report
        .perspective_count
        .map_or(report.perspectives.len(), |n| n as usize);
    let passed: Vec<&str> = report
        .perspectives
        .iter()
        .filter(|p| p.passed)
        .map(|p| p.code.as_str())
        .collect();
    let against: Vec<String> = report
        .perspectives
        .iter()
        .filter(|p| !p.passed)
        .map(|p| format!("{} saw {}", p.code, p.detail))
        .collect();
    let valid = report.is_valid == Some(true);
    let quorum = report
        .quorum_count
        .map(|q| format!(", quorum {q}"))
        .unwrap_or_default();
    let by = format!(
        "{} of {total} perspectives ({})",
        passed.len(),
        passed.join(", ")
    );
    match (local_pass, valid) {
        (true, true) => {
            r.detail.push_str(&format!("; corroborated by {by}"));
        }
        (true, false) => {
            r.status = Status::Fail;
            r.code = Some(Code::MpicNotCorroborated);
            r.detail.push_str(&format!(
                "; passes here, but Open MPIC does not corroborate it ({} of {total} passed{quorum}): {}",
                passed.len(),
                against.join("; ")
            ));
            r.hint = Some(likely_cause(&report, ask));
        }
        (false, true) => {
            let how = match ask {
                Ask::Website { .. }
                    if r.code == Some(Code::HttpBodyFormatting)
                        || r.code == Some(Code::HttpWrongBody) =>
                {
                    " — by containment: Open MPIC passes a page that contains the expected text, dcv (and the CA's exact-body rule) does not"
                }
                Ask::Website { .. } => {
                    " — the remote perspectives get the file and this one does not: the server answers by source address (a geo rule, a firewall or a split view)"
                }
                _ => {
                    " — the remote perspectives see the record and this one does not: a split view or an anycast node out of sync"
                }
            };
            r.detail
                .push_str(&format!("; Open MPIC passes it remotely: {by}{how}"));
        }
        (false, false) => {
            r.detail.push_str(&format!(
                "; Open MPIC does not corroborate it either ({} of {total} passed)",
                passed.len()
            ));
        }
    }
    r.mpic = Some(Box::new(report));
}

/// Why some perspectives disagree with this one, from what they saw.
fn likely_cause(report: &MpicReport, ask: &Ask) -> String {
    let failing: Vec<&PerspectiveSeen> = report.perspectives.iter().filter(|p| !p.passed).collect();
    let codes: Vec<&str> = failing.iter().map(|p| p.code.as_str()).collect();
    let codes = codes.join(", ");
    match ask {
        Ask::Website { .. } => {
            let blocked = failing.iter().all(|p| {
                let d = p.detail.to_ascii_lowercase();
                d.contains("403")
                    || d.contains("401")
                    || d.contains("timed out")
                    || d.contains("timeout")
                    || d.contains("refused")
                    || d.contains("reset")
                    || d.contains("cannot connect")
            });
            if blocked {
                format!(
                    "geo-blocking or a firewall: the server refuses or drops the perspectives {codes} (their regions' addresses); allow the CA's validation traffic from every region"
                )
            } else {
                format!(
                    "the perspectives {codes} get another page: a CDN node, load balancer or region serving another file; publish the file on every node"
                )
            }
        }
        Ask::Dns { .. } => format!(
            "GeoDNS or an anycast node out of sync: the perspectives {codes} see other records than this one; make every view and node serve the record"
        ),
        Ask::Caa { .. } => format!(
            "GeoDNS or an anycast node out of sync: the perspectives {codes} see another CAA than this one; make every view and node serve the same CAA"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_mpic_messages_are_shortened() {
        assert_eq!(
            shorter("An HTTP error occurred: Response status 403, Response reason: Forbidden"),
            "HTTP 403 Forbidden"
        );
        assert_eq!(
            shorter(
                "There was an error looking up the DCV record. Error type: NXDOMAIN, Error message: None of DNS query names exist"
            ),
            "lookup failed: NXDOMAIN: None of DNS query names exist"
        );
        assert_eq!(shorter("something else"), "something else");
    }
}
