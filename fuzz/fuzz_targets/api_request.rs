//! Arbitrary paths and query strings, with and without a token, against
//! the real router serving a small synthetic load: never a panic, never a
//! 5xx, and every answer under /api is JSON (but the shortlist or the
//! evidence asked for as CSV). The server keeps the meeting's decisions,
//! two of them recorded, in a file of its own.
#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use famgraph_api::decisions::Decision;
use famgraph_api::{AppState, Role, Snapshot, Tokens};
use famgraph_fuzz::raw_table;
use famgraph_model::{BundleFile, validate_bundle};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;

struct Fixture {
    router: Router,
    token: String,
    runtime: tokio::runtime::Runtime,
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
            let relations = famgraph_link::relations_of(&bundle.people, &bundle.relationships);
            let linkage =
                famgraph_link::link_with(&bundle.people, &famgraph_link::LinkConfig::default(), &[], &relations);
            let graph = famgraph_graph::build(bundle, linkage);
            let analysis = famgraph_analysis::analyse(&graph, &famgraph_analysis::Config::default());
            let rulesets = famgraph_analysis::Rulesets::bundled();
            Snapshot::new(graph, analysis, report, rulesets, famgraph_api::Cohorts::default())
        };
        let (tokens, token) = Tokens::one_off(Role::Coordinator);
        let earlier = generated.earlier.as_deref().expect("asked for");
        let load = snapshot(&generated.bundle);
        let file = std::env::temp_dir().join(format!("famgraph-fuzz-decisions-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let book = famgraph_api::decisions::Book::open(&file).expect("a decisions file");
        for (family, decision) in [(0, Decision::TakenOn), (1, Decision::NotNow)] {
            let graph = &load.graph;
            let records = graph.families[family]
                .members
                .iter()
                .flat_map(|&p| &graph.people[p].records)
                .map(|&r| famgraph_api::decisions::RecordRef {
                    agency: graph.bundle.people[r].agency.clone(),
                    record_id: graph.bundle.people[r].record_id.clone(),
                })
                .collect();
            book.record(famgraph_api::decisions::Entry {
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
        let state =
            AppState::new(load, tokens).with_previous(snapshot(earlier)).with_decisions(book);
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        Fixture { router: famgraph_api::router(state), token, runtime }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let fixture = fixture();
    let path = String::from_utf8_lossy(rest);
    let Ok(uri) = format!("/{}", path.trim_start_matches('/')).parse::<axum::http::Uri>() else { return };
    let method = if selector & 1 == 0 { Method::GET } else { Method::POST };
    let mut request = Request::builder().method(method).uri(uri.clone());
    request = match selector >> 1 & 3 {
        0 => request,
        1 => request.header("Authorization", format!("Bearer {}", fixture.token)),
        2 => request.header("Authorization", "Bearer fg_wrong"),
        _ => request.header("Authorization", String::from_utf8_lossy(rest).into_owned()),
    };
    let Ok(request) = request.body(Body::empty()) else { return };
    let response = fixture.runtime.block_on(fixture.router.clone().oneshot(request)).expect("the router answers");
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
