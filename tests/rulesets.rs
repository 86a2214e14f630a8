//! Programme rules as data: each family's eligibility under Troubled
//! Families phases 1 and 2 and Supporting Families, on a hand-made bundle
//! whose needs are known, per request and per CLI call, and a
//! partnership's own ruleset and score weights from a config file.

use std::path::Path;

use crate::util::{HandBundle, Server, TempDir, famgraph, famgraph_ok};

/// A member: birth year and the needs recorded against them (current,
/// open-ended involvements).
type Member = (i32, &'static [&'static str]);

/// Families by name.
const FAMILIES: [(&str, &[Member]); 5] = [
    // All three phase 1 criteria, with a child.
    ("all_three", &[(1980, &["crime", "financial"]), (2012, &["education"])]),
    // Two phase 1 criteria and nothing else.
    ("two", &[(1982, &["crime"]), (2011, &["education"])]),
    // Two phase 1 criteria plus domestic abuse, the local filter.
    ("two_plus_filter", &[(1979, &["crime", "domestic_abuse"]), (2013, &["education"])]),
    // Three needs but adults only: no Supporting Families claim.
    ("adults_only", &[(1960, &["health", "housing"]), (1985, &["financial"])]),
    // One need.
    ("housing_only", &[(1990, &["housing"])]),
];

const NEEDS: [&str; 7] = ["crime", "financial", "education", "domestic_abuse", "health", "housing", "child_safety"];

fn write_bundle(dir: &Path) {
    let given = ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon"];
    let mut bundle = HandBundle::new(&NEEDS);
    let mut n = 0;
    for (f, (family, members)) in FAMILIES.iter().enumerate() {
        let first = n;
        let surname: String = family.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect();
        for (born, needs) in *members {
            bundle.person(n, (given[n % 10], &surname), &format!("{born}-05-05"), (f + 1, "ME4 4QS"), needs);
            if n > first {
                bundle.parent_of(first, n);
            }
            n += 1;
        }
    }
    bundle.write(dir);
}

/// The families eligible under a ruleset, by their surname.
fn eligible(dir: &Path, ruleset: &str, config: Option<&Path>) -> Vec<String> {
    let mut args = vec!["shortlist", "--data", dir.to_str().unwrap(), "--format", "json", "--ruleset", ruleset];
    if let Some(config) = config {
        args.extend(["--config", config.to_str().unwrap()]);
    }
    let list: serde_json::Value = serde_json::from_str(&famgraph_ok(&args)).unwrap();
    let detail = |id: &str| {
        famgraph_ok(&["subject-access", "--data", dir.to_str().unwrap(), "--agency", "local", "--record-id", id])
    };
    let mut names: Vec<String> = list["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["eligibility"]["eligible"], true, "{f}");
            f["family_id"].as_str().unwrap().to_owned()
        })
        .collect();
    // Family ids are famgraph's; map them back through each family's first record.
    let mut by_family = std::collections::HashMap::new();
    for (i, (family, _)) in FAMILIES.iter().enumerate() {
        let first: usize = FAMILIES[..i].iter().map(|f| f.1.len()).sum();
        let sar: serde_json::Value = serde_json::from_str(&detail(&format!("R{first}"))).unwrap();
        by_family.insert(sar["family_id"].as_str().unwrap().to_owned(), (*family).to_owned());
    }
    names = names.iter().map(|id| by_family[id].clone()).collect();
    names.sort();
    names
}

