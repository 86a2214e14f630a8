//! Safe reloads against a real server: a new extract is swapped in whole
//! on `POST /api/v1/reload`; a failed load, or one killed with SIGKILL in
//! the middle of writing the database, leaves the previous data served and
//! the database readable; readers during a reload see old or new.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::{BIN, Server, TempDir, famgraph, famgraph_ok, synth};

#[test]
fn reloads_swap_whole_loads_and_survive_a_killed_one() {
    let dir = TempDir::new("reload");
    let small = TempDir::new("reload-small");
    let large = TempDir::new("reload-large");
    let huge = TempDir::new("reload-huge");
    let (a, _) = synth(&small, 200, 1, 0);
    let (b, _) = synth(&large, 400, 2, 0);
    let (c, _) = synth(&huge, 20_000, 3, 0);
    let db = dir.join("famgraph.duckdb");
    let db_arg = db.to_str().unwrap().to_owned();
    famgraph_ok(&["load", a.to_str().unwrap(), "--db", &db_arg]);

    let tokens = dir.join("tokens");
    let token = |name: &str, role: &str| crate::util::token(&tokens, name, role);
    let (admin, coordinator) = (token("ada", "admin"), token("carol", "coordinator"));
    // The reader below asks as fast as it can: no request limit.
    let no_limit = ["--requests-per-minute", "0"];
    let server =
        Arc::new(Server::start(&[&["--db", &db_arg, "--tokens", tokens.to_str().unwrap()][..], &no_limit].concat()));
    let total = |server: &Server| {
        let (status, body) = server.get("/api/v1/families?limit=1", Some(&coordinator));
        assert_eq!(status, 200, "{body}");
        body["total"].as_u64().unwrap()
    };
    let total_a = total(&server);

    // Readers keep asking while the database is replaced and reloaded.
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let (server, stop, seen, coordinator) = (server.clone(), stop.clone(), seen.clone(), coordinator.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let (status, body) = server.get("/api/v1/families?limit=1", Some(&coordinator));
                seen.lock().unwrap().push((status, body["total"].as_u64()));
            }
        })
    };
    // Aggregates are kept per load: asked before and after, they follow it.
    let families_with_needs = |server: &Server| {
        let (status, body) = server.get("/api/v1/evidence", Some(&coordinator));
        assert_eq!(status, 200, "{body}");
        body["families_with_needs"].clone()
    };
    let needs_a = families_with_needs(&server);
    famgraph_ok(&["load", b.to_str().unwrap(), "--db", &db_arg]);
    assert_eq!(total(&server), total_a, "nothing changes until a reload");
    assert_eq!(families_with_needs(&server), needs_a);
    let (status, body) = server.request("POST", "/api/v1/reload", Some(&admin));
    assert_eq!(status, 200, "{body}");
    let total_b = total(&server);
    assert_ne!(total_a, total_b);
    assert_ne!(families_with_needs(&server), needs_a, "the evidence of the new load");
    assert_eq!(body["records"].as_u64(), Some(count_records(&b)));
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen.len() > 5, "the reader ran: {}", seen.len());
    for (status, seen_total) in seen.iter() {
        assert_eq!(*status, 200);
        assert!(*seen_total == Some(total_a) || *seen_total == Some(total_b), "a mix: {seen_total:?}");
    }

    // Only admins reload.
    let (status, _) = server.request("POST", "/api/v1/reload", Some(&coordinator));
    assert_eq!(status, 403);

    // A load killed while it writes the new database: the old file stays
    // whole, the server keeps serving it, and a reload reads it again.
    let mut child = Command::new(BIN).args(["load", c.to_str().unwrap(), "--db", &db_arg]).spawn().unwrap();
    let partial = dir.join("famgraph.duckdb.loading");
    let started = Instant::now();
    while !partial.exists() {
        assert!(started.elapsed() < Duration::from_secs(120), "the load never started writing");
        assert!(child.try_wait().unwrap().is_none(), "the load finished before it could be killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(total(&server), total_b);
    let (status, body) = server.request("POST", "/api/v1/reload", Some(&admin));
    assert_eq!(status, 200, "{body}");
    assert_eq!(total(&server), total_b, "the killed load changed nothing");
    let shortlist = famgraph_ok(&["shortlist", "--db", &db_arg, "--limit", "1"]);
    assert!(!shortlist.is_empty());

    // A load that fails on bad input leaves it all as it was too.
    let broken = dir.join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    for file in ["agencies.csv", "services.csv", "relationships.csv", "involvements.csv"] {
        std::fs::copy(a.join(file), broken.join(file)).unwrap();
    }
    let out = famgraph(&["load", broken.to_str().unwrap(), "--db", &db_arg]);
    assert_eq!(out.status.code(), Some(2), "no people file");
    let (status, _) = server.request("POST", "/api/v1/reload", Some(&admin));
    assert_eq!(status, 200);
    assert_eq!(total(&server), total_b);

    // A database that cannot be read fails the reload, not the server.
    std::fs::write(&db, b"not a database").unwrap();
    let (status, body) = server.request("POST", "/api/v1/reload", Some(&admin));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "reload_failed");
    assert_eq!(total(&server), total_b);
}

fn count_records(bundle: &std::path::Path) -> u64 {
    let text = std::fs::read_to_string(bundle.join("people.csv")).unwrap();
    text.lines().count() as u64 - 1
}

/// A SIGHUP that arrives while a reload is running (the database may have
/// been replaced since that reload read it) reloads again once it is done,
/// rather than being dropped.
#[cfg(unix)]
#[test]
fn a_sighup_during_a_reload_reloads_again_after_it() {
    let dir = TempDir::new("reload-hangup");
    let big = TempDir::new("reload-hangup-big");
    let (bundle, _) = synth(&big, 20_000, 3, 0);
    let db = dir.join("famgraph.duckdb");
    let db_arg = db.to_str().unwrap().to_owned();
    famgraph_ok(&["load", bundle.to_str().unwrap(), "--db", &db_arg]);
    let tokens = dir.join("tokens");
    let admin = crate::util::token(&tokens, "ada", "admin");
    let server = Arc::new(Server::start(&["--db", &db_arg, "--tokens", tokens.to_str().unwrap()]));
    let posted = {
        let (server, admin) = (server.clone(), admin.clone());
        std::thread::spawn(move || server.request("POST", "/api/v1/reload", Some(&admin)).0)
    };
    // The reload links 20,000 families again: seconds, not milliseconds.
    std::thread::sleep(Duration::from_millis(300));
    let hangup = Command::new("kill").args(["-HUP", &server.pid().to_string()]).status().unwrap();
    assert!(hangup.success());
    assert_eq!(posted.join().unwrap(), 200);
    let started = Instant::now();
    while !server.log().iter().any(|l| l.contains("reloaded on SIGHUP")) {
        assert!(started.elapsed() < Duration::from_secs(120), "no reload after the SIGHUP: {:?}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!server.log().iter().any(|l| l.contains("already running")), "{:?}", server.log());
}
