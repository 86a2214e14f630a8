//! Running the binary, making bundles and starting servers for tests.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_famgraph");

pub fn sample_bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/bundle")
}

/// The sample's family ids, highest ranked first, as any load of it names
/// them (an id is named by its family's records, not by row order), read
/// without a server so that no audit trail records the asking.
pub fn sample_families() -> Vec<String> {
    static IDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let bundle = sample_bundle();
        let out = famgraph_ok(&["shortlist", "--data", bundle.to_str().unwrap(), "--format", "json", "--limit", "5"]);
        let list: serde_json::Value = serde_json::from_str(&out).unwrap();
        list["families"].as_array().unwrap().iter().map(|f| f["family_id"].as_str().unwrap().to_owned()).collect()
    })
    .clone()
}

pub fn sample_truth() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/truth")
}

/// A fresh, empty folder for one test, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("famgraph-test-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn famgraph(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// Runs famgraph and insists on success, returning stdout.
pub fn famgraph_ok(args: &[&str]) -> String {
    let out = famgraph(args);
    assert!(
        out.status.success(),
        "famgraph {args:?} failed with {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Adds a token for `name` with `role` to the tokens file and returns it.
pub fn token(tokens: &Path, name: &str, role: &str) -> String {
    famgraph_ok(&["token", "add", "--name", name, "--role", role, "--tokens", tokens.to_str().unwrap()])
        .trim()
        .to_owned()
}

/// Generates a bundle with the project's own generator; returns (bundle, truth).
pub fn synth(dir: &TempDir, families: usize, seed: u64, bad_rows: usize) -> (PathBuf, PathBuf) {
    let (bundle, truth) = (dir.join("bundle"), dir.join("truth"));
    generate(&bundle, &truth, families, seed, &["--bad-rows", &bad_rows.to_string()]);
    (bundle, truth)
}

/// Generates a later extract and the same agencies' extract from `months`
/// before it; returns (later, its truth, earlier).
pub fn synth_with_earlier(dir: &TempDir, families: usize, seed: u64, months: u32) -> (PathBuf, PathBuf, PathBuf) {
    let (later, truth, earlier) = (dir.join("later"), dir.join("later.truth"), dir.join("earlier"));
    generate(
        &later,
        &truth,
        families,
        seed,
        &["--earlier", earlier.to_str().unwrap(), "--earlier-months", &months.to_string()],
    );
    (later, truth, earlier)
}

/// `famgraph synth` of `families` with `seed` into `out` and `truth`, and `more` arguments.
fn generate(out: &Path, truth: &Path, families: usize, seed: u64, more: &[&str]) {
    let (families, seed) = (families.to_string(), seed.to_string());
    let args = [
        "synth",
        "--families",
        &families,
        "--seed",
        &seed,
        "--out",
        out.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
    ];
    famgraph_ok(&[&args[..], more].concat());
}

/// Reads a CSV file written by famgraph or its generator into header-keyed rows.
pub fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let mut stmt = conn.prepare("SELECT * FROM read_csv(?, header = true, all_varchar = true)").unwrap();
    let mut rows = stmt.query([path.to_str().unwrap()]).unwrap();
    let mut out = Vec::new();
    let mut names: Option<Vec<String>> = None;
    while let Some(row) = rows.next().unwrap() {
        let stmt_ref = row.as_ref();
        let names = names.get_or_insert_with(|| stmt_ref.column_names());
        out.push(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), row.get::<_, Option<String>>(i).unwrap().unwrap_or_default()))
                .collect(),
        );
    }
    out
}

/// `(agency, record_id)` to `person_id`, from famgraph's `people` export or
/// the generator's `records.csv` truth (same columns).
pub fn person_of_record(path: &Path) -> std::collections::HashMap<(String, String), String> {
    read_csv(path)
        .into_iter()
        .map(|r| ((r["agency"].clone(), r["record_id"].clone()), r["person_id"].clone()))
        .collect()
}

