//! The command line: every command, flag and environment variable `dcv`
//! accepts, declared with clap's derive API. Parsing only; no behaviour.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::artifacts::{CnamePlacement, HexDigest};
use crate::ca::CaTag;
pub use crate::names::HostValue;

pub const EXIT_CODES: &str = "\
Exit codes:
  0    everything checked passed (dcv check: every name is ready)
  1    not in place: a check failed (dcv check: a name is not ready), a name
       was invalid, or nothing could be validated
  2    bad usage or unreadable/invalid input
  3    not checked: none of the resolvers could be used (refused, unreachable,
       every query timed out); the message names each
  130  interrupted (Ctrl-C) while --wait was polling";

/// `dcv --version`: the package version and the commit it was built from
/// (build.rs; "unknown commit" when built without git).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("DCV_COMMIT"), ")");

/// Domain Control Validation for TLS certificate orders: derive the exact
/// HTTP file and DNS CNAME a CA checks from a CSR.
#[derive(Debug, Parser)]
#[command(name = "dcv", version = VERSION, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// Machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,

    /// When to colour the output (auto honours NO_COLOR, TERM=dumb and a non-terminal stdout)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// Print only the essentials; no warnings or notes
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Show every detail: each name's queries, fetches and hints, even in large reports
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Lab names: internal and reserved names (.test, .local, .internal, single labels…) get a note, not a refusal
    #[arg(long, global = true, env = "DCV_LAB", value_parser = clap::builder::FalseyValueParser::new())]
    pub lab: bool,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Applies the conventions clap cannot express, before anything runs:
    /// `--csr` and the positional CSR are one argument, a first DOMAIN that
    /// is `-` or an existing file is the CSR of a check, `@SERVER` among the
    /// DOMAINs is a resolver (dig style), and a curl-style `--resolve
    /// HOST:PORT:ADDR` for a port that is not fetched is dropped. Returns
    /// the warnings to print.
    pub fn normalize(&mut self) -> Result<Vec<String>, String> {
        let mut warnings = Vec::new();
        match &mut self.command {
            Command::Hash(a) => a.csrs.append(&mut a.csr_flag),
            Command::File(FileArgs { source, .. }) | Command::Cname(CnameArgs { source, .. }) => {
                if source.csr.is_none() {
                    source.csr = source.csr_flag.take();
                }
            }
            Command::Emails(a) => {
                if a.csr.is_none() && a.domains.first().is_some_and(|d| is_csr_path(d)) {
                    a.csr = Some(a.domains.remove(0));
                }
            }
            Command::CheckDns(a) => {
                let generic = !a.cname.is_empty()
                    || !a.txt.is_empty()
                    || a.persist.is_some()
                    || a.random_value.is_some();
                normalize_check(&mut a.source, &mut a.network, generic)?;
            }
            Command::CheckHttp(a) => {
                let generic = !a.url.is_empty() || a.random_value.is_some();
                normalize_check(&mut a.source, &mut a.network, generic)?;
                warnings.extend(drop_unfetched_ports(&mut a.http));
            }
            Command::Check(a) => {
                normalize_check(&mut a.source, &mut a.network, false)?;
                warnings.extend(drop_unfetched_ports(&mut a.http));
            }
            Command::Txt(a) => {
                if a.csr.is_none() && a.domains.first().is_some_and(|d| is_csr_path(d)) {
                    a.csr = Some(a.domains.remove(0));
                }
            }
            Command::Token
            | Command::Profiles(_)
            | Command::Completions { .. }
            | Command::Man
            | Command::Persist(_)
            | Command::Corroborate(_) => {}
        }
        Ok(warnings)
    }
}

