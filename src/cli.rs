//! The command line: every command, flag and environment variable `dcv`
//! accepts, declared with clap's derive API. Parsing only; no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::artifacts::{CnamePlacement, HexDigest};
use crate::ca::{CaProfile, CaTag, Token};

const EXIT_CODES: &str = "\
Exit codes:
  0  everything checked passed
  1  a check failed (or a name was invalid)
  2  bad usage or unreadable/invalid input";

/// Domain Control Validation for TLS certificate orders: derive the exact
/// HTTP file and DNS CNAME a CA checks from a CSR.
#[derive(Debug, Parser)]
#[command(name = "dcv", version, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// Machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,

    /// When to colour the output (auto honours NO_COLOR and a non-terminal stdout)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// Print only the essentials; no warnings or notes
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
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

    /// List the approver email addresses for every ADN of each name
    #[command(
        after_help = "Examples:\n  dcv emails www.example.com\n  dcv emails --csr request.csr"
    )]
    Emails(EmailsArgs),
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
    /// CA profile: sets the tag and the CAA issuer names
    #[arg(long, value_enum, default_value_t = CaProfile::Sectigo)]
    pub ca: CaProfile,

    /// Override the CA tag (e.g. a reseller API that hands back another)
    #[arg(long, value_name = "DOMAIN")]
    pub ca_tag: Option<CaTag>,

    /// The uniqueValue sent with the order: 1-20 characters [A-Za-z0-9]
    #[arg(long, value_name = "VALUE", env = "DCV_TOKEN")]
    pub token: Option<Token>,
}

/// Where the hashes come from: a CSR, or `--md5`/`--sha256` with `--domain`.
#[derive(Debug, Args)]
pub struct Source {
    /// The CSR: a PEM or DER file, or - for standard input
    #[arg(value_name = "CSR", required_unless_present = "md5", conflicts_with_all = ["md5", "sha256"])]
    pub csr: Option<String>,

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

#[derive(Debug, Args)]
pub struct HashArgs {
    /// CSR files (PEM or DER), or - for standard input
    #[arg(value_name = "CSR", required = true)]
    pub csrs: Vec<String>,

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
    /// Names to list approver addresses for (U-labels are converted to A-labels)
    #[arg(value_name = "DOMAIN", required_unless_present = "csr")]
    pub domains: Vec<String>,

    /// Take the names from this CSR
    #[arg(long, value_name = "CSR")]
    pub csr: Option<String>,

    #[command(flatten)]
    pub csr_options: CsrOptions,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
