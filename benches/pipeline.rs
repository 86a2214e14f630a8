//! Criterion benchmarks of the load pipeline on generated bundles:
//! reading and validating with DuckDB, linking, and building the graph and
//! analyses, and searching a load for a person. Run with `cargo bench
//! --bench pipeline`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use famgraph_pipeline::{NoCohorts, Settings};

fn bundle_dir(families: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("famgraph-bench-{families}-{}", std::process::id()));
    let generated = famgraph_synth::generate(&famgraph_synth::SynthConfig { families, seed: 7, ..Default::default() });
    famgraph_synth::write(&generated, &dir.join("bundle"), &dir.join("truth")).expect("temp dir is writable");
    dir
}

fn pipeline(c: &mut Criterion) {
    for families in [600, 5_000] {
        let dir = bundle_dir(families);
        let bundle_path = dir.join("bundle");
        let mut group = c.benchmark_group(format!("{families}_families"));
        group.sample_size(10);
        group.bench_function("read_and_validate", |b| {
            b.iter(|| famgraph_ingest::load_bundle(black_box(&bundle_path), None).expect("generated bundles load"));
        });
        let (bundle, report) = famgraph_ingest::load_bundle(&bundle_path, None).expect("generated bundles load");
        let link = || famgraph_pipeline::link(black_box(&bundle));
        group.bench_function("link", |b| b.iter(link));
        let linkage = link();
        let settings = Settings::default();
        // The stages after linking as the service runs them, but for the
        // cohort queries (DuckDB, timed with reading).
        group.bench_function("graph_and_analyse", |b| {
            b.iter(|| {
                let snapshot = famgraph_pipeline::build_linked(
                    bundle.clone(),
                    report.clone(),
                    linkage.clone(),
                    &settings,
                    &NoCohorts,
                );
                snapshot.analysis.ranking.len()
            });
        });
        // Search, once the names are indexed (the first search of a load
        // indexes them; timed apart).
        let snapshot = famgraph_pipeline::build_linked(bundle.clone(), report.clone(), linkage, &settings, &NoCohorts);
        let first = &snapshot.graph.bundle.people[0];
        let name = format!("{} {}", first.given_name, first.family_name);
        famgraph_pipeline::search::search(&snapshot, &name, 20);
        group.bench_function("search_name", |b| {
            b.iter(|| famgraph_pipeline::search::search(&snapshot, black_box(&name), 20).map(|f| f.total));
        });
        group.bench_function("search_date_of_birth", |b| {
            b.iter(|| famgraph_pipeline::search::search(&snapshot, black_box("1982-06-05"), 20).map(|f| f.total));
        });
        group.finish();
        let _ = std::fs::remove_dir_all(&dir);
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
