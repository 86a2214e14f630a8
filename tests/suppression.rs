//! Small-number suppression on bundles whose counts are known by
//! construction, including one where hiding only the small count would let
//! it be worked out from the total.

use std::path::Path;

use crate::util::{HandBundle, TempDir, famgraph, famgraph_ok, letters};

const NEEDS: [&str; 3] = ["education", "health", "crime"];
const AREAS: [&str; 2] = ["ME4 4QS", "CT1 1AA"];

/// Writes a bundle of one-person families, none related: family `i` has
/// the first `needs_of(i)` needs and lives in `area_of(i)`.
fn bundle(dir: &Path, n: usize, needs_of: impl Fn(usize) -> usize, area_of: impl Fn(usize) -> usize) {
    let mut bundle = HandBundle::new(&NEEDS);
    for i in 0..n {
        let family = format!("Test{}", letters(i));
        bundle.person(i, ("Alex", &family), "1980-01-01", (i + 1, AREAS[area_of(i)]), &NEEDS[..needs_of(i)]);
    }
    bundle.write(dir);
}

fn evidence(dir: &Path, threshold: u64) -> serde_json::Value {
    let out =
        famgraph_ok(&["evidence", "--data", dir.to_str().unwrap(), "--suppression-threshold", &threshold.to_string()]);
    serde_json::from_str(&out).unwrap()
}

fn bucket(evidence: &serde_json::Value, list: &str, key: &str) -> Option<u64> {
    let items = evidence[list].as_array().unwrap();
    let item = items.iter().find(|b| b["key"] == key).unwrap_or_else(|| panic!("no {list} {key}: {evidence}"));
    item["families"].as_u64()
}

#[test]
fn a_count_that_subtraction_would_reveal_is_hidden_with_a_second() {
    let dir = TempDir::new("suppression-leak");
    let b = dir.join("bundle");
    // 3 families with one need, 12 with two, 20 with three: 35 in all.
    // Hiding only the 3 would leave it as 35 - 12 - 20.
    bundle(
        &b,
        35,
        |i| {
            if i < 3 {
                1
            } else if i < 15 {
                2
            } else {
                3
            }
        },
        |i| usize::from(i % 5 == 0),
    );
    let e = evidence(&b, 5);
    assert_eq!(e["families_with_needs"], 35, "{e}");
    assert_eq!(bucket(&e, "by_number_of_needs", "1"), None);
    assert_eq!(bucket(&e, "by_number_of_needs", "2"), None, "the second-smallest goes too: {e}");
    assert_eq!(bucket(&e, "by_number_of_needs", "3"), Some(20));
    // Three or more needs: 20, from the one visible bucket it is made of.
    assert_eq!(e["families_with_three_or_more_needs"], 20);
    // Areas: 7 and 28, nothing to hide.
    assert_eq!(bucket(&e, "by_area", "ME4"), Some(28));
    assert_eq!(bucket(&e, "by_area", "CT1"), Some(7));

    // A higher threshold hides the 7, and so its partner, and the total
    // then stands alone.
    let e = evidence(&b, 10);
    assert_eq!(bucket(&e, "by_area", "CT1"), None);
    assert_eq!(bucket(&e, "by_area", "ME4"), None, "{e}");
    assert_eq!(e["families_with_needs"], 35);
    assert_eq!(e["suppression_threshold"], 10);

    // No threshold of 1 or less: that would publish single families.
    let out = famgraph(&["evidence", "--data", b.to_str().unwrap(), "--suppression-threshold", "1"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn nothing_needs_hiding_when_every_count_is_large() {
    let dir = TempDir::new("suppression-none");
    let b = dir.join("bundle");
    bundle(&b, 40, |i| 1 + i % 2, |i| i % 2);
    let e = evidence(&b, 5);
    assert_eq!(bucket(&e, "by_number_of_needs", "1"), Some(20));
    assert_eq!(bucket(&e, "by_number_of_needs", "2"), Some(20));
    assert_eq!(e["families_with_needs"], 40);
    let by_need = e["by_need"].as_array().unwrap();
    let education = by_need.iter().find(|n| n["need"] == "education").unwrap();
    assert_eq!(education["families"], 40);
    let health = by_need.iter().find(|n| n["need"] == "health").unwrap();
    assert_eq!(health["families"], 20);
}