/// `-`, an existing file, or a path that names a CSR file (a `/`, or a
/// CSR file extension no host name has): what a CSR argument looks like.
/// A missing `request.csr` is then the same "No such file" error for every
/// command, not a name to check.
fn is_csr_path(arg: &str) -> bool {
    const EXTENSIONS: [&str; 6] = ["csr", "pem", "der", "req", "p10", "crt"];
    let path = std::path::Path::new(arg);
    arg == "-"
        || path.is_file()
        || arg.contains('/')
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn normalize_check(
    source: &mut CheckSource,
    network: &mut NetworkOptions,
    generic: bool,
) -> Result<(), String> {
    let mut domains = Vec::with_capacity(source.domains.len());
    for d in source.domains.drain(..) {
        if d.starts_with('@') {
            let server = parse_resolver(&d).map_err(|e| format!("{d}: {e}"))?;
            network.resolver.push(server);
        } else {
            domains.push(d);
        }
    }
    source.domains = domains;
    if source.csr.is_none()
        && source.md5.is_none()
        && !generic
        && source.domains.first().is_some_and(|d| is_csr_path(d))
    {
        source.csr = Some(source.domains.remove(0));
    }
    Ok(())
}

/// curl's `HOST:PORT:ADDR` applies to one port: entries for a port this
/// check does not fetch are dropped, with a warning.
fn drop_unfetched_ports(http: &mut HttpOptions) -> Vec<String> {
    let fetched: &[u16] = match http.scheme {
        Scheme::Http => &[http.http_port],
        Scheme::Https => &[http.https_port],
        Scheme::Both => &[http.http_port, http.https_port],
    };
    let fetched = fetched.to_vec();
    let mut warnings = Vec::new();
    http.resolve.retain(|o| match o.port {
        Some(p) if !fetched.contains(&p) => {
            warnings.push(format!(
                "--resolve {}:{p}:...: port {p} is not fetched (ignored)",
                o.host
            ));
            false
        }
        _ => true,
    });
    warnings
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse CSRs; print MD5, SHA-256, names, key and signature status
    #[command(
        after_help = "Examples:\n  dcv hash request.csr\n  dcv hash --json csrs/*.pem\n  openssl req -new -key k.pem -subj /CN=example.com | dcv hash -"
    )]
    Hash(HashArgs),

    /// Print a fresh random uniqueValue (20 characters [A-Za-z0-9], ~119 bits)
    #[command(after_help = "Example:\n  export DCV_TOKEN=$(dcv token)")]
    Token,

    /// Render the HTTP validation file (and optionally write it into a web root)
    #[command(
        after_help = "Examples:\n  dcv file request.csr\n  dcv file request.csr --write /var/www/html\n  dcv file --md5 <MD5> --sha256 <SHA256> --domain example.com"
    )]
    File(FileArgs),

    /// Render the DNS CNAME record(s)
    #[command(
        after_help = "Examples:\n  dcv cname request.csr\n  dcv cname request.csr --at fqdn --format zone >> /var/lib/knot/example.com.zone"
    )]
    Cname(CnameArgs),

    /// Render the random-value DNS TXT record(s) in the --ca profile's form
    #[command(
        after_help = "Examples:\n  dcv txt --random-value 'QCw6C+nYGM6BSxgW0gd3Ig==' www.example.com example.com\n  dcv txt --random-value 'QCw6C+nYGM6BSxgW0gd3Ig==' --csr request.csr --format zone\n  dcv txt --ca digicert --random-value 2024abcdef example.com\n\nSectigo: _pki-validation.<ADN> TXT \"<VALUE>\"; one record at each registrable domain\ncovers every name below it (--at fqdn: one per name).\nCheck it with: dcv check-dns --random-value VALUE DOMAIN...\nExit codes: 0 rendered, 1 a name was invalid, 2 bad usage"
    )]
    Txt(TxtArgs),

    /// List the CA profiles: tag, CAA issuers, methods and their sources
    #[command(
        after_help = "Examples:\n  dcv profiles\n  dcv profiles --json > my-profiles.json   (edit, then --ca-profile my-profiles.json)"
    )]
    Profiles(ProfilesArgs),

    /// List the approver email addresses for every ADN of each name
    #[command(
        after_help = "Examples:\n  dcv emails www.example.com\n  dcv emails --csr request.csr"
    )]
    Emails(EmailsArgs),

    /// Check the DNS CNAME (or --random-value, --cname/--txt values) and CAA on the authoritative servers
    #[command(
        name = "check-dns",
        after_help = "Examples:\n  dcv check-dns --csr request.csr\n  dcv check-dns --csr request.csr --wait 10m www.example.com\n  dcv check-dns --txt _dnsauth.example.com=2024abcdef example.com\n  dcv check-dns --random-value 'QCw6C+nYGM6BSxgW0gd3Ig==' www.example.com\n\nExit codes: 0 every check passed, 1 a check failed or nothing was validated, 2 bad usage or input,\n3 no resolver could be used (each is named)"
    )]
    CheckDns(CheckDnsArgs),

    /// Fetch the HTTP validation file from every address of each name
    #[command(
        name = "check-http",
        after_help = "Examples:\n  dcv check-http --csr request.csr\n  dcv check-http --csr request.csr --scheme both --resolve www.example.com:192.0.2.10\n  dcv check-http --url http://example.com/.well-known/pki-validation/fileauth.txt --expect 2024abcdef\n\nExit codes: 0 every check passed, 1 a check failed or nothing was validated, 2 bad usage or input,\n3 no resolver could be used (each is named)"
    )]
    CheckHttp(CheckHttpArgs),

    /// Everything at once: input, CAA, DNS CNAME (or random-value TXT) and HTTP file, one verdict per name
    #[command(
        after_help = "Examples:\n  dcv check --csr request.csr\n  dcv check --csr request.csr --method cname --wait 15m\n  dcv check --csr request.csr --json www.example.com\n\nA name is ready when its CAA allows the CA and one selected method (--method) that the CAA\nauthorizes (validationmethods) passes: under --method any a failed method does not fail a name\nthe other one validates (its results still say fail), and the summary counts names first:\nN of M names ready (METHOD).\nExit codes: 0 every name is ready, 1 a name is not ready (or invalid, or the CSR is refused),\n2 bad usage or input, 3 no resolver could be used (each is named)"
    )]
    Check(CheckArgs),

    /// Print shell completions (bash, zsh, fish, elvish, powershell)
    #[command(
        after_help = "Examples:\n  dcv completions bash > /etc/bash_completion.d/dcv\n  dcv completions zsh > \"${fpath[1]}/_dcv\""
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff)
    #[command(after_help = "Example:\n  dcv man > /usr/local/share/man/man1/dcv.1")]
    Man,
    /// Render the persistent DNS TXT record (BR 3.2.2.4.22) for each name's ADN
    #[command(
        after_help = "Examples:\n  dcv persist example.com --issuer sectigo.com --accounturi https://acme.sectigo.com/acct/42\n  dcv persist '*.example.com' --issuer sectigo.com --accounturi https://acme.sectigo.com/acct/42 --until 2027-01-01 --format zone\n\nA wildcard DOMAIN (or --wildcard) adds policy=wildcard to its ADN's record.\nCheck it with: dcv check-dns --persist ISSUER=ACCOUNTURI DOMAIN...\nExit codes: 0 rendered, 1 a name was invalid, 2 bad usage"
    )]
    Persist(PersistArgs),

    /// Combine check reports made from several places (BR 3.2.2.9 multi-perspective quorum)
    #[command(
        after_help = "Examples:\n  dcv --json check --csr request.csr --perspective eu-west > report-eu-west.json   (in each region)\n  dcv corroborate report-*.json\n  dcv corroborate --date 2026-12-15 report-*.json\n\nMinimum perspectives: 2 from 2025-03-15, 3 from 2026-03-15, 4 from 2026-06-15, 5 from 2026-12-15;\nwith up to 5 perspectives one may disagree, with 6 or more two.\nExit codes: 0 every name's quorum holds, 1 it does not (or too few perspectives),\n2 a file is unreadable, not a dcv check report, or of another CSR, token, method or perspective already given"
    )]
    Corroborate(CorroborateArgs),
}

