//! `file`, `cname`, `emails`, `token`: artifacts rendered exactly for each CA
//! profile, with and without a token, and `--write` semantics.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use crate::support::{dcv, fixture, json, pluck, recorded};

const PROFILES: [(&str, &str); 3] = [
    ("sectigo", "sectigo.com"),
    ("comodo", "comodoca.com"),
    ("sslcom", "ssl.com"),
];

#[test]
fn file_body_and_url_for_each_profile_with_and_without_token() {
    let want = recorded("rsa2048_multi.pem");
    for (profile, tag) in PROFILES {
        for token in [None, Some("Abc123XYZ")] {
            let mut cmd = dcv();
            cmd.args(["file", "--json", "--ca", profile])
                .arg(fixture("rsa2048_multi.pem"));
            if let Some(t) = token {
                cmd.args(["--token", t]);
            }
            let out = cmd.output().unwrap();
            assert!(out.status.success());
            let doc = json(&out);
            let files = doc["files"].as_array().unwrap();
            assert_eq!(files.len(), 4);
            let body = match token {
                Some(t) => format!("{}\n{tag}\n{t}", want.sha256),
                None => format!("{}\n{tag}", want.sha256),
            };
            for f in files {
                assert_eq!(f["body"], body.as_str());
                assert_eq!(
                    f["path"],
                    format!(".well-known/pki-validation/{}.txt", want.md5)
                );
            }
            assert_eq!(
                files[0]["url"],
                format!(
                    "http://www.example.com/.well-known/pki-validation/{}.txt",
                    want.md5
                )
            );
        }
    }
}

#[test]
fn token_from_environment_and_ca_tag_override() {
    let want = recorded("ec384.pem");
    let out = dcv()
        .args(["file", "--json", "--ca-tag", "Reseller.Example"])
        .arg(fixture("ec384.pem"))
        .env("DCV_TOKEN", "envtoken1")
        .output()
        .unwrap();
    assert_eq!(
        json(&out)["files"][0]["body"],
        format!("{}\nreseller.example\nenvtoken1", want.sha256)
    );
}

