//! The stable reason codes of non-pass check results (SPEC section 7): one
//! snake_case word per cause, for scripts that must not read prose. The
//! typed failures choose them where they choose their hints
//! (`dns::findings`, `http::judge`); this module only names them, says what
//! each means (docs/json.md's table and the JSON Schema's enum are checked
//! against [`Code::ALL`]) and is the one list of them.

use serde::Serialize;

/// Why a result is not `pass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    // Input and names.
    InvalidName,
    CsrRefused,
    NotApplicable,
    // DNS records (CNAME, TXT, persistent TXT).
    RecordMissing,
    WrongTarget,
    WrongValue,
    ZoneAppendedTwice,
    TxtInsteadOfCname,
    AdnCnameStepOnly,
    // The random-value TXT (--random-value).
    TxtValueQuoted,
    TxtOtherValue,
    TxtAtBareName,
    CnameInsteadOfTxt,
    ServerStale,
    DelegationStale,
    // One server, or the servers of a zone.
    ServerTimeout,
    ServerRefused,
    ServerServfail,
    ServerLame,
    ServerEdns,
    ServerUnreachable,
    ServerMalformed,
    ServerError,
    ZoneNotFound,
    NoNameserver,
    CheckDeadline,
    AliasLoop,
    AliasChainTooLong,
    // The resolvers dcv was given (exit 3).
    ResolverUnreachable,
    // DNSSEC.
    DnssecBogus,
    // CAA.
    CaaForbids,
    CaaAccountRequired,
    CaaAccountMismatch,
    CaaMethodNotAuthorized,
    CaaLookupFailed,
    CaaServersDisagree,
    // The HTTP file.
    HttpRedirect,
    HttpNotFound,
    HttpForbidden,
    HttpServerError,
    HttpStatus,
    HttpTooLarge,
    HttpHtmlPage,
    HttpBodyFormatting,
    HttpWrongBody,
    HttpContentEncoding,
    HttpDefaultServer,
    HttpNoAddress,
    HttpRefused,
    HttpTimeout,
    HttpUnreachable,
    HttpClosed,
    HttpWrongScheme,
    HttpTls,
    HttpProtocol,
    // Causes people can act on (SPEC section 8).
    HttpBotChallenge,
    HttpGeoBlocked,
    HttpWindowsAuth,
    HttpRateLimited,
    HttpCached,
    HttpIisMimeMap,
    HttpDoubleExtension,
    HttpBackendsDisagree,
    RecordNearMiss,
    HttpTruncated,
    CnameFlattened,
    // Names a public CA refuses (SPEC section 8).
    InternalName,
    // Open MPIC (--mpic).
    MpicNotCorroborated,
    MpicUnavailable,
}

impl Code {
    /// Every code, in the order docs/json.md lists them.
    pub const ALL: [Code; 69] = [
        Code::InvalidName,
        Code::CsrRefused,
        Code::NotApplicable,
        Code::RecordMissing,
        Code::WrongTarget,
        Code::WrongValue,
        Code::ZoneAppendedTwice,
        Code::TxtInsteadOfCname,
        Code::AdnCnameStepOnly,
        Code::TxtValueQuoted,
        Code::TxtOtherValue,
        Code::TxtAtBareName,
        Code::CnameInsteadOfTxt,
        Code::ServerStale,
        Code::DelegationStale,
        Code::ServerTimeout,
        Code::ServerRefused,
        Code::ServerServfail,
        Code::ServerLame,
        Code::ServerEdns,
        Code::ServerUnreachable,
        Code::ServerMalformed,
        Code::ServerError,
        Code::ZoneNotFound,
        Code::NoNameserver,
        Code::CheckDeadline,
        Code::AliasLoop,
        Code::AliasChainTooLong,
        Code::ResolverUnreachable,
        Code::DnssecBogus,
        Code::CaaForbids,
        Code::CaaAccountRequired,
        Code::CaaAccountMismatch,
        Code::CaaMethodNotAuthorized,
        Code::CaaLookupFailed,
        Code::CaaServersDisagree,
        Code::HttpRedirect,
        Code::HttpNotFound,
        Code::HttpForbidden,
        Code::HttpServerError,
        Code::HttpStatus,
        Code::HttpTooLarge,
        Code::HttpHtmlPage,
        Code::HttpBodyFormatting,
        Code::HttpWrongBody,
        Code::HttpContentEncoding,
        Code::HttpDefaultServer,
        Code::HttpNoAddress,
        Code::HttpRefused,
        Code::HttpTimeout,
        Code::HttpUnreachable,
        Code::HttpClosed,
        Code::HttpWrongScheme,
        Code::HttpTls,
        Code::HttpProtocol,
        Code::HttpBotChallenge,
        Code::HttpGeoBlocked,
        Code::HttpWindowsAuth,
        Code::HttpRateLimited,
        Code::HttpCached,
        Code::HttpIisMimeMap,
        Code::HttpDoubleExtension,
        Code::HttpBackendsDisagree,
        Code::RecordNearMiss,
        Code::HttpTruncated,
        Code::CnameFlattened,
        Code::InternalName,
        Code::MpicNotCorroborated,
        Code::MpicUnavailable,
    ];

