//! Load test of the HTTP API with a real client: `famgraph serve` on a
//! generated bundle, on loopback, and concurrent keep-alive clients
//! (ureq, one thread each) hitting each endpoint for a fixed time.
//! Prints requests per second and latency percentiles per endpoint.
//!
//! `cargo bench --bench http_load` (defaults: 5,000 families, 8 clients,
//! 5 s per endpoint); `cargo bench --bench http_load -- 600 16 10` for
//! 600 families, 16 clients, 10 s; add `tls` to serve HTTPS (with the test
//! certificate in `tests/tls/`) and load it the same way.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_famgraph");

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_ok(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().expect("famgraph runs");
    assert!(out.status.success(), "famgraph {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("famgraph prints UTF-8")
}

/// The test certificate and key, and the CA that issued them.
fn test_tls(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls").join(name)
}

/// A keep-alive client; over HTTPS it trusts the test CA only.
fn agent(tls: bool) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder().http_status_as_error(false);
    if tls {
        let pem = std::fs::read(test_tls("test-only-ca-a.pem")).expect("the test CA is in the checkout");
        let root = ureq::tls::Certificate::from_pem(&pem).expect("the test CA is PEM").to_owned();
        let roots = ureq::tls::RootCerts::Specific(Arc::new(vec![root]));
        config = config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
    }
    config.build().into()
}

