//! Writing the HTTP validation file into a web root, safely: only
//! `<WEBROOT>/.well-known/pki-validation/<MD5>.txt`, mode 0644, through a
//! temporary file and an atomic rename, never replacing different content
//! without `--force`.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::artifacts::PKI_VALIDATION_DIR;
use crate::error::{Error, Result};

/// What `--write` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteAction {
    Created,
    Replaced,
    Unchanged,
}

/// Largest existing file compared before replacing; anything bigger differs.
const MAX_EXISTING: u64 = 64 * 1024;

/// Writes `body` as `<webroot>/.well-known/pki-validation/<md5>.txt`.
///
/// `md5` must be the 32 hex characters of a hash (never a name from the CSR),
/// so the path cannot escape the web root.
pub fn write_validation_file(
    webroot: &Path,
    md5: &str,
    body: &[u8],
    force: bool,
) -> Result<(PathBuf, WriteAction)> {
    assert!(
        md5.len() == 32 && md5.bytes().all(|b| b.is_ascii_hexdigit()),
        "file name must be an MD5 hex digest"
    );
    let fail = |problem: String| Error::Write {
        webroot: webroot.to_owned(),
        problem,
    };
    match fs::metadata(webroot) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(fail("not a directory".into())),
        Err(e) => return Err(fail(e.to_string())),
    }
    let dir = webroot.join(PKI_VALIDATION_DIR);
    DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(&dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    let target = dir.join(format!("{md5}.txt"));

    let action = match existing_content(&target) {
        Ok(None) => WriteAction::Created,
        Ok(Some(old)) if old == body => return Ok((target, WriteAction::Unchanged)),
        Ok(Some(_)) if force => WriteAction::Replaced,
        Ok(Some(_)) => {
            return Err(fail(format!(
                "{} exists with different content; --force replaces it",
                target.display()
            )));
        }
        Err(e) => return Err(fail(format!("{}: {e}", target.display()))),
    };

    let temp = dir.join(format!(".{md5}.txt.{}.tmp", std::process::id()));
    let written = write_new(&temp, body).and_then(|()| fs::rename(&temp, &target));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(fail(format!("cannot write {}: {e}", target.display())));
    }
    Ok((target, action))
}

fn existing_content(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if file.metadata()?.is_dir() {
        return Err(std::io::Error::other("is a directory"));
    }
    let mut buf = Vec::new();
    file.take(MAX_EXISTING + 1).read_to_end(&mut buf)?;
    Ok(Some(buf))
}

fn write_new(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)?;
    // The umask may have narrowed the mode; the web server must read it.
    f.set_permissions(fs::Permissions::from_mode(0o644))?;
    f.write_all(body)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "0123456789ABCDEF0123456789ABCDEF";

    #[test]
    fn creates_then_keeps_then_refuses_then_forces() {
        let root = tempfile::tempdir().unwrap();
        let (path, a) = write_validation_file(root.path(), MD5, b"one", false).unwrap();
        assert_eq!(a, WriteAction::Created);
        assert_eq!(
            path,
            root.path()
                .join(format!(".well-known/pki-validation/{MD5}.txt"))
        );
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );

        let (_, a) = write_validation_file(root.path(), MD5, b"one", false).unwrap();
        assert_eq!(a, WriteAction::Unchanged);

        let err = write_validation_file(root.path(), MD5, b"two", false).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"one");

        let (_, a) = write_validation_file(root.path(), MD5, b"two", true).unwrap();
        assert_eq!(a, WriteAction::Replaced);
        assert_eq!(fs::read(&path).unwrap(), b"two");

        let entries: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(entries.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn missing_webroot_is_an_error() {
        let root = tempfile::tempdir().unwrap();
        let missing = root.path().join("nope");
        let err = write_validation_file(&missing, MD5, b"x", false).unwrap_err();
        assert!(err.to_string().starts_with("--write "), "{err}");
        assert!(!missing.exists());
    }
}