/// Options every command that reads a CSR shares.
#[derive(Debug, Args)]
pub struct CsrOptions {
    /// Report a CSR whose self-signature does not verify as a warning, not an error
    #[arg(long)]
    pub no_verify_signature: bool,
}

/// The CA the artifacts are for.
#[derive(Debug, Args)]
pub struct CaOptions {
    /// CA profile (`dcv profiles` lists them): sets the tag, the CAA issuer
    /// names and the methods' forms
    #[arg(long, value_name = "NAME", default_value = "sectigo")]
    pub ca: String,

    /// A profile file (the format of `dcv profiles --json`, see
    /// docs/profiles.md) that adds or overrides profiles (repeatable)
    #[arg(long, value_name = "FILE")]
    pub ca_profile: Vec<PathBuf>,

    /// Override the CA tag (e.g. a reseller API that hands back another)
    #[arg(long, value_name = "DOMAIN")]
    pub ca_tag: Option<CaTag>,

    /// The uniqueValue sent with the order: 1-20 characters [A-Za-z0-9]
    // Validated when used (commands::token), so that an empty DCV_TOKEN
    // counts as unset and the error can name the variable.
    #[arg(long, value_name = "VALUE", env = "DCV_TOKEN")]
    pub token: Option<String>,
}

/// Where the hashes come from: a CSR, or `--md5`/`--sha256` with `--domain`.
#[derive(Debug, Args)]
pub struct Source {
    /// The CSR: a PEM or DER file, or - for standard input
    #[arg(value_name = "CSR", required_unless_present_any = ["md5", "csr_flag"], conflicts_with_all = ["md5", "sha256"])]
    pub csr: Option<String>,

