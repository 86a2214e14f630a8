//! Outcomes from the baseline: the generator takes families on at the
//! earlier extract and plants needs that close after; famgraph's claim
//! reports find every planted outcome of the families it holds whole,
//! claim none the truth does not, and none before its baseline.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::util::{Server, TempDir, export, famgraph_ok, person_of_record, read_csv, synth_with_earlier, token};

#[test]
fn every_planted_outcome_is_found_and_none_before_its_baseline() {
    let dir = TempDir::new("outcomes");
    let (bundle, truth, _) = synth_with_earlier(&dir, 600, 5, 12);
    // The meeting's file, as the generator's meeting kept it.
    let decisions = dir.join("decisions.jsonl");
    std::fs::copy(truth.join("decisions.jsonl"), &decisions).unwrap();
    let data = bundle.to_str().unwrap();
    let reports: serde_json::Value = serde_json::from_str(&famgraph_ok(&[
        "outcomes",
        "--decisions",
        decisions.to_str().unwrap(),
        "--data",
        data,
        "--format",
        "json",
    ]))
    .unwrap();

    // famgraph's families against the true ones, by the records they hold.
    let out = export(&dir, &bundle);
    let person_of = person_of_record(&out.join("people.csv"));
    let family_of: HashMap<String, String> = read_csv(&out.join("families.csv"))
        .into_iter()
        .map(|r| (r["person_id"].clone(), r["family_id"].clone()))
        .collect();
    let true_person: HashMap<(String, String), String> = person_of_record(&truth.join("records.csv"));
    let true_family: HashMap<String, String> = read_csv(&truth.join("persons.csv"))
        .into_iter()
        .map(|r| (r["person_id"].clone(), r["family_id"].clone()))
        .collect();
    // Per true family, the famgraph families holding its records.
    let mut held: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (record, person) in &true_person {
        let ours = &family_of[&person_of[record]];
        *held.entry(true_family[person].clone()).or_default().entry(ours.clone()).or_default() += 1;
    }
    let true_of = |ours: &str| -> String {
        held.iter().filter_map(|(t, by)| by.get(ours).map(|n| (*n, t))).max().map(|(_, t)| t.clone()).unwrap()
    };
    let whole = |t: &str| held[t].len() == 1;

    let planted: BTreeMap<(String, String), String> = read_csv(&truth.join("outcomes.csv"))
        .into_iter()
        .map(|r| ((r["family_id"].clone(), r["need"].clone()), r["outcome"].clone()))
        .collect();
    let achieved: BTreeSet<&(String, String)> =
        planted.iter().filter(|(_, o)| *o == "achieved").map(|(k, _)| k).collect();
    assert!(achieved.len() >= 10, "{} planted", achieved.len());
    let mut claimed = BTreeSet::new();
    for family in reports["families"].as_array().unwrap() {
        let baseline = family["baseline"]["decided_on"].as_str().unwrap();
        let t = true_of(family["family_id"].as_str().unwrap());
        for o in family["outcomes"].as_array().unwrap() {
            if let Some(closed) = o["closed_on"].as_str() {
                assert!(closed >= baseline, "closed before the baseline: {o}");
            }
            for record in o["records"].as_array().unwrap() {
                let ended = record["end_date"].as_str();
                assert!(ended.is_none_or(|e| e >= baseline), "a record closed before the baseline: {record}");
            }
            if o["status"] == "achieved" {
                claimed.insert((t.clone(), o["need"].as_str().unwrap().to_owned()));
            }
        }
    }
    let wrongly: Vec<_> = claimed.iter().filter(|k| !achieved.contains(k)).collect();
    assert!(wrongly.is_empty(), "claimed but not achieved: {wrongly:?}");
    let missed: Vec<_> = achieved.iter().filter(|k| whole(&k.0) && !claimed.contains(*k)).collect();
    assert!(missed.is_empty(), "planted, of families kept whole, not found: {missed:?}");
    let found = achieved.iter().filter(|k| claimed.contains(*k)).count();
    assert!(found * 10 >= achieved.len() * 9, "{found} of {} found", achieved.len());

    // The API: a coordinator reads a family's claim report; a family never
    // taken on has none; a bid writer sees only the suppressed counts.
    let tokens = dir.join("tokens");
    let cora = token(&tokens, "cora", "coordinator");
    let bea = token(&tokens, "bea", "bid_writer");
    let server = Server::start(&[
        "--data",
        data,
        "--tokens",
        tokens.to_str().unwrap(),
        "--decisions",
        decisions.to_str().unwrap(),
    ]);
    let first = &reports["families"][0];
    let id = first["family_id"].as_str().unwrap();
    let (status, report) = server.get(&format!("/api/v1/families/{id}/outcomes"), Some(&cora));
    assert_eq!(status, 200, "{report}");
    assert_eq!(report, *first);
    // The family view shows the claim report, a row per baseline need.
    if let Some(browser) = crate::pages::chromium() {
        let profile = TempDir::new("chromium-outcomes");
        let dom = crate::pages::render(&browser, &profile, &format!("{}/families/{id}#token={cora}", server.base));
        let claim = dom
            .split("id=\"claim\"")
            .nth(1)
            .expect("a claim report on the family view")
            .split("</table>")
            .next()
            .unwrap();
        assert_eq!(claim.matches("<tr").count(), 1 + first["outcomes"].as_array().unwrap().len(), "{claim}");
        assert!(
            dom.contains(&format!("Outcomes since taken on, {}", first["baseline"]["decided_on"].as_str().unwrap()))
        );
    }
    let (status, _) = server.get(&format!("/api/v1/families/{id}/outcomes"), Some(&bea));
    assert_eq!(status, 403);
    let taken: BTreeSet<&str> =
        reports["families"].as_array().unwrap().iter().map(|f| f["family_id"].as_str().unwrap()).collect();
    let list = server.get("/api/v1/families?limit=1000", Some(&cora)).1;
    let other = list["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["family_id"].as_str().unwrap())
        .find(|f| !taken.contains(f));
    let (status, body) = server.get(&format!("/api/v1/families/{}/outcomes", other.unwrap()), Some(&cora));
    assert_eq!(status, 404, "{body}");
    let evidence = server.get("/api/v1/evidence", Some(&bea)).1;
    let outcomes = &evidence["outcomes"];
    let with = reports["families"].as_array().unwrap().iter().filter(|f| f["achieved"].as_u64().unwrap() > 0).count();
    // Shown exactly, or hidden with its complement in the families worked
    // with (secondary suppression), never anything else.
    let shown = outcomes["families_with_an_outcome"].as_u64();
    let rest = taken.len() - with;
    assert!(shown == Some(with as u64) || shown.is_none() && (with < 10 || rest < 10), "{outcomes} against {with}");
    let worked = outcomes["families_worked_with"].as_u64();
    assert!(worked == Some(taken.len() as u64) || worked.is_none() && taken.len() < 10, "{outcomes}");
    assert!(outcomes["rule"].as_str().unwrap().contains("six months"));
}

/// Cost-benefit in the Unit Cost Database's form: with the partnership's
/// unit values beside its configuration, each valued outcome is worth the
/// families with it achieved (as published) times its unit value, the
/// totals are the sums of the values shown, and an outcome achieved
/// without a value is listed as not valued; without them famgraph values
/// nothing. The averages stand on the published cost and count, and a bad
/// unit value stops the run saying where.
#[test]
fn the_value_of_outcomes_is_the_families_times_the_partnerships_unit_values() {
    use std::fmt::Write as _;
    let dir = TempDir::new("outcome-values");
    let (bundle, truth, _) = synth_with_earlier(&dir, 600, 5, 12);
    let decisions = dir.join("decisions.jsonl");
    std::fs::copy(truth.join("decisions.jsonl"), &decisions).unwrap();
    let data = bundle.to_str().unwrap();
    let evidence = |config: Option<&std::path::Path>| -> serde_json::Value {
        let mut args = vec!["evidence", "--data", data, "--decisions", decisions.to_str().unwrap()];
        if let Some(config) = config {
            args.extend(["--config", config.to_str().unwrap()]);
        }
        serde_json::from_str(&famgraph_ok(&args)).unwrap()
    };

    // The bundled form values nothing: every outcome achieved is listed
    // as not valued, none counted as worth nothing.
    let plain = evidence(None);
    let cb = &plain["cost_benefit"];
    assert_eq!(cb["unit_values"].as_array().unwrap().len(), 30);
    assert!(cb["unit_values"].as_array().unwrap().iter().all(|v| v["value_gbp"].is_null()));
    assert_eq!(cb["outcome_values"].as_array().unwrap().len(), 0);
    let achieved: Vec<&str> = plain["outcomes"]["by_need"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["families"] != 0)
        .map(|n| n["need"].as_str().unwrap())
        .collect();
    assert!(!achieved.is_empty());
    let not_valued: Vec<&str> =
        cb["outcomes_not_valued"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(not_valued, achieved);
    for kind in ["fiscal", "economic", "social"] {
        assert!(cb["value_of_outcomes_gbp"][kind].is_null(), "{cb}");
    }
    // The averages divide the published cost by the published count.
    let gbp = |v: &serde_json::Value| v.as_f64().unwrap();
    let average = gbp(&plain["annual_cost_gbp"]) / gbp(&plain["families_with_needs"]);
    assert!((gbp(&cb["average_annual_cost_per_family_gbp"]) - (average / 10.0).round() * 10.0).abs() < 1e-9, "{cb}");
    let three = gbp(&cb["annual_cost_of_families_with_three_or_more_needs_gbp"]);
    assert!(three > 0.0 && three <= gbp(&plain["annual_cost_gbp"]));
    assert!(cb["families_with_duplicated_keyworker_time"].as_u64().unwrap() > 0, "{cb}");
    assert!(gbp(&cb["duplicated_keyworker_cost_gbp"]) > 0.0, "{cb}");
    assert_eq!(cb["assumptions"].as_array().unwrap().len(), 5);

    // The partnership's values: every achieved need valued at a test
    // figure, two types for the first.
    let config_dir = dir.join("config");
    std::fs::create_dir_all(&config_dir).unwrap();
    let config = config_dir.join("famgraph.toml");
    std::fs::write(&config, "").unwrap();
    let mut table = String::from("need,outcome,value_type,value_gbp,unit,source,price_year\n");
    for (i, need) in achieved.iter().enumerate() {
        writeln!(table, "{need},Outcome {i},fiscal,\"1,{i}00\",a year,Test figure not a published one,2024").unwrap();
    }
    writeln!(table, "{},Outcome 0,social,250.50,a year,Test figure,2023", achieved[0]).unwrap();
    std::fs::write(config_dir.join("unit-values.csv"), &table).unwrap();
    let valued = evidence(Some(&config));
    let cb = &valued["cost_benefit"];
    assert_eq!(cb["outcomes_not_valued"].as_array().unwrap().len(), 0, "{cb}");
    let values = cb["outcome_values"].as_array().unwrap();
    assert_eq!(values.len(), achieved.len() + 1);
    let mut totals: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for v in values {
        let need = v["need"].as_str().unwrap();
        let published = valued["outcomes"]["by_need"].as_array().unwrap().iter().find(|n| n["need"] == need).unwrap();
        assert_eq!(v["families"], published["families"], "{v}");
        let i = achieved.iter().position(|n| *n == need).unwrap();
        let unit = if v["value_type"] == "social" { 250.5 } else { 1000.0 + 100.0 * i as f64 };
        assert!((gbp(&v["unit_value_gbp"]) - unit).abs() < 1e-9, "{v}");
        match v["families"].as_u64() {
            Some(n) => {
                assert!((gbp(&v["value_gbp"]) - n as f64 * unit).abs() < 1e-6, "{v}");
                *totals.entry(v["value_type"].as_str().unwrap().to_owned()).or_default() += n as f64 * unit;
            }
            // Hidden with the count it stands on.
            None => assert!(v["value_gbp"].is_null(), "{v}"),
        }
        assert!(v["source"].as_str().unwrap().starts_with("Test figure"));
    }
    for (kind, total) in &totals {
        assert!((gbp(&cb["value_of_outcomes_gbp"][kind]) - total).abs() < 1e-6, "{kind}: {cb}");
    }
    assert!(cb["value_of_outcomes_gbp"]["economic"].is_null());
    // The costs do not depend on the values.
    for key in ["average_annual_cost_per_family_gbp", "duplicated_keyworker_cost_gbp"] {
        assert_eq!(cb[key], plain["cost_benefit"][key]);
    }

    // A value with no source stops the run, naming the file and the line.
    table.push_str("crime,Offending stopped,economic,900,a year,,2024\n");
    std::fs::write(config_dir.join("unit-values.csv"), &table).unwrap();
    let out = crate::util::famgraph(&["evidence", "--data", data, "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = table.lines().count();
    assert!(err.contains(&format!("unit-values.csv, line {line}: crime economic has a value but no source")), "{err}");
}