fn start(db: &Path, tokens: &Path, audit: &Path, tls: bool) -> Server {
    let mut command = Command::new(BIN);
    if tls {
        command.arg("serve").arg("--tls-cert").arg(test_tls("test-only-a.pem"));
        command.arg("--tls-key").arg(test_tls("test-only-a.key"));
    } else {
        command.arg("serve");
    }
    let mut child = command
        .args(["--addr", "127.0.0.1:0", "--db"])
        .arg(db)
        .arg("--tokens")
        .arg(tokens)
        .arg("--audit")
        .arg(audit)
        // A load test is one token asking as fast as it can: no limit.
        .args(["--requests-per-minute", "0"])
        .env("FAMGRAPH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("famgraph serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    let mut base = None;
    for line in lines.by_ref() {
        let line = line.expect("stderr is text");
        if let Some((scheme, rest)) = line.strip_prefix("famgraph: serving ").and_then(|l| l.split_once("://")) {
            base = Some(format!("{scheme}://{}", rest.split('/').next().unwrap_or_default()));
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Server { child, base: base.expect("the server said where it listens") }
}

/// One endpoint under load: every client cycles through `paths`.
struct Scenario {
    name: &'static str,
    token: String,
    paths: Vec<String>,
}

struct Result {
    requests: usize,
    errors: usize,
    seconds: f64,
    latencies_ms: Vec<f64>,
}

fn load(base: &str, scenario: &Scenario, clients: usize, duration: Duration, tls: bool) -> Result {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let (stop, base, token, paths) =
                (stop.clone(), base.to_owned(), scenario.token.clone(), scenario.paths.clone());
            std::thread::spawn(move || {
                let agent = agent(tls);
                let (mut latencies, mut errors) = (Vec::new(), 0);
                let mut i = c;
                while !stop.load(Ordering::Relaxed) {
                    let url = format!("{base}{}", paths[i % paths.len()]);
                    i += clients;
                    let t = Instant::now();
                    let ok = agent
                        .get(&url)
                        .header("Authorization", &format!("Bearer {token}"))
                        .call()
                        .ok()
                        .and_then(|mut r| {
                            let status = r.status().as_u16();
                            r.body_mut().read_to_vec().ok().map(|_| status == 200)
                        })
                        .unwrap_or(false);
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                    errors += usize::from(!ok);
                }
                (latencies, errors)
            })
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    let mut result = Result { requests: 0, errors: 0, seconds: 0.0, latencies_ms: Vec::new() };
    for handle in handles {
        let (latencies, errors) = handle.join().expect("client threads do not panic");
        result.requests += latencies.len();
        result.errors += errors;
        result.latencies_ms.extend(latencies);
    }
    result.seconds = started.elapsed().as_secs_f64();
    result.latencies_ms.sort_by(f64::total_cmp);
    result
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    // `cargo bench` passes `--bench`; numbers are ours.
    let numbers: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let families = numbers.first().copied().unwrap_or(5_000);
    let clients = numbers.get(1).copied().unwrap_or(8);
    let seconds = numbers.get(2).copied().unwrap_or(5);
    let tls = std::env::args().any(|a| a == "tls");

    let dir: PathBuf = std::env::temp_dir().join(format!("famgraph-http-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir is writable");
    let (bundle, truth, db, tokens) =
        (dir.join("bundle"), dir.join("truth"), dir.join("load.duckdb"), dir.join("tokens.toml"));
    let path = |p: &Path| p.to_str().expect("temp paths are UTF-8").to_owned();
    run_ok(&[
        "synth",
        "--families",
        &families.to_string(),
        "--seed",
        "7",
        "--out",
        &path(&bundle),
        "--truth",
        &path(&truth),
    ]);
    run_ok(&["load", &path(&bundle), "--db", &path(&db)]);
    let token = |role: &str| {
        run_ok(&["token", "add", "--name", role, "--role", role, "--tokens", &path(&tokens)]).trim().to_owned()
    };
    let (coordinator, partnership, bid_writer) = (token("coordinator"), token("partnership"), token("bid_writer"));
    let server = start(&db, &tokens, &dir.join("audit.jsonl"), tls);

    let shortlist: serde_json::Value = serde_json::from_str(&{
        agent(tls)
            .get(format!("{}/api/v1/families?limit=200", server.base))
            .header("Authorization", &format!("Bearer {coordinator}"))
            .call()
            .expect("the shortlist answers")
            .body_mut()
            .read_to_string()
            .expect("the shortlist is text")
    })
    .expect("the shortlist is JSON");
    let family_paths: Vec<String> = shortlist["families"]
        .as_array()
        .expect("families is a list")
        .iter()
        .map(|f| format!("/api/v1/families/{}", f["family_id"].as_str().unwrap_or_default()))
        .collect();

    let scenarios = [
        Scenario { name: "GET /healthz", token: String::new(), paths: vec!["/healthz".into()] },
        Scenario {
            name: "GET /api/v1/families?limit=50 (coordinator)",
            token: coordinator.clone(),
            paths: vec!["/api/v1/families?limit=50".into()],
        },
        Scenario {
            name: "GET /api/v1/families?need=crime&limit=50",
            token: coordinator.clone(),
            paths: vec!["/api/v1/families?need=crime&limit=50".into()],
        },
        Scenario { name: "GET /api/v1/families/{id} (200 families)", token: coordinator, paths: family_paths },
        Scenario {
            name: "GET /api/v1/overlaps (partnership)",
            token: partnership,
            paths: vec!["/api/v1/overlaps".into()],
        },
        Scenario {
            name: "GET /api/v1/evidence (bid writer)",
            token: bid_writer,
            paths: vec!["/api/v1/evidence".into()],
        },
    ];
    println!(
        "famgraph serve on {families} families (loopback, {}), {clients} keep-alive clients, {seconds} s per endpoint, on {} cores",
        if tls { "HTTPS" } else { "HTTP" },
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );
    println!("| endpoint | requests/s | p50 ms | p99 ms | max ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    for scenario in &scenarios {
        let r = load(&server.base, scenario, clients, Duration::from_secs(seconds as u64), tls);
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            scenario.name,
            r.requests as f64 / r.seconds,
            percentile(&r.latencies_ms, 0.5),
            percentile(&r.latencies_ms, 0.99),
            r.latencies_ms.last().copied().unwrap_or(0.0),
            r.errors
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
