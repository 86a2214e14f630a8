//! Generates a bundle and reports how long it took:
//! `cargo run --release -p famgraph-synth --example generate -- [FAMILIES] [SEED] [BAD_ROWS] [OUT TRUTH]`.
//! With OUT and TRUTH it also writes the files.

use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let families = args.first().map_or(Ok(100_000), |a| a.parse())?;
    let seed = args.get(1).map_or(Ok(1), |a| a.parse())?;
    let bad_rows = args.get(2).map_or(Ok(0), |a| a.parse())?;
    let config = famgraph_synth::SynthConfig { families, seed, bad_rows, ..Default::default() };
    let started = Instant::now();
    let generated = famgraph_synth::generate(&config);
    let elapsed = started.elapsed();
    let bytes: usize = generated.bundle.iter().map(|(_, text)| text.len()).sum();
    println!("{}", serde_json::to_string(&generated.summary)?);
    println!("generated {families} families ({:.1} MB of CSV) in {:.2} s", bytes as f64 / 1e6, elapsed.as_secs_f64());
    if let (Some(out), Some(truth)) = (args.get(3), args.get(4)) {
        famgraph_synth::write(&generated, Path::new(out), Path::new(truth))?;
        println!("wrote {out} and {truth}");
    }
    Ok(())
}
