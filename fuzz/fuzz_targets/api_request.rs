//! Arbitrary paths and query strings, with and without a token, against
//! the real router serving a small synthetic load: never a panic, never a
//! 5xx, and every answer under /api is JSON (but the shortlist or the
//! evidence asked for as CSV). The server keeps the meeting's decisions,
//! two of them recorded, and its audit trail, in files of its own; the
//! request carries a coordinator's or an admin's token, a wrong one, or
//! none.
#![no_main]

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use famgraph_governance::decisions::Decision;
use famgraph_api::AppState;
use famgraph_governance::{Role, Tokens};
use famgraph_fuzz::raw_table;
use famgraph_model::{BundleFile, validate_bundle};
use famgraph_pipeline::{NoCohorts, Settings};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;

struct Fixture {
    /// The server without its audit trail.
    state: AppState,
    /// The router, with a trail started afresh every so many requests (a
    /// trail of a million is read whole by each review), and how many
    /// requests it has had.
    router: Mutex<(Router, usize)>,
    audit_file: PathBuf,
    /// A coordinator's token and an admin's.
    tokens: [String; 2],
    runtime: tokio::runtime::Runtime,
}

const FRESH_TRAIL_EVERY: usize = 2_000;

impl Fixture {
    fn router(&self) -> Router {
        let mut held = self.router.lock().expect("not poisoned");
        held.1 += 1;
        if held.1 > FRESH_TRAIL_EVERY {
            // The old trail's writer stops, and frees the trail's lock.
            held.0 = Router::new();
            let _ = std::fs::remove_file(&self.audit_file);
            let _ = std::fs::remove_file(famgraph_governance::audit::sets_path(&self.audit_file));
            let audit = famgraph_governance::AuditLog::open(&self.audit_file).expect("an audit trail");
            *held = (famgraph_api::router(self.state.clone().with_audit(audit)), 1);
        }
        held.0.clone()
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let generated = famgraph_synth::generate(&famgraph_synth::SynthConfig {
            families: 40,
            earlier_months: Some(6),
            ..famgraph_synth::SynthConfig::default()
        });
        // The load, and the extract of six months before for the changes.
        let snapshot = |files: &[(String, String)]| {
            let tables: Vec<_> = BundleFile::ALL
                .iter()
                .map(|file| {
                    let name = format!("{}.csv", file.stem());
                    let text = files.iter().find(|(n, _)| *n == name).map_or("", |(_, t)| t.as_str());
                    raw_table(*file, text.as_bytes())
                })
                .collect();
            let (bundle, report) = validate_bundle(&tables).expect("a generated bundle validates");
            // The pipeline production runs, without the cohort queries
            // (DuckDB SQL, tested apart).
            famgraph_pipeline::build(bundle, report, &Settings::default(), &NoCohorts)
        };
        // In memory where there is a tmpfs: every audited answer is synced.
        let shm = std::path::Path::new("/dev/shm");
        let tmp = if shm.is_dir() { shm.to_owned() } else { std::env::temp_dir() };
        let dir = tmp.join(format!("famgraph-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a folder for the fixture");
        let tokens_file = dir.join("tokens");
        let issued = [("cora", Role::Coordinator), ("ada", Role::Admin)]
            .map(|(name, role)| Tokens::add(&tokens_file, name, role, None).expect("a token"));
        let tokens = Tokens::read(&tokens_file).expect("the tokens file");
        let earlier = generated.earlier.as_deref().expect("asked for");
        let load = snapshot(&generated.bundle);
        let file = dir.join("decisions.jsonl");
        let book = famgraph_governance::decisions::Book::open(&file).expect("a decisions file");
        for (family, decision) in [(0, Decision::TakenOn), (1, Decision::NotNow)] {
            let graph = &load.graph;
            let records = graph.families[family]
                .members
                .iter()
                .flat_map(|&p| &graph.people[p].records)
                .map(|&r| famgraph_governance::decisions::RecordRef {
                    agency: graph.bundle.people[r].agency.clone(),
                    record_id: graph.bundle.people[r].record_id.clone(),
                })
                .collect();
            book.record(famgraph_governance::decisions::Entry {
                decided_on: "2024-01-01".into(),
                decision,
                by: "fuzz".into(),
                family_id: graph.families[family].id.clone(),
                as_of: load.analysis.as_of.to_string(),
                records,
                lead_agency: None,
                needs: Vec::new(),
                note: String::new(),
            })
            .expect("a decision recorded");
        }
        let audit_file = dir.join("audit.jsonl");
        let audit = famgraph_governance::AuditLog::open(&audit_file).expect("an audit trail");
        // Every hour is out of hours and two families a day are many: the
        // review has something to say about the fuzzer's own requests.
        let watch = famgraph_governance::unusual::Watch {
            working_hours: [0, 0],
            families_per_day: 2,
            refusals_per_day: 2,
            ..famgraph_governance::unusual::Watch::default()
        };
        // No request limit: the fuzzer is one client asking as fast as it can.
        let state = AppState::new(load, tokens)
            .with_previous(snapshot(earlier))
            .with_decisions(book)
            .with_watch(watch)
            .with_requests_per_minute(0);
        let router = famgraph_api::router(state.clone().with_audit(audit));
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        Fixture { state, router: Mutex::new((router, 0)), audit_file, tokens: issued, runtime }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let fixture = fixture();
    let path = String::from_utf8_lossy(rest);
    let Ok(uri) = format!("/{}", path.trim_start_matches('/')).parse::<axum::http::Uri>() else { return };
    let method = if selector & 1 == 0 { Method::GET } else { Method::POST };
    let mut request = Request::builder().method(method).uri(uri.clone());
    request = match selector >> 1 & 7 {
        0 => request,
        1 | 4 | 5 => request.header("Authorization", format!("Bearer {}", fixture.tokens[0])),
        2 => request.header("Authorization", "Bearer fg_wrong"),
        3 => request.header("Authorization", String::from_utf8_lossy(rest).into_owned()),
        _ => request.header("Authorization", format!("Bearer {}", fixture.tokens[1])),
    };
    let Ok(request) = request.body(Body::empty()) else { return };
    let response = fixture.runtime.block_on(fixture.router().oneshot(request)).expect("the router answers");
    let status = response.status().as_u16();
    assert!(status < 500, "{status} for {uri}");
    if uri.path().starts_with("/api/") {
        let kind =
            |prefix: &[u8]| response.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(prefix));
        // The shortlist also comes as CSV, when asked for with a token.
        let csv = status == 200 && uri.query().is_some_and(|q| q.contains("format=csv")) && kind(b"text/csv");
        assert!(kind(b"application/json") || csv, "not JSON: {status} for {uri}");
    }
});
