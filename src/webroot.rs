//! Writing the HTTP validation file into a web root, safely: only
//! `<WEBROOT>/.well-known/pki-validation/<MD5>.txt`, mode 0644, through a
//! temporary file that is linked into place, never replacing different
//! content without `--force`.
//!
//! The web root itself is opened following links (naming it is the user's
//! choice); everything below it is reached through directory descriptors
//! without following links, so a link planted as `.well-known`,
//! `pki-validation` or the file itself is refused rather than written
//! through. Only regular files are ever opened at the target, so a FIFO or a
//! device there cannot block or be touched. The file is published with
//! `link(2)` (or `renameat2(RENAME_NOREPLACE)` where links are unsupported),
//! which fails when the name exists: of concurrent writers exactly one
//! creates it; `--force` replaces with `rename(2)`.

use std::ffi::{CString, OsString};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
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

/// The outcome of a successful `--write`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    /// `<webroot>/.well-known/pki-validation/<md5>.txt`.
    pub path: PathBuf,
    pub action: WriteAction,
    /// The directories this write created (mode 0755), outermost first.
    pub created_dirs: Vec<PathBuf>,
}

/// Largest existing file compared before replacing; anything bigger differs.
const MAX_EXISTING: u64 = 64 * 1024;

/// Mode of the directories created and of the file, whatever the umask.
const DIR_MODE: u32 = 0o755;
const FILE_MODE: u32 = 0o644;

/// The web root above `path` when `path` itself ends in `.well-known` or
/// `.well-known/pki-validation` (trailing slashes and `.` ignored).
fn validation_dir_root(path: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let parts: Vec<Component> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let name = |c: &Component| c.as_os_str().to_str().map(str::to_ascii_lowercase);
    let n = parts.len();
    let strip = if n >= 2
        && name(&parts[n - 1]).as_deref() == Some("pki-validation")
        && name(&parts[n - 2]).as_deref() == Some(".well-known")
    {
        2
    } else if n >= 1 && name(&parts[n - 1]).as_deref() == Some(".well-known") {
        1
    } else {
        return None;
    };
    let root: PathBuf = parts[..n - strip].iter().collect();
    Some(if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root
    })
}

/// Writes `body` as `<webroot>/.well-known/pki-validation/<md5>.txt`.
///
/// `md5` must be the 32 hex characters of a hash (never a name from the CSR),
/// so the path cannot escape the web root. Missing directories are created
/// 0755 (existing ones keep their mode); a link or anything but a directory
/// at `.well-known` or `pki-validation`, and anything but a regular file at
/// the target, is refused even with `force`.
pub fn write_validation_file(
    webroot: &Path,
    md5: &str,
    body: &[u8],
    force: bool,
) -> Result<WriteOutcome> {
    assert!(
        md5.len() == 32 && md5.bytes().all(|b| b.is_ascii_hexdigit()),
        "file name must be an MD5 hex digest"
    );
    let fail = |problem: String| Error::Write {
        webroot: webroot.to_owned(),
        problem,
    };
    // A web root given as its own validation directory would put the file
    // at .../pki-validation/.well-known/pki-validation/, where the CA
    // never looks: say which directory to give instead.
    if let Some(root) = validation_dir_root(webroot) {
        return Err(fail(format!(
            "this is the validation directory, not the web root: the file would land in {}/{PKI_VALIDATION_DIR}/; give the web root: --write {}",
            webroot.display().to_string().trim_end_matches('/'),
            root.display()
        )));
    }
    match fs::metadata(webroot) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(fail("not a directory".into())),
        Err(e) => return Err(fail(e.to_string())),
    }
    let mut dir: OwnedFd = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(webroot)
        .map_err(|e| fail(e.to_string()))?
        .into();
    let mut dir_path = webroot.to_owned();
    let mut created_dirs = Vec::new();
    for name in PKI_VALIDATION_DIR.split('/') {
        dir_path.push(name);
        let (sub, created) = enter_dir(dir.as_fd(), name, &dir_path).map_err(&fail)?;
        if created {
            created_dirs.push(dir_path.clone());
        }
        dir = sub;
    }
    let name = format!("{md5}.txt");
    let target = dir_path.join(&name);
    let action = publish(dir.as_fd(), &name, &target, body, force).map_err(fail)?;
    Ok(WriteOutcome {
        path: target,
        action,
        created_dirs,
    })
}

