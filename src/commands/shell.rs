//! `dcv completions SHELL` and `dcv man`: generated from the command line
//! definition itself (clap_complete, clap_mangen), so they cannot drift.
//! Not reports: printed as they are, `--json` or not.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::output::Output;

pub fn completions(shell: clap_complete::Shell, out: &mut Output) -> Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dcv", &mut script);
    out.raw(&script)?;
    Ok(ExitCode::Success)
}

/// One page, `dcv(1)`, with every command's synopsis, options and
/// examples in it: clap_mangen alone would point to `dcv-check(1)` and
/// other pages that are not installed.
pub fn man(out: &mut Output) -> Result<ExitCode> {
    let page = man_page().map_err(Error::Output)?;
    out.raw(page.as_bytes())?;
    Ok(ExitCode::Success)
}

fn render(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> std::io::Result<String> {
    let mut buf = Vec::new();
    f(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn man_page() -> std::io::Result<String> {
    let mut cmd = Cli::command();
    cmd.build();
    let top = clap_mangen::Man::new(cmd.clone());
    let mut page = String::new();
    page += &render(|w| top.render_title(w))?;
    page += &render(|w| top.render_name_section(w))?;
    page += &render(|w| top.render_synopsis_section(w))?;
    page += &render(|w| top.render_description_section(w))?;
    page += &render(|w| top.render_options_section(w))?;
    page += ".SH COMMANDS\n";
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("dcv {}", sub.get_name());
        let man = clap_mangen::Man::new(sub.clone().bin_name(&name));
        page += &format!(".SS \"{}\"\n", roff_text(&name));
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            page += &format!("{}\n", roff_text(&about.to_string()));
        }
        // Each section of the command becomes a paragraph under its own
        // sub-heading, not a top-level section.
        let sections = [
            render(|w| man.render_synopsis_section(w))?,
            render(|w| man.render_options_section(w))?,
        ];
        for text in sections {
            page += &demote(&text);
        }
        if sub.get_after_help().is_some() || sub.get_after_long_help().is_some() {
            page += &demote(&render(|w| man.render_extra_section(w))?);
        }
    }
    page += ".SH ENVIRONMENT\n";
    for (var, what) in [
        (
            "DCV_TOKEN",
            "the uniqueValue of the order (same as --token), for cname, file and the check commands",
        ),
        (
            "NO_COLOR",
            "when set, no colour (as --color never); colour is also off when TERM=dumb or stdout is not a terminal",
        ),
        ("TERM", "dumb turns colour off"),
    ] {
        page += &format!(".TP\n\\fB{var}\\fR\n{}\n", roff_text(what));
    }
    page += ".SH EXIT STATUS\n.nf\n";
    page += &roff_text(crate::cli::EXIT_CODES.trim_start_matches("Exit codes:\n"));
    page += "\n.fi\n";
    page += ".SH EXAMPLES\n.nf\n";
    for line in [
        "dcv hash request.csr",
        "dcv cname request.csr --format zone",
        "mkdir -p /var/www/html && dcv file request.csr --write /var/www/html",
        "dcv check request.csr --wait 40m",
        "dcv check request.csr @1.1.1.1 --evidence dcv-evidence",
        "dcv --json check-dns --csr request.csr > report.json",
    ] {
        page += &format!("{}\n", roff_text(line));
    }
    page += ".fi\n.SH SEE ALSO\nThe documentation in the source tree: docs/reference.md (commands), docs/json.md (the JSON contract and reason codes), docs/evidence.md (the evidence bundle).\n";
    page += &render(|w| top.render_version_section(w))?;
    Ok(page)
}

/// `.SH NAME` headings of a command's own page become `.SS`-level
/// paragraphs of the one page (`.SH EXTRA`, clap_mangen's name for the
/// after-help text, becomes nothing).
fn demote(text: &str) -> String {
    text.lines()
        .map(|l| match l.strip_prefix(".SH ") {
            Some("EXTRA") => ".PP".to_owned(),
            Some(h) => format!(".PP\n\\fI{}\\fR", h.trim_matches('"').to_lowercase()),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Text safe in roff: backslashes doubled, `-` as `\-`, no line starting
/// with a control character.
fn roff_text(s: &str) -> String {
    s.lines()
        .map(|l| {
            let l = l.replace('\\', "\\\\").replace('-', "\\-");
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