    /// The CSR, as a flag (the same as the positional CSR)
    #[arg(long = "csr", id = "csr_flag", value_name = "CSR", conflicts_with_all = ["csr", "md5", "sha256"])]
    pub csr_flag: Option<String>,

    /// MD5 of the CSR's DER (hex), when only the hashes are known
    #[arg(long, value_name = "HEX", requires_all = ["sha256", "domain"])]
    pub md5: Option<HexDigest<32>>,

    /// SHA-256 of the CSR's DER (hex), with --md5
    #[arg(long, value_name = "HEX", requires = "md5")]
    pub sha256: Option<HexDigest<64>>,

    /// Restrict to these names (with --md5/--sha256: the names to render for)
    #[arg(long, value_name = "NAME")]
    pub domain: Vec<String>,

    #[command(flatten)]
    pub csr_options: CsrOptions,
}

/// What the CAA is compared with besides the CA's issuer names.
#[derive(Debug, Args)]
pub struct CaaOptions {
    /// Your account URI at the CA: a CAA property with accounturi (RFC 8657)
    /// authorizes only that account; without --account it authorizes none
    #[arg(long, value_name = "URI")]
    pub account: Option<String>,
}

/// A CA portal's random value: checked in the `--ca` profile's TXT form
/// (Sectigo: `_pki-validation.<ADN> TXT "<VALUE>"`), or its file.
pub fn parse_random_value(s: &str) -> Result<String, String> {
    if s.starts_with(['"', '\'']) || s.ends_with(['"', '\'']) {
        return Err(format!(
            "{s:?}: give the value without quotes (the portal's value is what goes inside them)"
        ));
    }
    let ok = (1..=255).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "{s:?} is not a random value (1-255 printable ASCII characters, no spaces, quotes or backslashes)"
        ))
    }
}

/// Where a check's hashes and names come from.
#[derive(Debug, Args)]
pub struct CheckSource {
    /// Names to check (default with --csr: every valid name of the CSR).
    /// Without --csr, a first argument that is - or an existing file is the
    /// CSR; @SERVER (dig style) is a --resolver
    #[arg(value_name = "DOMAIN")]
    pub domains: Vec<String>,

    /// The CSR: a PEM or DER file, or - for standard input
    #[arg(long, value_name = "CSR", conflicts_with_all = ["md5", "sha256"])]
    pub csr: Option<String>,

    /// MD5 of the CSR's DER (hex), when only the hashes are known
    #[arg(long, value_name = "HEX", requires = "sha256")]
    pub md5: Option<HexDigest<32>>,

    /// SHA-256 of the CSR's DER (hex), with --md5
    #[arg(long, value_name = "HEX", requires = "md5")]
    pub sha256: Option<HexDigest<64>>,

    #[command(flatten)]
    pub csr_options: CsrOptions,
}

