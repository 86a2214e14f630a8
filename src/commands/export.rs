//! `famgraph export`: the derived tables as CSV or Parquet.

use super::prelude::*;

pub fn run(args: ExportArgs, ctx: &Context) -> anyhow::Result<()> {
    let ExportArgs { source, overrides, out, format } = args;
    let overrides = overrides.overrides.as_deref();
    let parquet = matches!(format, ExportFormat::Parquet);
    let tables = ["people", "links", "link_model", "families", "shortlist"];
    let written = match (&source.data, &source.db) {
        (Some(data), _) => {
            let snapshot = loads::from_bundle(data, overrides, &ctx.settings, &KnownIds::default())?;
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            let db = out.join(".famgraph-export.duckdb");
            loads::save(&snapshot, &db)?;
            let written = famgraph_ingest::store::export(&db, &tables, &out, parquet);
            // The working database and what writing it left beside it:
            // the folder holds the tables and nothing else.
            for leftover in ["", ".wal", ".lock"] {
                let mut path = db.clone().into_os_string();
                path.push(leftover);
                let _ = std::fs::remove_file(path);
            }
            written?
        }
        (None, Some(db)) => {
            if overrides.is_some() {
                bail!(BadInput("--overrides applies when a bundle is loaded: give --data BUNDLE".into()));
            }
            famgraph_ingest::store::export(db, &tables, &out, parquet)?
        }
        (None, None) => bail!(BadInput("give --data BUNDLE or --db FILE".into())),
    };
    for path in written {
        say!("{}", path.display());
    }
    Ok(())
}
