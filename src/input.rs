//! Reading a CSR argument (a path or `-`) with the 1 MiB cap, and applying
//! the signature policy. The only place that opens input files.

use std::fs::File;
use std::io::{self, Read};

use crate::csr::{self, Csr, CsrError, MAX_INPUT, Signature};
use crate::error::{Error, Result};

/// A CSR and the name the user knows it by (the path, or `standard input`).
pub struct LoadedCsr {
    pub file: String,
    pub csr: Csr,
}

/// An I/O error in words, without the "(os error 2)" tail.
pub fn io_problem(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_owned(),
                None => text,
            }
        }
    }
}

/// Reads at most `MAX_INPUT + 1` bytes: enough to tell "too large" without
/// ever holding more than that.
pub fn read_capped(arg: &str) -> Result<(String, Vec<u8>)> {
    let file = if arg == "-" {
        "standard input".to_owned()
    } else {
        arg.to_owned()
    };
    let read_err = |source: io::Error| Error::Read {
        file: file.clone(),
        source,
    };
    let mut buf = Vec::new();
    let limit = MAX_INPUT as u64 + 1;
    if arg == "-" {
        io::stdin().lock().take(limit).read_to_end(&mut buf)
    } else {
        let f = File::open(arg).map_err(read_err)?;
        if f.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(Error::Read {
                file,
                source: io::Error::other("is a directory, not a CSR file"),
            });
        }
        f.take(limit).read_to_end(&mut buf)
    }
    .map_err(read_err)?;
    Ok((file, buf))
}

/// Reads and decodes a CSR; a bad signature is an error unless
/// `allow_bad_signature`, in which case the caller warns.
pub fn load_csr(arg: &str, allow_bad_signature: bool) -> Result<LoadedCsr> {
    let (file, bytes) = read_capped(arg)?;
    let csr = csr::parse(&bytes).map_err(|source| Error::Csr {
        file: file.clone(),
        source,
    })?;
    if !allow_bad_signature {
        let problem = match &csr.signature {
            Signature::Valid => None,
            Signature::Invalid(why) => Some(CsrError::BadSignature(why.clone())),
            Signature::Unsupported(why) => Some(CsrError::UncheckedSignature(why.clone())),
        };
        if let Some(source) = problem {
            return Err(Error::Csr { file, source });
        }
    }
    Ok(LoadedCsr { file, csr })
}

/// The warnings a loaded CSR deserves on stderr (rejected names are not
/// among them: every report lists those).
pub fn csr_warnings(loaded: &LoadedCsr) -> Vec<String> {
    let mut out: Vec<String> = loaded
        .csr
        .warnings
        .iter()
        .map(|w| format!("{}: {w}", loaded.file))
        .collect();
    match &loaded.csr.signature {
        Signature::Valid => {}
        Signature::Invalid(why) => out.push(format!(
            "{}: the self-signature does not verify ({why}); the CA will refuse this CSR",
            loaded.file
        )),
        Signature::Unsupported(why) => out.push(format!(
            "{}: signature not verified: dcv cannot verify {why}",
            loaded.file
        )),
    }
    out
}
