//! Names the commit `dcv --version` was built from. Works without git or
//! a .git directory (a tarball, a vendored copy): the commit is then
//! "unknown commit", or whatever DCV_COMMIT says.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-env-changed=DCV_COMMIT");
    println!("cargo:rerun-if-changed=build.rs");
    let commit = std::env::var("DCV_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]).map(|c| format!("commit {c}")))
        .unwrap_or_else(|| "unknown commit".to_owned());
    // Rebuild when HEAD moves: HEAD itself, the branch it points to, and
    // packed-refs (a worktree's .git is a file, so ask git where they are).
    // Only paths that exist: a missing one would rerun this on every build.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for path in &watched {
        if let Some(p) = git(&["rev-parse", "--git-path", path])
            && std::path::Path::new(&p).exists()
        {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rustc-env=DCV_COMMIT={commit}");
}
