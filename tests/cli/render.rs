//! `file`, `cname`, `emails`, `token`: artifacts rendered exactly for each CA
//! profile, with and without a token, and `--write` semantics.

use std::os::unix::fs::PermissionsExt;

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