    /// The code as it appears in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidName => "invalid_name",
            Code::CsrRefused => "csr_refused",
            Code::NotApplicable => "not_applicable",
            Code::RecordMissing => "record_missing",
            Code::WrongTarget => "wrong_target",
            Code::WrongValue => "wrong_value",
            Code::ZoneAppendedTwice => "zone_appended_twice",
            Code::TxtInsteadOfCname => "txt_instead_of_cname",
            Code::AdnCnameStepOnly => "adn_cname_step_only",
            Code::TxtValueQuoted => "txt_value_quoted",
            Code::TxtOtherValue => "txt_other_value",
            Code::TxtAtBareName => "txt_at_bare_name",
            Code::CnameInsteadOfTxt => "cname_instead_of_txt",
            Code::ServerStale => "server_stale",
            Code::DelegationStale => "delegation_stale",
            Code::ServerTimeout => "server_timeout",
            Code::ServerRefused => "server_refused",
            Code::ServerServfail => "server_servfail",
            Code::ServerLame => "server_lame",
            Code::ServerEdns => "server_edns",
            Code::ServerUnreachable => "server_unreachable",
            Code::ServerMalformed => "server_malformed",
            Code::ServerError => "server_error",
            Code::ZoneNotFound => "zone_not_found",
            Code::NoNameserver => "no_nameserver",
            Code::CheckDeadline => "check_deadline",
            Code::AliasLoop => "alias_loop",
            Code::AliasChainTooLong => "alias_chain_too_long",
            Code::ResolverUnreachable => "resolver_unreachable",
            Code::DnssecBogus => "dnssec_bogus",
            Code::CaaForbids => "caa_forbids",
            Code::CaaAccountRequired => "caa_account_required",
            Code::CaaAccountMismatch => "caa_account_mismatch",
            Code::CaaMethodNotAuthorized => "caa_method_not_authorized",
            Code::CaaLookupFailed => "caa_lookup_failed",
            Code::CaaServersDisagree => "caa_servers_disagree",
            Code::HttpRedirect => "http_redirect",
            Code::HttpNotFound => "http_not_found",
            Code::HttpForbidden => "http_forbidden",
            Code::HttpServerError => "http_server_error",
            Code::HttpStatus => "http_status",
            Code::HttpTooLarge => "http_too_large",
            Code::HttpHtmlPage => "http_html_page",
            Code::HttpBodyFormatting => "http_body_formatting",
            Code::HttpWrongBody => "http_wrong_body",
            Code::HttpContentEncoding => "http_content_encoding",
            Code::HttpDefaultServer => "http_default_server",
            Code::HttpNoAddress => "http_no_address",
            Code::HttpRefused => "http_refused",
            Code::HttpTimeout => "http_timeout",
            Code::HttpUnreachable => "http_unreachable",
            Code::HttpClosed => "http_closed",
            Code::HttpWrongScheme => "http_wrong_scheme",
            Code::HttpTls => "http_tls",
            Code::HttpProtocol => "http_protocol",
            Code::HttpBotChallenge => "http_bot_challenge",
            Code::HttpGeoBlocked => "http_geo_blocked",
            Code::HttpWindowsAuth => "http_windows_auth",
            Code::HttpRateLimited => "http_rate_limited",
            Code::HttpCached => "http_cached",
            Code::HttpIisMimeMap => "http_iis_mime_map",
            Code::HttpDoubleExtension => "http_double_extension",
            Code::HttpBackendsDisagree => "http_backends_disagree",
            Code::RecordNearMiss => "record_near_miss",
            Code::HttpTruncated => "http_truncated",
            Code::CnameFlattened => "cname_flattened",
            Code::InternalName => "internal_name",
            Code::MpicNotCorroborated => "mpic_not_corroborated",
            Code::MpicUnavailable => "mpic_unavailable",
        }
    }

    /// What the code means, for docs/json.md's table.
    pub fn meaning(self) -> &'static str {
        match self {
            Code::InvalidName => "the name is not a valid host name; nothing was asked",
            Code::CsrRefused => "the CSR has a finding a public CA refuses (`input` result)",
            Code::NotApplicable => {
                "skipped: the method cannot validate this name (a wildcard for the HTTP file)"
            }
            Code::RecordMissing => "no validation record at any ADN (NXDOMAIN or NODATA)",
            Code::WrongTarget => "a CNAME exists but points to another target",
            Code::WrongValue => "a TXT record exists but without the expected value",
            Code::ZoneAppendedTwice => "the record was published with the zone name appended twice",
            Code::TxtInsteadOfCname => "a TXT record sits where the CNAME belongs",
            Code::AdnCnameStepOnly => {
                "the record is only under the FQDN's CNAME target, which a CA may or may not use (BR 3.2.2.4.7, ballot SC-101)"
            }
            Code::TxtValueQuoted => {
                "the random-value TXT holds the value with the quotes pasted into it"
            }
            Code::TxtOtherValue => {
                "the random-value TXT holds another value (another order's, or an old one)"
            }
            Code::TxtAtBareName => {
                "the random value is published at the name itself, not at _pki-validation.<name>"
            }
            Code::CnameInsteadOfTxt => "a CNAME sits where the random-value TXT belongs",
            Code::ServerStale => {
                "some authoritative servers serve the record and others do not (stale secondary)"
            }
            Code::DelegationStale => {
                "a server only the parent zone's delegation names (its NS set or glue) lacks the record: fix the delegation at the registrar"
            }
            Code::ServerTimeout => "an authoritative server did not answer in time",
            Code::ServerRefused => "a server answered REFUSED (it does not serve the zone)",
            Code::ServerServfail => "a server answered SERVFAIL",
            Code::ServerLame => "a server answered without authority (AA=0): a lame delegation",
            Code::ServerEdns => "a server rejects EDNS queries (FORMERR, BADVERS or NOTIMP)",
            Code::ServerUnreachable => {
                "nothing listens for DNS at a server's address, or it cannot be reached"
            }
            Code::ServerMalformed => "a server sent a reply that is not valid DNS",
            Code::ServerError => "a server failed otherwise (another RCODE, a broken referral)",
            Code::ZoneNotFound => "no zone holds the name (not registered or not delegated)",
            Code::NoNameserver => "the zone has no NS records, or no nameserver has an address",
            Code::CheckDeadline => "the check's lookups did not finish within --deadline",
            Code::AliasLoop => {
                "the name's aliases (CNAME/DNAME) lead back to a name they passed: no resolver completes it"
            }
            Code::AliasChainTooLong => {
                "the name's alias chain is longer than resolvers follow (more than 16 aliases)"
            }
            Code::ResolverUnreachable => {
                "the resolvers dcv was given could not be used at all (exit 3)"
            }
            Code::DnssecBogus => {
                "DNSSEC validation fails: the CA's validating resolver does not accept the answer"
            }
            Code::CaaForbids => "CAA records forbid issuance by the CA",
            Code::CaaAccountRequired => {
                "the CAA lets only one account of the CA issue (accounturi) and --account was not given"
            }
            Code::CaaAccountMismatch => "the CAA names another account of the CA (accounturi)",
            Code::CaaMethodNotAuthorized => {
                "the method passed, but the CAA does not let the CA use it (validationmethods)"
            }
            Code::CaaLookupFailed => {
                "the CAA lookup failed, which a CA treats as a refusal (RFC 8659)"
            }
            Code::CaaServersDisagree => {
                "the zone's servers serve different CAA records and some forbid the CA (or fail): a perspective may land on any of them"
            }
            Code::HttpRedirect => "the file's URL answers with a redirect (CAs do not follow it)",
            Code::HttpNotFound => "404 or 410 at the file's URL",
            Code::HttpForbidden => "401 or 403 at the file's URL",
            Code::HttpServerError => "a 5xx status at the file's URL",
            Code::HttpStatus => "another status than 200",
            Code::HttpTooLarge => "the body is larger than 64 KiB",
            Code::HttpHtmlPage => {
                "a 200 with an HTML page where the text file belongs (a soft 404)"
            }
            Code::HttpBodyFormatting => {
                "the body differs only by a trailing newline, CRLF, BOM, whitespace, case or UTF-16"
            }
            Code::HttpWrongBody => {
                "the body is another file (another CSR, tag or token, or other content)"
            }
            Code::HttpContentEncoding => {
                "the file is sent compressed (Content-Encoding) though no encoding was asked for"
            }
            Code::HttpDefaultServer => {
                "404 where another name on the same address passes and a host name no site has gets the same: the default site answered (server_name / ServerAlias)"
            }
            Code::HttpNoAddress => {
                "the name has no address to fetch from (the A/AAAA lookups failed)"
            }
            Code::HttpRefused => "the connection was refused",
            Code::HttpTimeout => "the connection or the response timed out",
            Code::HttpUnreachable => "no route to the address",
            Code::HttpClosed => "the server closed or reset the connection without answering",
            Code::HttpWrongScheme => "TLS spoken on the http port, or plain HTTP on the https port",
            Code::HttpTls => "the TLS handshake failed",
            Code::HttpProtocol => "the server does not speak HTTP/1.1 properly",
            Code::HttpBotChallenge => {
                "a bot protection or WAF answered with a challenge or block page (cf-mitigated, a challenge page)"
            }
            Code::HttpGeoBlocked => {
                "a CDN refuses the request by country (a geo-block); CAs validate from several countries"
            }
            Code::HttpWindowsAuth => {
                "401 asking for Windows authentication (WWW-Authenticate: Negotiate / NTLM)"
            }
            Code::HttpRateLimited => {
                "429: a rate limit answered instead of the file (Retry-After says how long)"
            }
            Code::HttpCached => {
                "a cache (Varnish, Squid, a CDN) answered a failing copy from its store (Age, X-Cache: HIT)"
            }
            Code::HttpIisMimeMap => "IIS 404.3: no MIME map for the file's extension",
            Code::HttpDoubleExtension => {
                "404, but the file is served with the extension twice (<MD5>.txt.txt)"
            }
            Code::HttpBackendsDisagree => {
                "two fetches from one address got different answers (load-balanced backends that differ)"
            }
            Code::CnameFlattened => {
                "no CNAME, but the name has A/AAAA records in its place (ALIAS / CNAME flattening, or plain address records)"
            }
            Code::HttpTruncated => {
                "the server closed the connection before the body's end (shorter than its Content-Length)"
            }
            Code::RecordNearMiss => {
                "no CNAME where the CA looks, but one almost right was found: without its underscore, under www for the bare name, or the hash as a TXT at the name"
            }
            Code::InternalName => {
                "an internal or reserved name (.test, .local, .internal, a single label…): a public CA refuses it; --lab turns this into a note"
            }
            Code::MpicNotCorroborated => {
                "the method or CAA passes here, but Open MPIC's remote perspectives do not corroborate it (--mpic)"
            }
            Code::MpicUnavailable => {
                "the Open MPIC API could not be used (refused, timeout, an HTTP error, not its JSON): not checked, exit 3"
            }
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_match_serde() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            assert_eq!(serde_json::to_value(c).unwrap(), s);
            assert!(!c.meaning().is_empty());
        }
    }
}