/// Exports the linked data of `bundle` as CSV into `dir/export`.
pub fn export(dir: &TempDir, bundle: &Path) -> PathBuf {
    let out = dir.join("export");
    famgraph_ok(&["export", "--data", bundle.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    out
}

/// A `famgraph serve` process on a free loopback port, stopped on drop.
pub struct Server {
    child: Child,
    pub base: String,
    pub token: Option<String>,
    /// The server's own audit trail, in a folder of its own.
    pub audit: PathBuf,
    /// The HTTP client, trusting the test CA when the server speaks HTTPS.
    agent: ureq::Agent,
    /// What the server has written to stderr since it started listening.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _dir: TempDir,
}

impl Server {
    /// Starts `famgraph serve` with `args` and waits until it listens.
    pub fn start(args: &[&str]) -> Server {
        Server::start_trusting(args, None)
    }

    /// Starts a server as [`Server::start`] does; its client trusts only
    /// the CA certificate in `ca` (PEM) for HTTPS.
    pub fn start_trusting(args: &[&str], ca: Option<&Path>) -> Server {
        let dir = TempDir::new("server");
        let audit = dir.join("audit.jsonl");
        // The decisions and corrections of this server alone, unless the
        // test names a state folder.
        let state = dir.join("state");
        let own_state = if args.contains(&"--state") { vec![] } else { vec!["--state".into(), state] };
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .arg("--audit")
            .arg(&audit)
            .args(own_state)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let (mut base, mut token) = (None, None);
        let mut expect_token = false;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if expect_token {
                token = Some(line.trim().to_owned());
                expect_token = false;
            } else if line.contains("one-off coordinator token") {
                expect_token = true;
            } else if let Some((scheme, rest)) =
                line.strip_prefix("famgraph: serving ").and_then(|rest| rest.split_once("://"))
            {
                base = Some(format!("{scheme}://{}", rest.split('/').next().unwrap()));
                break;
            }
        }
        // Keep draining stderr so the server never blocks on a full pipe.
        let log: std::sync::Arc<std::sync::Mutex<Vec<String>>> = std::sync::Arc::default();
        let kept = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        let base = base.unwrap_or_else(|| panic!("server did not start: {:?}", child.try_wait()));
        Server { child, base, token, audit, agent: client(ca), log, _dir: dir }
    }

    /// The lines the server has logged since it started listening.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        self.request("GET", path, token)
    }

    /// The headers of a GET's answer, names in lower case.
    pub fn headers(&self, path: &str, token: Option<&str>) -> std::collections::HashMap<String, String> {
        let mut request = ureq::http::Request::builder().uri(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let response = self.agent.run(request.body(()).unwrap()).unwrap();
        response.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned())).collect()
    }

    /// A GET's status, content type and body as bytes.
    pub fn get_bytes(&self, path: &str, token: Option<&str>) -> (u16, String, Vec<u8>) {
        let mut request = ureq::http::Request::builder().uri(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = self.agent.run(request.body(()).unwrap()).unwrap();
        let status = response.status().as_u16();
        let kind = response.headers().get("content-type").map_or("", |v| v.to_str().unwrap()).to_owned();
        (status, kind, response.body_mut().read_to_vec().unwrap())
    }

    /// A GET with extra request headers: its status, its headers (names
    /// in lower case) and its body as bytes.
    pub fn get_with(
        &self,
        path: &str,
        token: Option<&str>,
        extra: &[(&str, &str)],
    ) -> (u16, std::collections::HashMap<String, String>, Vec<u8>) {
        let mut request = ureq::http::Request::builder().uri(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        let mut response = self.agent.run(request.body(()).unwrap()).unwrap();
        let status = response.status().as_u16();
        let headers =
            response.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned())).collect();
        (status, headers, response.body_mut().read_to_vec().unwrap())
    }

    /// POST with a JSON body.
    pub fn post_json(&self, path: &str, token: Option<&str>, body: &str) -> (u16, serde_json::Value) {
        let mut request = ureq::http::Request::builder()
            .method("POST")
            .uri(format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = self.agent.run(request.body(body.to_owned()).unwrap()).unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// Any method, no body.
    pub fn request(&self, method: &str, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let uri = format!("{}{path}", self.base);
        let mut request = ureq::http::Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = self.agent.run(request.body(()).unwrap()).unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// GET with the server's own one-off coordinator token.
    pub fn get_ok(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get(path, self.token.as_deref());
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }
}

/// An HTTP client that answers every status as a response, trusting only
/// the CA certificate in `ca` (PEM) for HTTPS when one is given. Each
/// request on a connection of its own: a test that makes the server close
/// one (an oversized body, say) must not fail the next request.
pub fn client(ca: Option<&Path>) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder().http_status_as_error(false).max_idle_connections(0);
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).unwrap();
        let root = ureq::tls::Certificate::from_pem(&pem).unwrap().to_owned();
        let roots = ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![root]));
        config = config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
    }
    config.build().into()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bundle written by hand, for tests whose counts must be known: one
