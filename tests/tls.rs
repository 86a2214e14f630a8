//! HTTPS: `serve --tls-cert --tls-key` serves the API over TLS with the
//! partnership's certificate, reads a renewed certificate on SIGHUP
//! without dropping the service, keeps the old one when the renewal does
//! not read, and refuses to start on a key that is not the certificate's.
//! The certificates in `tests/tls/` are test-only, from two test CAs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::{Server, TempDir, client, famgraph, synth};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls").join(name)
}

/// Whether a fresh client trusting only `ca` can read `/healthz` at `base`.
fn trusted_by(base: &str, ca: &str) -> bool {
    client(Some(&fixture(ca))).get(format!("{base}/healthz")).call().is_ok_and(|r| r.status() == 200)
}

fn hang_up(server: &Server) {
    let status = Command::new("kill").args(["-HUP", &server.pid().to_string()]).status().unwrap();
    assert!(status.success());
}

/// Waits until `check` holds; the deadline only stops a broken build
/// hanging, it measures nothing.
fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !check() {
        assert!(Instant::now() < deadline, "{what} did not happen");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn serves_https_and_reads_a_renewed_certificate_on_hangup() {
    let dir = TempDir::new("tls");
    let (bundle, _) = synth(&dir, 30, 11, 0);
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    std::fs::copy(fixture("test-only-a.pem"), &cert).unwrap();
    std::fs::copy(fixture("test-only-a.key"), &key).unwrap();
    let server = Server::start_trusting(
        &["--data", bundle.to_str().unwrap(), "--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()],
        Some(&fixture("test-only-ca-a.pem")),
    );
    assert!(server.base.starts_with("https://127.0.0.1:"), "{}", server.base);

    // The API and the pages over HTTPS, with the token, roles and headers
    // as over HTTP, and the browser told to keep to HTTPS.
    let families = server.get_ok("/api/v1/families?limit=5");
    assert_eq!(families["families"].as_array().unwrap().len(), 5);
    assert_eq!(server.get("/api/v1/families", None).0, 401);
    let headers = server.headers("/", None);
    assert_eq!(headers["strict-transport-security"], "max-age=31536000");
    assert_eq!(headers["cache-control"], "no-store");
    // Plain HTTP on the HTTPS port gets nothing, and a client that does not
    // trust the certificate's CA does not connect.
    let plain = server.base.replacen("https://", "http://", 1);
    assert!(client(None).get(format!("{plain}/healthz")).call().is_err());
    assert!(!trusted_by(&server.base, "test-only-ca-b.pem"));
    // Those failed handshakes are the clients' problem, not errors of the
    // service: anyone reaching the port could fill the error log.
    std::thread::sleep(Duration::from_millis(200));
    let errors: Vec<String> = server.log().into_iter().filter(|l| l.contains("ERROR")).collect();
    assert!(errors.is_empty(), "{errors:?}");

    // A renewed certificate (from another CA here, to tell them apart) is
    // served after SIGHUP, the service never down.
    std::fs::copy(fixture("test-only-b.pem"), &cert).unwrap();
    std::fs::copy(fixture("test-only-b.key"), &key).unwrap();
    hang_up(&server);
    eventually("serving the renewed certificate", || trusted_by(&server.base, "test-only-ca-b.pem"));
    assert!(!trusted_by(&server.base, "test-only-ca-a.pem"));

    // A renewal that does not read (a half-copied file) keeps the one served.
    std::fs::write(&cert, "-----BEGIN CERTIFICATE-----\nnot base64\n").unwrap();
    hang_up(&server);
    std::thread::sleep(Duration::from_millis(500));
    assert!(trusted_by(&server.base, "test-only-ca-b.pem"));
}

#[test]
fn serve_refuses_a_certificate_it_cannot_use() {
    let dir = TempDir::new("tls-bad");
    let (cert_a, key_b) = (fixture("test-only-a.pem"), fixture("test-only-b.key"));
    // A key that is not the certificate's: refused before any data is read,
    // naming both files and nothing of the key.
    let out = famgraph(&["serve", "--tls-cert", cert_a.to_str().unwrap(), "--tls-key", key_b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not serve the certificate"), "{stderr}");
    assert!(stderr.contains("test-only-b.key") && stderr.contains("test-only-a.pem"), "{stderr}");
    let key = std::fs::read_to_string(&key_b).unwrap();
    let secret = key.lines().nth(1).unwrap();
    assert!(!stderr.contains(secret), "the key leaked into the error");

    // A certificate file with no certificate in it, and a missing key.
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let out = famgraph(&["serve", "--tls-cert", empty.to_str().unwrap(), "--tls-key", key_b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no certificate"));
    let missing = dir.join("missing.key");
    let out = famgraph(&["serve", "--tls-cert", cert_a.to_str().unwrap(), "--tls-key", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read the private key") && stderr.contains("missing.key"), "{stderr}");

    // A key still encrypted with its passphrase, and the two files the
    // other way round: each says so.
    let encrypted = dir.join("encrypted.key");
    std::fs::write(
        &encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhr\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    let out = famgraph(&["serve", "--tls-cert", cert_a.to_str().unwrap(), "--tls-key", encrypted.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("this one is encrypted"), "{out:?}");
    let key_a = fixture("test-only-a.key");
    let out = famgraph(&["serve", "--tls-cert", key_a.to_str().unwrap(), "--tls-key", cert_a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no certificate"), "{out:?}");
    let out = famgraph(&["serve", "--tls-cert", cert_a.to_str().unwrap(), "--tls-key", cert_a.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("the other way round"), "{out:?}");

    // One without the other is a usage error.
    let out = famgraph(&["serve", "--tls-cert", cert_a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-key"));
}