/// Opens the directory `name` under `parent` without following a link,
/// creating it 0755 when missing; true when this call created it.
fn enter_dir(
    parent: BorrowedFd<'_>,
    name: &str,
    shown: &Path,
) -> std::result::Result<(OwnedFd, bool), String> {
    let created = match sys::mkdirat(parent, name, DIR_MODE) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
        Err(e) => return Err(format!("cannot create {}: {e}", shown.display())),
    };
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW;
    let fd = match sys::openat(parent, name, flags, 0) {
        Ok(fd) => fd,
        Err(e) => return Err(not_usable(parent, name, shown, "a directory", e)),
    };
    let dir = File::from(fd);
    if created {
        // mkdir applied the umask; the web server must be able to enter it.
        dir.set_permissions(fs::Permissions::from_mode(DIR_MODE))
            .map_err(|e| format!("cannot set the mode of {}: {e}", shown.display()))?;
    }
    Ok((dir.into(), created))
}

/// Says why `name` under `dir` cannot be used as `wanted` after `error`:
/// names a link and where it points, or the kind of file found.
fn not_usable(
    dir: BorrowedFd<'_>,
    name: &str,
    shown: &Path,
    wanted: &str,
    error: io::Error,
) -> String {
    match sys::lstat_kind(dir, name) {
        Ok(libc::S_IFLNK) => {
            let to = sys::readlinkat(dir, name)
                .map(|t| PathBuf::from(t).display().to_string())
                .unwrap_or_else(|e| format!("an unreadable target ({e})"));
            format!(
                "{} is a symbolic link to {to}; links under the web root are not followed \
                 (pass the real directory as WEBROOT)",
                shown.display()
            )
        }
        Ok(kind) if kind_name(kind) != wanted => {
            format!("{} is {}, not {wanted}", shown.display(), kind_name(kind))
        }
        _ => format!("cannot open {}: {error}", shown.display()),
    }
}

fn kind_name(kind: libc::mode_t) -> &'static str {
    match kind {
        libc::S_IFIFO => "a FIFO",
        libc::S_IFSOCK => "a socket",
        libc::S_IFCHR => "a character device",
        libc::S_IFBLK => "a block device",
        libc::S_IFDIR => "a directory",
        libc::S_IFLNK => "a symbolic link",
        libc::S_IFREG => "a regular file",
        _ => "a special file",
    }
}

/// Puts `body` at `name` in `dir`: compares with what is there, writes a
/// temporary file, then links it into place without replacing (or, with
/// `force`, renames it over different content).
fn publish(
    dir: BorrowedFd<'_>,
    name: &str,
    shown: &Path,
    body: &[u8],
    force: bool,
) -> std::result::Result<WriteAction, String> {
    let different = || {
        format!(
            "{} exists with different content; --force replaces it",
            shown.display()
        )
    };
    match existing_content(dir, name, shown)? {
        Some(old) if old == body => return Ok(WriteAction::Unchanged),
        Some(_) if !force => return Err(different()),
        _ => {}
    }

    let temp = temp_name(name).map_err(|e| format!("cannot write {}: {e}", shown.display()))?;
    write_new(dir, &temp, body).map_err(|e| {
        let _ = sys::unlinkat(dir, &temp);
        format!("cannot write {}: {e}", shown.display())
    })?;
    let outcome = place(dir, &temp, name, shown, body, force, &different);
    // After a link the temporary name is a second link to the file; after a
    // rename it is gone. Either way nothing of it must stay behind.
    let _ = sys::unlinkat(dir, &temp);
    if outcome.is_ok() {
        // Make the new directory entry durable; not every file system
        // supports syncing a directory, and the file is in place regardless.
        let _ = sys::fsync(dir);
    }
    outcome
}

