//! examples/ci-precheck.sh run as CI would run it, against loopback DNS and
//! web servers: the publish hook writes the file with `dcv file --write`
//! into the web root the test server serves, and `check --wait` sees it.

use std::path::Path;
use std::process::Command;

use crate::support::dns_server::{DnsServer, Zone};
use crate::support::http_server::{Reply, Request, TestServer};
use crate::support::{fixture, recorded};

const CSR: &str = "cn_only.pem";

/// A web server that serves whatever is under `root` right now.
fn serve_dir(root: &Path) -> TestServer {
    let root = root.to_owned();
    TestServer::http("127.0.0.1", move |r: &Request| {
        let rel = r.path.trim_start_matches('/');
        if rel.contains("..") {
            return Reply::status(400);
        }
        match std::fs::read(root.join(rel)) {
            Ok(body) => Reply::ok(body),
            Err(_) => Reply::status(404),
        }
    })
}

fn precheck(
    hook: Option<&str>,
    wait: &str,
    web: &TestServer,
    dns: &DnsServer,
    dir: &Path,
) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci-precheck.sh");
    let mut cmd = Command::new("sh");
    cmd.arg(script)
        .arg(fixture(CSR))
        .current_dir(dir)
        .env("DCV", assert_cmd::cargo::cargo_bin("dcv"))
        .env("DCV_LAB", "1")
        .env("NO_COLOR", "1")
        .env_remove("DCV_TOKEN")
        .env("WEBROOT", dir.join("www"))
        .env("DCV_WAIT", wait)
        .env("DCV_METHOD", "http")
        .env(
            "DCV_CHECK_ARGS",
            format!(
                "--recursive --timeout 2 --resolver {} --resolve *:{port}:127.0.0.1 --http-port {port}",
                dns.addr,
                port = web.port()
            ),
        );
    match hook {
        Some(h) => cmd.env("DCV_PUBLISH_HOOK", h),
        None => cmd.env_remove("DCV_PUBLISH_HOOK"),
    };
    cmd.output().unwrap()
}

#[test]
fn the_ci_precheck_script_gates_on_the_published_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("www")).unwrap();
    let dns = DnsServer::start(vec![Zone::new("example.com")]);
    let web = serve_dir(&dir.path().join("www"));

    // Nothing published: the check gives up and the script exits 1.
    let out = precheck(None, "1s", &web, &dns, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("dcv: round 1: 1 not ready: cnonly.example.com ("),
        "{stderr}"
    );
    assert!(stderr.contains("not ready"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("dcv-out/check.json")).unwrap())
            .unwrap();
    assert_eq!(report["gave_up"], true);

    // The hook publishes the file: the script exits 0 and says so.
    let out = precheck(
        Some(r#""$DCV" file "$DCV_CSR" --write "$WEBROOT""#),
        "30s",
        &web,
        &dns,
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ready: every name is validatable"),
        "{stdout}"
    );
    let md5 = recorded(CSR).md5;
    let written = dir
        .path()
        .join(format!("www/.well-known/pki-validation/{md5}.txt"));
    assert!(written.is_file());
    let zone = std::fs::read_to_string(dir.path().join("dcv-out/cname.zone")).unwrap();
    assert!(zone.contains(&format!("_{md5}.example.com.")), "{zone}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("dcv-out/check.json")).unwrap())
            .unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["rounds"], 1);
    // The evidence bundle is kept beside the report, for the artifact.
    let summary = std::fs::read_to_string(dir.path().join("dcv-out/evidence/summary.txt")).unwrap();
    assert!(summary.contains("[ca-tbr-18]: pass"), "{summary}");

    // A failing publish hook is the script's own exit 4, not bad usage.
    let out = precheck(Some("exit 7"), "1s", &web, &dns, dir.path());
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the publish hook failed"));

    // An unreadable CSR: exit 2 from the first step.
    let out = Command::new("sh")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci-precheck.sh"))
        .arg("/nonexistent.csr")
        .current_dir(dir.path())
        .env("DCV", assert_cmd::cargo::cargo_bin("dcv"))
        .env("DCV_LAB", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
