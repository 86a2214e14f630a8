//! Snapshots of what users read whole: the load report of a bundle with
//! bad rows, and the family view of the sample's first family of three. A change
//! to either shows as a diff to review (`cargo insta review`, or set
//! `INSTA_UPDATE=always` and read the diff in git), not as a silent pass.

use crate::util::{Server, TempDir, famgraph_ok, synth};

#[test]
fn the_load_report_of_a_bundle_with_bad_rows() {
    let dir = TempDir::new("snapshot-report");
    let (bundle, _) = synth(&dir, 40, 7, 12);
    let db = dir.join("db.duckdb");
    let out = famgraph_ok(&["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!(report);
}

#[test]
fn the_family_view_of_the_samples_first_small_family() {
    let server = Server::start(&[]);
    // The highest ranked family of three members: small enough to read
    // a change to it in review.
    let shortlist = server.get_ok("/api/v1/families?limit=100");
    let family = shortlist["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["members"] == 3)
        .and_then(|f| f["family_id"].as_str())
        .expect("a family of three on the shortlist")
        .to_owned();
    // With every link's comparisons, field by field.
    let view = server.get_ok(&format!("/api/v1/families/{family}?explain=links"));
    insta::assert_json_snapshot!(view);
}
