//! `dcv profiles`: the CA profiles in use (built in, then `--ca-profile`
//! files), with their tag, CAA issuers, methods, BR labels and sources.
//! The JSON is itself a profile file.

use std::io::{self, Write};

use serde::Serialize;

use crate::cli::ProfilesArgs;
use crate::error::Result;
use crate::exit_codes::ExitCode;
use crate::output::{Output, Render, Report};
use crate::profile::{MethodForm, Profile};

#[derive(Serialize)]
pub struct ProfilesReport {
    ok: bool,
    profiles: Vec<Profile>,
}

fn method_line(m: &MethodForm) -> String {
    let form = match m {
        MethodForm::Cname { owner, target, adn } => {
            format!("{owner} CNAME {target} (ADN: {})", adn.label())
        }
        MethodForm::File { path, body, adn } => {
            format!("{path} serving {body:?} (name: {})", adn.label())
        }
        MethodForm::Txt {
            owner,
            value,
            matching,
            adn,
        } => format!(
            "{owner} TXT \"{value}\" (match: {}, ADN: {})",
            matching.label(),
            adn.label()
        ),
    };
    format!("{:<5} [{}] {form}", m.name(), m.br().label())
}

impl Report for ProfilesReport {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        for (i, prof) in self.profiles.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            writeln!(out, "{}  {}", p.bold(&prof.name), prof.ca)?;
            if let Some(t) = &prof.tag {
                writeln!(out, "  tag:         {t}")?;
            }
            writeln!(out, "  CAA issuers: {}", prof.caa_issuers.join(", "))?;
            writeln!(out, "  redirects:   {}", prof.redirects.label())?;
            writeln!(out, "  methods:")?;
            for m in &prof.methods {
                writeln!(out, "    {}", method_line(m))?;
            }
            if let Some(poll) = &prof.polling {
                writeln!(out, "  polling:     {poll}")?;
            }
            if let Some(form) = &prof.accounturi {
                writeln!(out, "  accounturi:  {form}")?;
            }
            if prof.persist_requires_policy_wildcard {
                writeln!(
                    out,
                    "  persist:     a wildcard's record must carry policy=wildcard"
                )?;
            }
            writeln!(out, "  sources:")?;
            for s in &prof.sources {
                writeln!(out, "    {} (read {})", s.url, s.read)?;
                writeln!(out, "      {}", p.dim(&s.covers))?;
            }
        }
        Ok(())
    }
}

pub fn run(args: &ProfilesArgs, out: &mut Output) -> Result<ExitCode> {
    let all = crate::plan::profiles_from(&args.ca_profile)?;
    out.emit(&ProfilesReport {
        ok: true,
        profiles: all.list,
    })?;
    Ok(ExitCode::Success)
}
