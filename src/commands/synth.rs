//! `famgraph synth`: a synthetic bundle and its truth.

use super::prelude::*;

pub fn run(args: SynthArgs) -> anyhow::Result<()> {
    let SynthArgs { families, seed, out, truth, noise, bad_rows, earlier, earlier_months } = args;
    let noise = noise.parse().map_err(|_| BadInput(format!("unknown noise `{noise}`: use low, medium or high")))?;
    let config = famgraph_synth::SynthConfig { families, seed, noise, bad_rows, earlier_months, ..Default::default() };
    let truth = truth.unwrap_or_else(|| {
        let mut name = out.file_name().unwrap_or_default().to_os_string();
        name.push(".truth");
        out.with_file_name(name)
    });
    let generated = famgraph_synth::generate(&config);
    famgraph_synth::write(&generated, &out, &truth)?;
    eprintln!("famgraph: wrote {} and its truth to {}", out.display(), truth.display());
    if let Some(earlier) = earlier {
        famgraph_synth::write_earlier(&generated, &earlier)?;
        eprintln!(
            "famgraph: wrote the extract of {} months before to {}",
            earlier_months.unwrap_or(0),
            earlier.display()
        );
    }
    say!("{}", serde_json::to_string_pretty(&generated.summary)?);
    Ok(())
}