#[test]
fn each_ruleset_takes_the_families_its_rules_describe() {
    let dir = TempDir::new("rulesets");
    let b = dir.join("bundle");
    write_bundle(&b);
    assert_eq!(eligible(&b, "tf1", None), ["all_three", "two_plus_filter"]);
    assert_eq!(eligible(&b, "tf2", None), ["adults_only", "all_three", "two", "two_plus_filter"]);
    assert_eq!(eligible(&b, "supporting_families", None), ["all_three", "two_plus_filter"]);
    let out = famgraph(&["shortlist", "--data", b.to_str().unwrap(), "--ruleset", "tf9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown ruleset `tf9`"));

    // A partnership's own ruleset and weights, from its config file.
    let config = dir.join("famgraph.toml");
    std::fs::write(
        &config,
        "[weights]\nneed_now = 10\n\n[[rulesets]]\nname = \"housing_first\"\ntitle = \"Housing first\"\n\
         [[rulesets.criteria]]\nid = \"housing\"\nlabel = \"Secure housing\"\nneeds = [\"housing\"]\n\
         [[rulesets.eligible_if]]\nmin_criteria = 1\n",
    )
    .unwrap();
    assert_eq!(eligible(&b, "housing_first", Some(&config)), ["adults_only", "housing_only"]);
    let scores = |config: Option<&Path>| -> f64 {
        let mut args = vec!["shortlist", "--data", b.to_str().unwrap(), "--format", "json"];
        if let Some(config) = config {
            args.extend(["--config", config.to_str().unwrap()]);
        }
        let list: serde_json::Value = serde_json::from_str(&famgraph_ok(&args)).unwrap();
        list["families"].as_array().unwrap().iter().map(|f| f["score"].as_f64().unwrap()).sum()
    };
    assert!(scores(Some(&config)) > scores(None), "the config's weights apply");
    std::fs::write(&config, "[weights]\nneed_now = -3\n").unwrap();
    let out = famgraph(&["shortlist", "--data", b.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("famgraph.toml"), "names the file");

    // Per request, with the evidence for every criterion in the family view.
    let server = Server::start(&["--data", b.to_str().unwrap()]);
    for (ruleset, n) in [("tf1", 2), ("tf2", 4), ("supporting_families", 2)] {
        let list = server.get_ok(&format!("/api/v1/families?ruleset={ruleset}"));
        assert_eq!(list["total"], n, "{ruleset}: {list}");
    }
    let (status, body) = server.get("/api/v1/families?ruleset=tf9", server.token.as_deref());
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")));
    let top = server.get_ok("/api/v1/families?ruleset=tf1&limit=1");
    let id = top["families"][0]["family_id"].as_str().unwrap();
    let detail = server.get_ok(&format!("/api/v1/families/{id}"));
    let eligibility = detail["eligibility"].as_array().unwrap();
    assert_eq!(eligibility.len(), 3);
    let tf1 = eligibility.iter().find(|e| e["ruleset"] == "tf1").unwrap();
    assert_eq!(tf1["eligible"], true);
    let crime = tf1["criteria"].as_array().unwrap().iter().find(|c| c["id"] == "crime_asb").unwrap();
    assert_eq!((crime["met"].as_bool(), crime["needs"].clone()), (Some(true), serde_json::json!(["crime"])));
    let rulesets = server.get_ok("/api/v1/rulesets");
    assert_eq!(rulesets["rulesets"].as_array().unwrap().len(), 3);
}

/// The sensitivity table moves one weight at a time: what it says about
/// doubling a weight is what the shortlist does with that weight doubled
/// in a config file, and the shares of the top families' points add up.
#[test]
fn the_sensitivity_table_is_what_the_shortlist_does() {
    let sample = crate::util::sample_bundle();
    let data = sample.to_str().unwrap();
    let table: serde_json::Value = serde_json::from_str(&crate::util::famgraph_ok(&[
        "sensitivity",
        "--data",
        data,
        "--top",
        "20",
        "--format",
        "json",
    ]))
    .unwrap();
    let rows = table["weights"].as_array().unwrap();
    let shares: f64 = rows.iter().map(|r| r["share_of_top_points"].as_f64().unwrap()).sum();
    assert!((shares - 100.0).abs() < 1.0, "{shares}");
    let top = |config: Option<&str>| -> std::collections::BTreeSet<String> {
        let dir = crate::util::TempDir::new("sensitivity");
        let mut args = vec!["shortlist", "--data", data, "--limit", "20", "--format", "json"];
        let path = dir.join("famgraph.toml");
        if let Some(text) = config {
            std::fs::write(&path, text).unwrap();
            args.extend(["--config", path.to_str().unwrap()]);
        }
        let list: serde_json::Value = serde_json::from_str(&crate::util::famgraph_ok(&args)).unwrap();
        list["families"].as_array().unwrap().iter().map(|f| f["family_id"].as_str().unwrap().to_owned()).collect()
    };
    let before = top(None);
    for name in ["need_now", "intergenerational_pair"] {
        let row = rows.iter().find(|r| r["weight"] == name).unwrap();
        let doubled = row["moved"].as_array().unwrap().iter().find(|m| m["factor"] == 2.0).unwrap();
        let points = row["points"].as_f64().unwrap();
        let after = top(Some(&format!("[weights]\n{name} = {}\n", points * 2.0)));
        assert_eq!(doubled["kept"].as_u64().unwrap() as usize, before.intersection(&after).count(), "{name}");
    }
}

/// The evidence gives bid writers the families eligible under each
/// programme: the shortlist's count under `?ruleset=`, suppressed.
#[test]
fn the_evidence_counts_the_families_each_programme_takes() {
    let server = crate::util::Server::start(&[]);
    let evidence = server.get_ok("/api/v1/evidence");
    let programmes = evidence["by_programme"].as_array().unwrap();
    assert_eq!(programmes.len(), 3);
    for p in programmes {
        let name = p["ruleset"].as_str().unwrap();
        let total = server.get_ok(&format!("/api/v1/families?ruleset={name}&limit=1"))["total"].as_u64().unwrap();
        let shown = p["families"].as_u64();
        assert!(shown == Some(total) || shown.is_none() && total < 10, "{name}: {p} against {total}");
        assert!(total >= 10 || name == "tf1", "{name}: {total}");
    }
    assert!(evidence["periods"]["by_programme"].as_str().unwrap().contains("open now"));
}