/// Network options shared by the check commands.
#[derive(Debug, Args)]
pub struct NetworkOptions {
    /// Recursive resolver to use (repeatable; default: /etc/resolv.conf); @IP works too
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_resolver)]
    pub resolver: Vec<SocketAddr>,

    /// Seconds to wait for each DNS query (default 5) and HTTP request (default 10)
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,

    /// Poll until every name passes or DURATION (90s, 10m, 2h) runs out. Rounds
    /// start 2s, 6s, 15s, 30s, 1m, 2m, 4m and 7m after the first, then at the
    /// CAs' own re-check times: 10m, 20m, 40m, 80m, 160m... (Sectigo's schedule)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Option<Duration>,

    /// Port of the authoritative nameservers (a lab's servers off port 53)
    #[arg(long, value_name = "PORT", default_value_t = 53, value_parser = clap::value_parser!(u16).range(1..))]
    pub ns_port: u16,

    /// Most time one DNS check (a name's CNAME, its CAA, a --txt) may take,
    /// all its queries together [default: 6 x --timeout]
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub deadline: Option<Duration>,

    /// Most DNS questions in flight at once to any one server (fewer while
    /// it times out), and HTTP fetches at once (at most 128), for networks
    /// and servers that must be asked gently [default: 512]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub max_in_flight: Option<u16>,

    /// DNSSEC trust anchors (DS or DNSKEY records in zone-file syntax, any
    /// zone; repeatable) instead of the IANA root keys, e.g. for a lab
    #[arg(long, value_name = "FILE", conflicts_with = "no_dnssec")]
    pub trust_anchor: Vec<PathBuf>,

    /// Do not validate DNSSEC (CAs do since 2026-03-15; the report says so)
    #[arg(long)]
    pub no_dnssec: bool,

    /// Use IPv4 addresses only
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub ipv4: bool,

    /// Use IPv6 addresses only
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,

    /// Write an evidence bundle into DIR (created; nothing is written outside it): the JSON
    /// report, every DNS question and answer per server, the DNSSEC records relied on, every
    /// HTTP exchange, and a summary per name with its ADN, method and BR label
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,
}

/// A `HOST=VALUE` pair (`--cname`, `--txt`).
#[derive(Debug, Args)]
pub struct CheckDnsArgs {
    #[command(flatten)]
    pub source: CheckSource,

    #[command(flatten)]
    pub ca: CaOptions,

    #[command(flatten)]
    pub caa: CaaOptions,

    /// The random value the CA portal handed out: checked in the --ca
    /// profile's TXT form (Sectigo: _pki-validation.<ADN> TXT "<VALUE>") at
    /// each ADN; with check-http, the profile's random-value file
    #[arg(long, value_name = "VALUE", value_parser = parse_random_value)]
    pub random_value: Option<String>,

    /// Expect a CNAME at HOST pointing to TARGET (repeatable; portal-issued values)
    #[arg(long, value_name = "HOST=TARGET")]
    pub cname: Vec<HostValue>,

    /// Expect a TXT record at HOST containing VALUE (repeatable)
    #[arg(long, value_name = "HOST=VALUE")]
    pub txt: Vec<HostValue>,

    /// Ask the recursive resolvers (each one; all must agree) instead of the authoritative servers
    #[arg(long)]
    pub recursive: bool,

    #[command(flatten)]
    pub network: NetworkOptions,

    /// Check the persistent TXT _validation-persist.<ADN> (BR 3.2.2.4.22) instead of the
    /// CNAME; with --csr the CSR only names the domains; CAA must allow ISSUER
    #[arg(long, value_name = "ISSUER=ACCOUNTURI")]
    pub persist: Option<crate::persistent_txt::PersistExpect>,

    #[command(flatten)]
    pub perspective: PerspectiveOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scheme {
    Http,
    Https,
    Both,
}

/// A `--resolve` entry: `HOST:IP`, or curl's `HOST:PORT:ADDR[,ADDR...]`;
/// HOST `*` stands for every host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    pub host: String,
    /// curl's PORT: the entry applies when dcv fetches from that port.
    pub port: Option<u16>,
    pub ips: Vec<IpAddr>,
}