fn place(
    dir: BorrowedFd<'_>,
    temp: &str,
    name: &str,
    shown: &Path,
    body: &[u8],
    force: bool,
    different: &dyn Fn() -> String,
) -> std::result::Result<WriteAction, String> {
    let cannot = |e: io::Error| format!("cannot write {}: {e}", shown.display());
    // The name may vanish between a failed link and the comparison; try again
    // then, a few times, rather than loop forever against another process.
    for _ in 0..3 {
        match sys::link_noreplace(dir, temp, name) {
            Ok(()) => return Ok(WriteAction::Created),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(cannot(e)),
        }
        match existing_content(dir, name, shown)? {
            Some(old) if old == body => return Ok(WriteAction::Unchanged),
            Some(_) if force => {
                sys::renameat(dir, temp, name).map_err(cannot)?;
                return Ok(WriteAction::Replaced);
            }
            Some(_) => return Err(different()),
            None => {}
        }
    }
    Err(cannot(io::Error::other(
        "the file kept appearing and disappearing",
    )))
}

/// `.<name>.<pid>.<random>.tmp`: unique to this write, hidden, and never
/// served as `<name>`.
fn temp_name(name: &str) -> io::Result<String> {
    let mut random = [0u8; 6];
    getrandom::fill(&mut random).map_err(io::Error::other)?;
    Ok(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        hex::encode(random)
    ))
}

/// The content of the regular file `name` in `dir` (at most
/// `MAX_EXISTING + 1` bytes), `None` when there is none, an error naming
/// what is there when it is anything but a regular file. Never opens a link,
/// and never blocks on a FIFO or device.
fn existing_content(
    dir: BorrowedFd<'_>,
    name: &str,
    shown: &Path,
) -> std::result::Result<Option<Vec<u8>>, String> {
    let refuse = |kind| {
        format!(
            "{} is {}, not a regular file; dcv replaces only regular files",
            shown.display(),
            kind_name(kind)
        )
    };
    match sys::lstat_kind(dir, name) {
        Ok(libc::S_IFREG) => {}
        Ok(kind) => return Err(refuse(kind)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot inspect {}: {e}", shown.display())),
    }
    // It may have been swapped since: O_NOFOLLOW and O_NONBLOCK keep a link
    // or a FIFO from being followed or blocking, and the descriptor is
    // checked again before reading.
    let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY;
    let file = match sys::openat(dir, name, flags, 0) {
        Ok(fd) => File::from(fd),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(not_usable(dir, name, shown, "a regular file", e)),
    };
    let cannot = |e: io::Error| format!("cannot read {}: {e}", shown.display());
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(refuse(
            (std::os::unix::fs::MetadataExt::mode(&meta) as libc::mode_t) & libc::S_IFMT,
        ));
    }
    let mut buf = Vec::new();
    file.take(MAX_EXISTING + 1)
        .read_to_end(&mut buf)
        .map_err(cannot)?;
    Ok(Some(buf))
}

/// Creates `name` in `dir` (which must not exist), mode 0644 whatever the
/// umask, with `body`, flushed to disk.
fn write_new(dir: BorrowedFd<'_>, name: &str, body: &[u8]) -> io::Result<()> {
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
    let mut f = File::from(sys::openat(dir, name, flags, FILE_MODE)?);
    // The umask may have narrowed the mode; the web server must read it.
    f.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    f.write_all(body)?;
    f.sync_all()
}

/// Thin wrappers over the `*at` system calls std does not offer, taking
/// names relative to a directory descriptor.
mod sys {
    use super::*;

    fn c_name(name: &str) -> io::Result<CString> {
        CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
    }

    fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
        if ret == -1 {
            Err(io::Error::last_os_error())
        } else {
            Ok(ret)
        }
    }

    pub fn openat(
        dir: BorrowedFd<'_>,
        name: &str,
        flags: libc::c_int,
        mode: u32,
    ) -> io::Result<OwnedFd> {
        let name = c_name(name)?;
        // SAFETY: `name` is NUL-terminated and outlives the call; `dir` is an
        // open descriptor for its duration.
        let fd = check(unsafe {
            libc::openat(
                dir.as_raw_fd(),
                name.as_ptr(),
                flags | libc::O_CLOEXEC,
                mode as libc::c_uint,
            )
        })?;
        // SAFETY: openat returned a new descriptor that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    pub fn mkdirat(dir: BorrowedFd<'_>, name: &str, mode: u32) -> io::Result<()> {
        let name = c_name(name)?;
        // SAFETY: as in `openat`.
        check(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), mode as libc::mode_t) })
            .map(drop)
    }

    /// The file type bits (`S_IFMT`) of `name`, not following a link.
    pub fn lstat_kind(dir: BorrowedFd<'_>, name: &str) -> io::Result<libc::mode_t> {
        let name = c_name(name)?;
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: as in `openat`; `st` is valid for writes of one `stat`.
        check(unsafe {
            libc::fstatat(
                dir.as_raw_fd(),
                name.as_ptr(),
                st.as_mut_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            )
        })?;
        // SAFETY: fstatat succeeded, so it filled `st`.
        let st = unsafe { st.assume_init() };
        Ok(st.st_mode & libc::S_IFMT)
    }

    pub fn readlinkat(dir: BorrowedFd<'_>, name: &str) -> io::Result<OsString> {
        let name = c_name(name)?;
        let mut buf = vec![0u8; libc::PATH_MAX as usize];
        // SAFETY: as in `openat`; `buf` is valid for writes of `buf.len()`.
        let n = unsafe {
            libc::readlinkat(
                dir.as_raw_fd(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
        buf.truncate(n);
        Ok(OsString::from_vec(buf))
    }

    /// Gives the file `from` the second name `to`, failing with
    /// `AlreadyExists` when `to` exists. Where the file system has no hard
    /// links, renames without replacing instead (Linux).
    pub fn link_noreplace(dir: BorrowedFd<'_>, from: &str, to: &str) -> io::Result<()> {
        let (cfrom, cto) = (c_name(from)?, c_name(to)?);
        // SAFETY: as in `openat`.
        let linked = check(unsafe {
            libc::linkat(
                dir.as_raw_fd(),
                cfrom.as_ptr(),
                dir.as_raw_fd(),
                cto.as_ptr(),
                0,
            )
        });
        match linked {
            Err(e) if unsupported(&e) => match rename_noreplace(dir, &cfrom, &cto) {
                // Neither is available: report the link's failure.
                Err(r) if unsupported(&r) || r.raw_os_error() == Some(libc::EINVAL) => Err(e),
                renamed => renamed,
            },
            other => other.map(drop),
        }
    }

    /// The error of a file system (or kernel) that lacks the operation.
    fn unsupported(e: &io::Error) -> bool {
        e.kind() == io::ErrorKind::Unsupported
            || matches!(
                e.raw_os_error(),
                Some(libc::EPERM | libc::EOPNOTSUPP | libc::ENOSYS)
            )
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn rename_noreplace(dir: BorrowedFd<'_>, from: &CString, to: &CString) -> io::Result<()> {
        // SAFETY: as in `openat`; renameat2 takes exactly these arguments.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                dir.as_raw_fd(),
                from.as_ptr(),
                dir.as_raw_fd(),
                to.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if ret == -1 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn rename_noreplace(_: BorrowedFd<'_>, _: &CString, _: &CString) -> io::Result<()> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }

    pub fn renameat(dir: BorrowedFd<'_>, from: &str, to: &str) -> io::Result<()> {
        let (from, to) = (c_name(from)?, c_name(to)?);
        // SAFETY: as in `openat`.
        check(unsafe {
            libc::renameat(dir.as_raw_fd(), from.as_ptr(), dir.as_raw_fd(), to.as_ptr())
        })
        .map(drop)
    }

    pub fn unlinkat(dir: BorrowedFd<'_>, name: &str) -> io::Result<()> {
        let name = c_name(name)?;
        // SAFETY: as in `openat`.
        check(unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), 0) }).map(drop)
    }

    pub fn fsync(dir: BorrowedFd<'_>) -> io::Result<()> {
        // SAFETY: `dir` is an open descriptor for the duration of the call.
        check(unsafe { libc::fsync(dir.as_raw_fd()) }).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "0123456789ABCDEF0123456789ABCDEF";

    #[test]
    fn creates_then_keeps_then_refuses_then_forces() {
        let root = tempfile::tempdir().unwrap();
        let w = write_validation_file(root.path(), MD5, b"one", false).unwrap();
        assert_eq!(w.action, WriteAction::Created);
        let path = w.path;
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

        let w = write_validation_file(root.path(), MD5, b"one", false).unwrap();
        assert_eq!(w.action, WriteAction::Unchanged);

        let err = write_validation_file(root.path(), MD5, b"two", false).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"one");

        let w = write_validation_file(root.path(), MD5, b"two", true).unwrap();
        assert_eq!(w.action, WriteAction::Replaced);
        assert_eq!(fs::read(&path).unwrap(), b"two");

        let entries: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(entries.len(), 1, "no temporary file left behind");
    }

    fn pki(root: &Path) -> PathBuf {
        root.join(PKI_VALIDATION_DIR)
    }

    #[test]
    fn reports_the_directories_it_created() {
        let root = tempfile::tempdir().unwrap();
        let w = write_validation_file(root.path(), MD5, b"one", false).unwrap();
        assert_eq!(
            w.created_dirs,
            [root.path().join(".well-known"), pki(root.path())]
        );
        fs::remove_file(&w.path).unwrap();
        let w = write_validation_file(root.path(), MD5, b"one", false).unwrap();
        assert_eq!(w.action, WriteAction::Created);
        assert!(w.created_dirs.is_empty());
    }

    #[test]
    fn refuses_a_link_socket_or_directory_at_the_target_even_with_force() {
        let root = tempfile::tempdir().unwrap();
        let dir = pki(root.path());
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join(format!("{MD5}.txt"));
        let outside = root.path().join("outside.txt");
        fs::write(&outside, b"keep").unwrap();

        std::os::unix::fs::symlink(&outside, &target).unwrap();
        for force in [false, true] {
            let err = write_validation_file(root.path(), MD5, b"new", force).unwrap_err();
            assert!(err.to_string().contains("a symbolic link"), "{err}");
            assert_eq!(fs::read(&outside).unwrap(), b"keep");
        }
        fs::remove_file(&target).unwrap();

        let _socket = std::os::unix::net::UnixListener::bind(&target).unwrap();
        let err = write_validation_file(root.path(), MD5, b"new", true).unwrap_err();
        assert!(
            err.to_string().contains("is a socket, not a regular file"),
            "{err}"
        );
        fs::remove_file(&target).unwrap();

        fs::create_dir(&target).unwrap();
        let err = write_validation_file(root.path(), MD5, b"new", true).unwrap_err();
        assert!(
            err.to_string()
                .contains("is a directory, not a regular file"),
            "{err}"
        );
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn refuses_a_file_where_a_directory_belongs() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join(".well-known"), b"").unwrap();
        let err = write_validation_file(root.path(), MD5, b"new", true).unwrap_err();
        assert!(
            err.to_string()
                .contains(".well-known is a regular file, not a directory"),
            "{err}"
        );
    }

    #[test]
    fn concurrent_identical_writes_create_once_and_find_the_rest_unchanged() {
        let root = tempfile::tempdir().unwrap();
        let actions: Vec<WriteAction> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..16)
                .map(|_| s.spawn(|| write_validation_file(root.path(), MD5, b"same", false)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().unwrap().action)
                .collect()
        });
        let created = actions
            .iter()
            .filter(|a| **a == WriteAction::Created)
            .count();
        assert_eq!(created, 1, "{actions:?}");
        assert!(
            actions
                .iter()
                .all(|a| matches!(a, WriteAction::Created | WriteAction::Unchanged)),
            "{actions:?}"
        );
        assert_eq!(fs::read_dir(pki(root.path())).unwrap().count(), 1);
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