#[test]
fn wildcard_is_skipped_for_the_file() {
    let out = dcv()
        .args(["file", "--json"])
        .arg(fixture("ec256_wildcard.pem"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc = json(&out);
    assert_eq!(doc["files"].as_array().unwrap().len(), 1);
    assert_eq!(doc["skipped"][0]["domain"], "*.example.com");
    assert!(
        doc["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("wildcard")
    );
}

#[test]
fn file_from_hashes_and_idn_domain() {
    let want = recorded("rsa2048_multi.pem");
    let out = dcv()
        .args([
            "file",
            "--json",
            "--md5",
            &want.md5.to_lowercase(),
            "--sha256",
            &want.sha256,
        ])
        .args(["--domain", "Bücher.example.com"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    assert_eq!(
        doc["files"][0]["url"],
        format!(
            "http://xn--bcher-kva.example.com/.well-known/pki-validation/{}.txt",
            want.md5
        )
    );
}

#[test]
fn write_creates_exact_bytes_mode_0644_and_refuses_different_content() {
    let want = recorded("rsa2048_multi.pem");
    let root = tempfile::tempdir().unwrap();
    let run = |force: bool, token: Option<&str>| {
        let mut cmd = dcv();
        cmd.args(["file", "--json", "--write"])
            .arg(root.path())
            .arg(fixture("rsa2048_multi.pem"));
        if force {
            cmd.arg("--force");
        }
        if let Some(t) = token {
            cmd.args(["--token", t]);
        }
        cmd.output().unwrap()
    };
    let path = root
        .path()
        .join(format!(".well-known/pki-validation/{}.txt", want.md5));

    let out = run(false, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["written"]["action"], "created");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        format!("{}\nsectigo.com", want.sha256).as_bytes()
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o644
    );

    let out = run(false, None);
    assert_eq!(json(&out)["written"]["action"], "unchanged");

    let out = run(false, Some("tok"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("different content") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        format!("{}\nsectigo.com", want.sha256).as_bytes()
    );

    let out = run(true, Some("tok"));
    assert_eq!(json(&out)["written"]["action"], "replaced");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        format!("{}\nsectigo.com\ntok", want.sha256).as_bytes()
    );

    let entries: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary file left behind");
}

#[test]
fn write_to_missing_webroot_fails_and_creates_nothing() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("missing");
    let out = dcv()
        .args(["file", "--write"])
        .arg(&missing)
        .arg(fixture("ec384.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists());
}

/// `dcv file --json --write ROOT rsa2048_multi.pem [extra...]`, killed after
/// ten seconds so a write that blocks fails the test instead of hanging it.
fn write_into(root: &Path, extra: &[&str]) -> std::process::Output {
    dcv()
        .args(["file", "--json", "--write"])
        .arg(root)
        .arg(fixture("rsa2048_multi.pem"))
        .args(extra)
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn write_refuses_a_fifo_at_the_target_without_blocking() {
    let want = recorded("rsa2048_multi.pem");
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join(".well-known/pki-validation");
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join(format!("{}.txt", want.md5));
    let c_target = std::ffi::CString::new(target.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_target.as_ptr(), 0o644) }, 0);

    for extra in [&[][..], &["--force"][..]] {
        let out = write_into(root.path(), extra);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.contains("FIFO") && err.contains(&want.md5) && err.lines().count() == 1,
            "{extra:?}: {err}"
        );
        // Under --json the error is also the one document on stdout.
        assert_eq!(json(&out)["error"]["kind"], "write");
        let meta = std::fs::symlink_metadata(&target).unwrap();
        assert!(meta.file_type().is_fifo(), "the FIFO is left alone");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left behind"
        );
    }
}

#[test]
fn concurrent_writes_with_different_tokens_have_exactly_one_winner() {
    // The race is between processes, so one round can get lucky: several
    // rounds make a check-then-rename writer fail this test reliably.
    for _ in 0..8 {
        fifty_concurrent_writes_have_exactly_one_winner();
    }
}

fn fifty_concurrent_writes_have_exactly_one_winner() {
    let want = recorded("rsa2048_multi.pem");
    let root = tempfile::tempdir().unwrap();
    let n = 50;
    let start = std::sync::Barrier::new(n);
    let outs: Vec<(String, std::process::Output)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (start, root) = (&start, root.path());
                s.spawn(move || {
                    let token = format!("tok{i}");
                    start.wait();
                    let out = write_into(root, &["--token", &token]);
                    (token, out)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut winners = Vec::new();
    for (token, out) in &outs {
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            assert_eq!(json(out)["written"]["action"], "created", "{token}");
            winners.push(token.clone());
        } else {
            assert_eq!(out.status.code(), Some(2), "{token}: {err}");
            assert!(
                err.contains("exists with different content; --force replaces it"),
                "{token}: {err}"
            );
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer creates: {winners:?}");
    let dir = root.path().join(".well-known/pki-validation");
    assert_eq!(
        std::fs::read(dir.join(format!("{}.txt", want.md5))).unwrap(),
        format!("{}\nsectigo.com\n{}", want.sha256, winners[0]).as_bytes()
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left behind"
    );
}

#[test]
fn write_refuses_a_symlinked_well_known_or_pki_validation() {
    let want = recorded("rsa2048_multi.pem");
    for link in [".well-known", ".well-known/pki-validation"] {
        let root = tempfile::tempdir().unwrap();
        let webroot = root.path().join("site");
        let elsewhere = root.path().join("elsewhere");
        std::fs::create_dir_all(webroot.join(".well-known")).unwrap();
        std::fs::create_dir(&elsewhere).unwrap();
        if link == ".well-known" {
            std::fs::remove_dir(webroot.join(".well-known")).unwrap();
        }
        let link_path = webroot.join(link);
        std::os::unix::fs::symlink(&elsewhere, &link_path).unwrap();

        let out = write_into(&webroot, &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{link}: {err}");
        assert!(
            err.contains(&format!(
                "{} is a symbolic link to {}",
                link_path.display(),
                elsewhere.display()
            )) && err.lines().count() == 1,
            "{link}: {err}"
        );
        assert_eq!(
            std::fs::read_dir(&elsewhere).unwrap().count(),
            0,
            "{link}: nothing is written through the link"
        );
        let out = write_into(&webroot, &["--force"]);
        assert_eq!(out.status.code(), Some(2), "{link} with --force");
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    }

    // The web root itself may be a link: that is the user's choice.
    let root = tempfile::tempdir().unwrap();
    let real = root.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let webroot = root.path().join("site");
    std::os::unix::fs::symlink(&real, &webroot).unwrap();
    let out = write_into(&webroot, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        real.join(format!(".well-known/pki-validation/{}.txt", want.md5))
            .is_file()
    );
}

/// Runs `dcv ARGS` under `umask 077`.
fn dcv_with_umask_077(args: &[&std::ffi::OsStr]) -> std::process::Output {
    dcv_under_sh()
        .arg("-c")
        .arg(r#"umask 077; exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_dcv"))
        .args(args)
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap()
}

fn dcv_under_sh() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new("sh");
    cmd.env_remove("DCV_TOKEN")
        .env("NO_COLOR", "1")
        .env("DCV_LAB", "1");
    cmd
}

#[test]
fn write_under_umask_077_creates_0755_directories_and_a_0644_file_and_says_so() {
    let want = recorded("rsa2048_multi.pem");
    let root = tempfile::tempdir().unwrap();
    let well_known = root.path().join(".well-known");
    let pki = well_known.join("pki-validation");
    let target = pki.join(format!("{}.txt", want.md5));
    let csr = fixture("rsa2048_multi.pem");

    let out = dcv_with_umask_077(&[
        "file".as_ref(),
        "--json".as_ref(),
        "--write".as_ref(),
        root.path().as_os_str(),
        csr.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&well_known), 0o755);
    assert_eq!(mode(&pki), 0o755);
    assert_eq!(mode(&target), 0o644);
    let doc = json(&out);
    assert_eq!(doc["written"]["action"], "created");
    assert_eq!(
        doc["written"]["created_dirs"],
        serde_json::json!([well_known.to_str().unwrap(), pki.to_str().unwrap()])
    );

    // Nothing created the second time: an empty list.
    let out = dcv_with_umask_077(&[
        "file".as_ref(),
        "--json".as_ref(),
        "--write".as_ref(),
        root.path().as_os_str(),
        csr.as_os_str(),
    ]);
    assert_eq!(json(&out)["written"]["created_dirs"], serde_json::json!([]));

    // A directory that already existed keeps its mode; the human report names
    // only the directory dcv created.
    let root = tempfile::tempdir().unwrap();
    let well_known = root.path().join(".well-known");
    let pki = well_known.join("pki-validation");
    std::fs::create_dir(&well_known).unwrap();
    std::fs::set_permissions(&well_known, std::fs::Permissions::from_mode(0o711)).unwrap();
    let out = dcv_with_umask_077(&[
        "file".as_ref(),
        "--write".as_ref(),
        root.path().as_os_str(),
        csr.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        mode(&well_known),
        0o711,
        "an existing directory keeps its mode"
    );
    assert_eq!(mode(&pki), 0o755);
    assert_eq!(mode(&pki.join(format!("{}.txt", want.md5))), 0o644);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!("Created directory {} (0755)", pki.display())),
        "{text}"
    );
    assert!(
        !text.contains(&format!("Created directory {} ", well_known.display())),
        "{text}"
    );
}

#[test]
fn force_requires_write() {
    let out = dcv()
        .args(["file", "--force"])
        .arg(fixture("ec384.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cname_at_base_and_fqdn_for_each_profile() {
    let want = recorded("rsa2048_multi.pem");
    let (a, b) = want.sha256.split_at(32);
    for (profile, tag) in PROFILES {
        let out = dcv()
            .args(["cname", "--json", "--ca", profile])
            .arg(fixture("rsa2048_multi.pem"))
            .output()
            .unwrap();
        let doc = json(&out);
        let records = doc["records"].as_array().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0]["name"], format!("_{}.example.com.", want.md5));
        assert_eq!(records[0]["type"], "CNAME");
        assert_eq!(records[0]["target"], format!("{a}.{b}.{tag}."));
        assert_eq!(
            records[0]["covers"],
            serde_json::json!(["www.example.com", "example.com", "shop.example.com"])
        );
        assert_eq!(records[1]["name"], format!("_{}.example.co.uk.", want.md5));
    }
    let out = dcv()
        .args(["cname", "--json", "--at", "fqdn", "--token", "T0k"])
        .arg(fixture("rsa2048_multi.pem"))
        .output()
        .unwrap();
    let doc = json(&out);
    let names = pluck(&doc["records"], "name");
    assert_eq!(
        names,
        [
            format!("_{}.www.example.com.", want.md5),
            format!("_{}.example.com.", want.md5),
            format!("_{}.shop.example.com.", want.md5),
            format!("_{}.api.example.co.uk.", want.md5),
        ]
    );
    assert_eq!(
        doc["records"][0]["target"],
        format!("{a}.{b}.T0k.sectigo.com.")
    );
}

#[test]
fn cname_zone_format_is_a_zone_file_line() {
    let want = recorded("ec256_wildcard.pem");
    let (a, b) = want.sha256.split_at(32);
    let out = dcv()
        .args(["cname", "--format", "zone"])
        .arg(fixture("ec256_wildcard.pem"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let records: Vec<&str> = text.lines().filter(|l| !l.starts_with(';')).collect();
    assert_eq!(
        records,
        [format!(
            "_{}.example.com.\t300\tIN\tCNAME\t{a}.{b}.sectigo.com.",
            want.md5
        )]
    );
}

#[test]
fn emails_list_every_adn_with_the_sunset_note() {
    let out = dcv()
        .args(["emails", "--json", "a.b.example.co.uk", "Bücher.de"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc = json(&out);
    let adns = pluck(&doc["emails"], "adn");
    assert_eq!(
        adns,
        [
            "a.b.example.co.uk",
            "b.example.co.uk",
            "example.co.uk",
            "xn--bcher-kva.de"
        ]
    );
    assert_eq!(
        doc["emails"][2]["addresses"],
        serde_json::json!([
            "admin@example.co.uk",
            "administrator@example.co.uk",
            "hostmaster@example.co.uk",
            "postmaster@example.co.uk",
            "webmaster@example.co.uk"
        ])
    );
    assert!(doc["note"].as_str().unwrap().contains("2028-03-15"));

    let out = dcv()
        .args(["emails"])
        .arg("--csr")
        .arg(fixture("ec256_wildcard.pem"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("admin@example.com") && text.contains("2026-03-15"),
        "{text}"
    );

    let out = dcv().args(["emails", "co.uk"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a public suffix is an invalid name"
    );
}

#[test]
fn token_is_20_alphanumerics_and_fresh_each_time() {
    let one = dcv().arg("token").output().unwrap();
    let two = dcv().args(["token", "--json"]).output().unwrap();
    let one = String::from_utf8(one.stdout).unwrap().trim().to_owned();
    let two = json(&two)["token"].as_str().unwrap().to_owned();
    for t in [&one, &two] {
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()), "{t}");
    }
    assert_ne!(one, two);
}

#[test]
fn help_shows_examples_and_exit_codes() {
    for cmd in ["hash", "token", "file", "cname", "emails"] {
        let out = dcv().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("dcv "),
            "{cmd} --help shows an example:\n{text}"
        );
    }
    let out = dcv().arg("--help").output().unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("Exit codes")
    );
}