impl std::str::FromStr for ResolveOverride {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (host, rest) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?} is not HOST:IP or HOST:PORT:ADDR"))?;
        let parse_ip = |ip: &str| {
            ip.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .map_err(|_| format!("{ip:?} is not an IP address"))
        };
        // HOST:IP (an IPv6 address has colons of its own) or HOST:PORT:ADDR.
        let (port, ips) = match parse_ip(rest) {
            Ok(ip) => (None, vec![ip]),
            Err(e) => match rest.split_once(':') {
                Some((port, addrs))
                    if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    let port = port
                        .parse::<u16>()
                        .ok()
                        .filter(|&p| p > 0)
                        .ok_or_else(|| format!("port {port:?} is not from 1 to 65535"))?;
                    let ips = addrs
                        .split(',')
                        .map(parse_ip)
                        .collect::<Result<Vec<_>, _>>()?;
                    (Some(port), ips)
                }
                _ => return Err(e),
            },
        };
        let host = if host == "*" {
            host.to_owned()
        } else {
            crate::names::host_to_ascii(host)?
        };
        Ok(ResolveOverride { host, port, ips })
    }
}

/// How the HTTP file is fetched (`check-http`, `check`).
#[derive(Debug, Args)]
pub struct HttpOptions {
    /// Which scheme(s) to fetch
    #[arg(long, value_enum, default_value_t = Scheme::Http)]
    pub scheme: Scheme,

    /// Port for http://
    #[arg(long, value_name = "N", default_value_t = 80, value_parser = clap::value_parser!(u16).range(1..))]
    pub http_port: u16,

    /// Port for https://
    #[arg(long, value_name = "N", default_value_t = 443, value_parser = clap::value_parser!(u16).range(1..))]
    pub https_port: u16,

    /// Use IP for HOST instead of DNS (repeatable, like curl --resolve: also
    /// HOST:PORT:ADDR[,ADDR...]; HOST * means every host)
    #[arg(long, value_name = "HOST:IP")]
    pub resolve: Vec<ResolveOverride>,
}

/// Which validation methods `dcv check` accepts for a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// The DNS CNAME only
    Cname,
    /// The HTTP file only
    Http,
    /// The random value's DNS TXT only (needs --random-value)
    Txt,
    /// Any of them (a name passes when one of them passes; the TXT with --random-value)
    Any,
}

impl Method {
    pub fn cname(self) -> bool {
        matches!(self, Method::Cname | Method::Any)
    }

    pub fn txt(self) -> bool {
        matches!(self, Method::Txt | Method::Any)
    }

    pub fn http(self) -> bool {
        matches!(self, Method::Http | Method::Any)
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub source: CheckSource,

    #[command(flatten)]
    pub ca: CaOptions,

    #[command(flatten)]
    pub caa: CaaOptions,

    /// The random value the CA portal handed out: checked in the --ca
    /// profile's TXT form (Sectigo: _pki-validation.<ADN> TXT "<VALUE>") at
    /// each ADN; with check-http, the profile's random-value file
    #[arg(long, value_name = "VALUE", value_parser = parse_random_value)]
    pub random_value: Option<String>,

    /// Validation method(s) a name may pass by
    #[arg(long, value_enum, default_value_t = Method::Any)]
    pub method: Method,

    /// Ask the recursive resolvers instead of the authoritative servers (DNS)
    #[arg(long)]
    pub recursive: bool,

    #[command(flatten)]
    pub http: HttpOptions,

    #[command(flatten)]
    pub network: NetworkOptions,

    #[command(flatten)]
    pub perspective: PerspectiveOptions,
}

#[derive(Debug, Args)]
pub struct CheckHttpArgs {
    #[command(flatten)]
    pub source: CheckSource,

    #[command(flatten)]
    pub ca: CaOptions,

    #[command(flatten)]
    pub caa: CaaOptions,

    /// The random value the CA portal handed out: checked in the --ca
    /// profile's TXT form (Sectigo: _pki-validation.<ADN> TXT "<VALUE>") at
    /// each ADN; with check-http, the profile's random-value file
    #[arg(long, value_name = "VALUE", value_parser = parse_random_value)]
    pub random_value: Option<String>,