/// agency (`local`) with a service per need, and rows added one by one.
pub struct HandBundle {
    needs: Vec<&'static str>,
    people: String,
    relationships: String,
    involvements: String,
}

impl HandBundle {
    pub fn new(needs: &[&'static str]) -> HandBundle {
        HandBundle {
            needs: needs.to_vec(),
            people: "agency,record_id,given_name,family_name,date_of_birth,sex,address,postcode\n".to_owned(),
            relationships: "agency,from_record,kind,to_record\n".to_owned(),
            involvements: "agency,involvement_id,record_id,service,start_date\n".to_owned(),
        }
    }

    /// A person record `R{id}` at `{house} {street}`, with a current,
    /// open-ended involvement for each need.
    pub fn person(&mut self, id: usize, name: (&str, &str), born: &str, address: (usize, &str), needs: &[&str]) {
        use std::fmt::Write as _;
        let (given, family) = name;
        let (house, postcode) = address;
        writeln!(self.people, "local,R{id},{given},{family},{born},U,{house} Test Street,{postcode}").unwrap();
        for need in needs {
            assert!(self.needs.contains(need), "no service for {need}");
            writeln!(self.involvements, "local,I{id}{need},R{id},{need},2024-01-01").unwrap();
        }
    }

    pub fn parent_of(&mut self, parent: usize, child: usize) {
        self.relationship(parent, "parent_of", child);
    }

    /// A relationship of any kind the contract has, between `R{from}` and `R{to}`.
    pub fn relationship(&mut self, from: usize, kind: &str, to: usize) {
        use std::fmt::Write as _;
        writeln!(self.relationships, "local,R{from},{kind},R{to}").unwrap();
    }

    pub fn write(&self, dir: &Path) {
        use std::fmt::Write as _;
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("agencies.csv"), "agency,name,sector,extracted_on\nlocal,Local,police,2024-03-31\n")
            .unwrap();
        let mut services = "agency,service,name,need,offending\n".to_owned();
        for need in &self.needs {
            writeln!(services, "local,{need},{need} support,{need},false").unwrap();
        }
        std::fs::write(dir.join("services.csv"), services).unwrap();
        std::fs::write(dir.join("people.csv"), &self.people).unwrap();
        std::fs::write(dir.join("relationships.csv"), &self.relationships).unwrap();
        std::fs::write(dir.join("involvements.csv"), &self.involvements).unwrap();
    }
}

/// A name made of letters only from a number: names are compared without
/// their digits, so `Test1` and `Test2` would be one name.
pub fn letters(n: usize) -> String {
    format!("{n:04}").bytes().map(|d| char::from(b'a' + d - b'0')).collect()
}

/// Calls `check` on every count in an aggregate document (not the
/// disclosure settings, nor money).
pub fn every_count(value: &serde_json::Value, check: &mut impl FnMut(&str, u64)) {
    fn walk(value: &serde_json::Value, key: &str, check: &mut impl FnMut(&str, u64)) {
        match value {
            // An area's denominators are the partnership's own figures.
            serde_json::Value::Object(map) => {
                map.iter().filter(|(k, _)| *k != "denominators").for_each(|(k, v)| walk(v, k, check));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, key, check)),
            serde_json::Value::Number(n)
                if !["suppression_threshold", "suppressed_below", "rounded_to"].contains(&key)
                    && !key.contains("gbp")
                    && !key.contains("per_1000") =>
            {
                check(key, n.as_u64().unwrap());
            }
            _ => {}
        }
    }
    walk(value, "", check);
}

/// Every `(agency, record_id)` of the members of a family as the API
/// answers it.
pub fn member_records(family: &serde_json::Value) -> Vec<(String, String)> {
    family["members"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["records"].as_array().unwrap().iter())
        .map(|r| (r["agency"].as_str().unwrap().to_owned(), r["record_id"].as_str().unwrap().to_owned()))
        .collect()
}
