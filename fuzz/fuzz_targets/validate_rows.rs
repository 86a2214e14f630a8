//! Arbitrary bytes as a bundle's five files and an overrides file
//! (separated by 0xFF bytes), through validation and the line scanner: no
//! panic, every row accounted for, and every accepted override names
//! records the bundle holds.
#![no_main]

use famgraph_fuzz::raw_table;
use famgraph_model::{BundleFile, record_starts, validate_bundle_with_overrides};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = data.split(|b| *b == 0xFF).collect();
    let tables: Vec<_> = BundleFile::ALL.iter().zip(&parts).map(|(file, bytes)| raw_table(*file, bytes)).collect();
    let overrides = parts.get(BundleFile::ALL.len()).map(|bytes| raw_table(BundleFile::Overrides, bytes));
    if let Ok((bundle, report)) = validate_bundle_with_overrides(&tables, overrides.as_ref()) {
        for file in &report.files {
            assert_eq!(file.read, file.accepted + file.rejected, "{file:?}");
        }
        let known = |agency: &str, id: &str| bundle.people.iter().any(|p| p.agency == agency && p.record_id == id);
        for o in &bundle.overrides {
            assert!(known(&o.a.agency, &o.a.record_id) && known(&o.b.agency, &o.b.record_id));
            assert_ne!(o.a, o.b);
        }
    }
    for part in &parts {
        let starts = record_starts(part);
        assert!(starts.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1), "{starts:?}");
        assert!(starts.iter().all(|&(offset, line)| offset < part.len() && line >= 2));
    }
});