    #[command(flatten)]
    pub http: HttpOptions,

    /// Fetch this URL instead of the CSR's file (with --expect)
    #[arg(long, value_name = "URL", requires = "expect", conflicts_with_all = ["csr", "md5"])]
    pub url: Vec<String>,

    /// The exact body the --url must serve
    #[arg(long, value_name = "BODY", requires = "url")]
    pub expect: Option<String>,

    #[command(flatten)]
    pub network: NetworkOptions,

    #[command(flatten)]
    pub perspective: PerspectiveOptions,
}

fn parse_resolver(s: &str) -> Result<SocketAddr, String> {
    // dig's @SERVER.
    let s = s.strip_prefix('@').unwrap_or(s);
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    s.parse::<SocketAddr>()
        .map_err(|_| format!("{s:?} is not IP or IP:PORT ([IPv6]:PORT)"))
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    // At least a millisecond: 1e-300 would otherwise become a zero timeout.
    match s.parse::<f64>() {
        Ok(v) if (0.001..=3600.0).contains(&v) => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!(
            "{s:?} is not a number of seconds from 0.001 to 3600"
        )),
    }
}

/// Parses `--wait`: `90s`, `10m`, `1h`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 90s, 10m, 1h)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use s, m or h)")),
    };
    if !(0.0..=86_400.0).contains(&seconds) {
        return Err(format!("{s:?} is out of range (at most 24h)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[derive(Debug, Args)]
pub struct HashArgs {
    /// CSR files (PEM or DER), or - for standard input
    #[arg(value_name = "CSR", required_unless_present = "csr_flag")]
    pub csrs: Vec<String>,

    /// A CSR file, as a flag (repeatable; the same as the positional CSRs)
    #[arg(long = "csr", id = "csr_flag", value_name = "CSR")]
    pub csr_flag: Vec<String>,

    #[command(flatten)]
    pub ca: CaOptions,

    #[command(flatten)]
    pub csr_options: CsrOptions,
}

#[derive(Debug, Args)]
pub struct FileArgs {
    #[command(flatten)]
    pub source: Source,

    #[command(flatten)]
    pub ca: CaOptions,

    /// Write the file into WEBROOT/.well-known/pki-validation/
    #[arg(long, value_name = "WEBROOT")]
    pub write: Option<PathBuf>,

    /// With --write, replace an existing file whose content differs
    #[arg(long, requires = "write")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CnameArgs {
    #[command(flatten)]
    pub source: Source,

    #[command(flatten)]
    pub ca: CaOptions,

    /// base: one record per registrable domain; fqdn: one per name
    #[arg(long, value_enum, default_value_t = CnamePlacement::Base)]
    pub at: CnamePlacement,

    /// text: readable; zone: lines to paste into a zone file
    #[arg(long, value_enum, default_value_t = CnameFormat::Text)]
    pub format: CnameFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CnameFormat {
    Text,
    Zone,
}

#[derive(Debug, Args)]
pub struct EmailsArgs {
    /// Names to list approver addresses for (U-labels are converted to A-labels);
    /// without --csr, a first argument that is - or an existing file is the CSR
    #[arg(value_name = "DOMAIN", required_unless_present = "csr")]
    pub domains: Vec<String>,

    /// Take the names from this CSR
    #[arg(long, value_name = "CSR")]
    pub csr: Option<String>,

    #[command(flatten)]
    pub csr_options: CsrOptions,
}

/// Where a check runs from (`dcv corroborate` combines such reports).
#[derive(Debug, Args)]
pub struct PerspectiveOptions {
    /// Name of the place this check runs from, recorded as `perspective` in the
    /// report [default: the host name]
    #[arg(long, value_name = "NAME", value_parser = parse_perspective)]
    pub perspective: Option<String>,

    /// The Regional Internet Registry this perspective is in (ARIN, RIPE NCC,
    /// APNIC, LACNIC, AFRINIC), recorded as `rir` for dcv corroborate's 2-RIR rule
    #[arg(long, value_name = "RIR", value_parser = parse_rir)]
    pub rir: Option<String>,

    /// Also ask the CA's own engine, Open MPIC (API v3 at URL/mpic), to
    /// corroborate each name's method and CAA from its remote perspectives;
    /// a key in DCV_MPIC_API_KEY is sent as x-api-key
    #[arg(long, value_name = "URL", env = "DCV_MPIC_URL", hide_env_values = true)]
    pub mpic: Option<String>,

    /// Perspectives Open MPIC uses per check [default: the BR minimum for today]
    #[arg(long, value_name = "N", requires = "mpic", value_parser = clap::value_parser!(u32).range(2..=100))]
    pub mpic_perspectives: Option<u32>,
}

/// `--rir`: one of the five registries, any case; `RIPE`/`RIPE-NCC` too.
fn parse_rir(s: &str) -> Result<String, String> {
    let norm = s.trim().to_ascii_uppercase().replace(['-', '_'], " ");
    let norm = if norm == "RIPE" {
        "RIPE NCC".to_owned()
    } else {
        norm
    };
    crate::stamp::RIRS
        .iter()
        .find(|r| **r == norm)
        .map(|r| (*r).to_owned())
        .ok_or_else(|| format!("{s:?} is not a Regional Internet Registry: one of ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC"))
}

fn parse_perspective(s: &str) -> Result<String, String> {
    if s.trim().is_empty() || s.len() > 100 || s.chars().any(char::is_control) {
        return Err(format!(
            "{s:?} is not a perspective name (1-100 characters, no control characters)"
        ));
    }
    Ok(s.to_owned())
}

#[derive(Debug, Args)]
pub struct PersistArgs {
    /// Names to authorize (U-labels are converted to A-labels); the record goes
    /// at each name's base (without `*.`)
    #[arg(value_name = "DOMAIN", required = true)]
    pub domains: Vec<String>,

    /// The CA's issuer domain name, as in its CAA records (e.g. sectigo.com)
    #[arg(long, value_name = "ISSUER", value_parser = crate::persistent_txt::parse_issuer)]
    pub issuer: String,

    /// The URI of your account at the CA (exactly as the CA gives it)
    #[arg(long, value_name = "URI", value_parser = crate::persistent_txt::parse_accounturi)]
    pub accounturi: String,

    /// Add policy=wildcard to every record (wildcard names and subdomains)
    #[arg(long)]
    pub wildcard: bool,

    /// Expiry: YYYY-MM-DD (midnight UTC) or a unix time; adds persistUntil
    #[arg(long, value_name = "DATE", value_parser = crate::persistent_txt::parse_until)]
    pub until: Option<i64>,

    /// text: readable; zone: lines to paste into a zone file
    #[arg(long, value_enum, default_value_t = CnameFormat::Text)]
    pub format: CnameFormat,
}

#[derive(Debug, Args)]
pub struct TxtArgs {
    /// Names to render the record for (U-labels are converted to A-labels)
    #[arg(value_name = "DOMAIN", required_unless_present = "csr")]
    pub domains: Vec<String>,

    /// Take the names from this CSR
    #[arg(long, value_name = "CSR")]
    pub csr: Option<String>,

    #[command(flatten)]
    pub csr_options: CsrOptions,

    #[command(flatten)]
    pub ca: CaOptions,

    /// The random value the CA portal handed out
    #[arg(long, value_name = "VALUE", required = true, value_parser = parse_random_value)]
    pub random_value: String,

    /// base: one record per registrable domain; fqdn: one per name
    #[arg(long, value_enum, default_value_t = CnamePlacement::Base)]
    pub at: CnamePlacement,

    /// text: readable; zone: lines to paste into a zone file
    #[arg(long, value_enum, default_value_t = CnameFormat::Text)]
    pub format: CnameFormat,
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// A profile file that adds or overrides profiles (repeatable)
    #[arg(long, value_name = "FILE")]
    pub ca_profile: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CorroborateArgs {
    /// Reports written by `dcv --json check|check-dns|check-http --perspective NAME`
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,

    /// Judge by the rules in force on this date (YYYY-MM-DD) [default: today, UTC]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<crate::clock::Date>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("x").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("48h").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
