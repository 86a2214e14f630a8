//! Small-number suppression on bundles whose counts are known by
//! construction, including one where hiding only the small count would let
//! it be worked out from the total.

use std::path::Path;

use crate::util::{HandBundle, TempDir, famgraph, famgraph_ok, letters};

const NEEDS: [&str; 3] = ["education", "health", "crime"];
const AREAS: [&str; 2] = ["ME4 4QS", "CT1 1AA"];

/// Writes a bundle of one-person families, none related: family `i` has
/// the first `needs_of(i)` needs and lives in `area_of(i)`. Each is born in
/// a year of their own: one agency's records of namesakes a letter apart,
/// born the same day on one street, would be one person held twice.
fn bundle(dir: &Path, n: usize, needs_of: impl Fn(usize) -> usize, area_of: impl Fn(usize) -> usize) {
    let mut bundle = HandBundle::new(&NEEDS);
    for i in 0..n {
        let family = format!("Test{}", letters(i));
        let born = format!("{}-{:02}-{}", 1930 + i, 1 + i % 12, 10 + i % 18);
        bundle.person(i, ("Alex", &family), &born, (i + 1, AREAS[area_of(i)]), &NEEDS[..needs_of(i)]);
    }
    bundle.write(dir);
}

fn evidence(dir: &Path, threshold: u64) -> serde_json::Value {
    let out =
        famgraph_ok(&["evidence", "--data", dir.to_str().unwrap(), "--suppression-threshold", &threshold.to_string()]);
    serde_json::from_str(&out).unwrap()
}

/// 35 families: 3 with one need, 12 with two, 20 with three; 7 in CT1,
/// 28 in ME4.
fn thirty_five(dir: &Path) {
    bundle(
        dir,
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
    // Hiding only the 3 families with one need would leave it as 35 - 12 - 20.
    thirty_five(&b);
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
    // Every involvement began on 2024-01-01: the trend's last quarter has
    // all 35 families, the seven before it none.
    let quarters = e["by_quarter"].as_array().unwrap();
    assert_eq!(quarters[7]["quarter"], "2024 Q1");
    assert_eq!(
        (&quarters[7]["families_worked_with"], &quarters[7]["families_with_new_involvements"]),
        (&35.into(), &35.into())
    );
    assert!(quarters[..7].iter().all(|q| q["families_worked_with"] == 0), "{quarters:?}");

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

/// NHS Digital's rule since 2018: 1 to 7 hidden, the rest rounded to the
/// nearest 5, from the CLI and from a server's aggregates alike.
#[test]
fn counts_can_be_rounded_as_nhs_digital_does() {
    let dir = TempDir::new("suppression-rounded");
    let b = dir.join("bundle");
    thirty_five(&b);
    let args = ["--suppression-threshold", "8", "--round-to", "5"];
    let out = famgraph_ok(&[&["evidence", "--data", b.to_str().unwrap()][..], &args].concat());
    let e: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((&e["suppression_threshold"], &e["rounded_to"]), (&8.into(), &5.into()));
    assert_eq!(e["families_with_needs"], 35);
    // 7 is hidden, so 28 must go too (35 - 28 = 7); 20 is shown as 20.
    assert_eq!((bucket(&e, "by_area", "CT1"), bucket(&e, "by_area", "ME4")), (None, None), "{e}");
    assert_eq!(bucket(&e, "by_number_of_needs", "3"), Some(20));
    assert_eq!(e["by_quarter"][7]["families_worked_with"], 35);
    // 12 families have two needs, shown rounded where published.
    let by_need = e["by_need"].as_array().unwrap();
    let health = by_need.iter().find(|n| n["need"] == "health").unwrap();
    assert_eq!(health["families"], 30, "32 families have health and education: {health}");
    crate::util::every_count(&e, &mut |key, n| assert!(n % 5 == 0, "{key} = {n} is not rounded"));

    // A server with the same rule shows a bid writer what the CLI shows,
    // and rounds the overlap matrix too.
    let sample = crate::util::sample_bundle();
    let out = famgraph_ok(&[&["evidence", "--data", sample.to_str().unwrap()][..], &args].concat());
    let e: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tokens = dir.join("tokens");
    let token = crate::util::token(&tokens, "bea", "bid_writer");
    let server = crate::util::Server::start(
        &[&["--data", sample.to_str().unwrap(), "--tokens", tokens.to_str().unwrap()][..], &args].concat(),
    );
    let (status, served) = server.get("/api/v1/evidence", Some(token.trim()));
    assert_eq!(status, 200);
    assert_eq!(served, e);
    let (_, cohorts) = server.get("/api/v1/cohorts", Some(token.trim()));
    assert_eq!((&cohorts["suppressed_below"], &cohorts["rounded_to"]), (&8.into(), &5.into()));
    let (_, overlaps) = server.get("/api/v1/overlaps", Some(token.trim()));
    assert!(overlaps["pairs"].as_array().unwrap().len() > 10, "{overlaps}");
    for document in [&served, &cohorts, &overlaps] {
        crate::util::every_count(document, &mut |key, n| assert!(n % 5 == 0 && (n == 0 || n >= 8), "{key} = {n}"));
    }
}

/// Three families are too few to publish in any quarter, and so is what
/// was spent on them.
#[test]
fn a_small_quarter_is_hidden_with_its_spend() {
    let dir = TempDir::new("suppression-trend");
    let b = dir.join("bundle");
    bundle(&b, 3, |_| 2, |_| 0);
    let e = evidence(&b, 5);
    let last = &e["by_quarter"][7];
    assert!(last["families_worked_with"].is_null() && last["cost_gbp"].is_null(), "{last}");
    assert!(last["families_with_new_involvements"].is_null(), "{last}");
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

/// The quarterly trend counts the families famgraph linked, as its own
/// export lets anyone count them with DuckDB; small counts are hidden,
/// and so is the spend on them.
#[test]
fn the_quarterly_trend_counts_what_the_export_shows() {
    let dir = TempDir::new("trend");
    let bundle = crate::util::sample_bundle();
    let exported = crate::util::export(&dir, &bundle);
    let evidence = evidence(&bundle, 5);
    let quarters = evidence["by_quarter"].as_array().unwrap();
    assert_eq!(quarters.len(), 8);
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "WITH p AS (SELECT * FROM read_csv('{people}', all_varchar = true)),
              f AS (SELECT * FROM read_csv('{families}', all_varchar = true)),
              i AS (SELECT agency, record_id, CAST(start_date AS DATE) AS s, CAST(end_date AS DATE) AS e
                    FROM read_csv('{involvements}', all_varchar = true))
         SELECT count(DISTINCT f.family_id) FILTER (WHERE i.s <= CAST(? AS DATE) AND coalesce(i.e, CAST(? AS DATE)) >= CAST(? AS DATE)),
                count(DISTINCT f.family_id) FILTER (WHERE i.s BETWEEN CAST(? AS DATE) AND CAST(? AS DATE))
         FROM i JOIN p USING (agency, record_id) JOIN f USING (person_id)",
        people = exported.join("people.csv").display(),
        families = exported.join("families.csv").display(),
        involvements = bundle.join("involvements.csv").display(),
    );
    let as_of = evidence["as_of"].as_str().unwrap();
    for quarter in quarters {
        let (from, to) = (quarter["from"].as_str().unwrap(), quarter["to"].as_str().unwrap());
        let (worked_with, began): (u64, u64) = conn
            .query_row(&sql, duckdb::params![to, as_of, from, from, to], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap();
        let shown = |n: u64| if (1..5).contains(&n) { serde_json::Value::Null } else { n.into() };
        assert_eq!(quarter["families_worked_with"], shown(worked_with), "{quarter}");
        assert_eq!(quarter["families_with_new_involvements"], shown(began), "{quarter}");
        assert_eq!(quarter["cost_gbp"].is_null(), quarter["families_worked_with"].is_null(), "{quarter}");
        assert!(worked_with > 50, "{quarter}");
    }
}

/// The evidence as CSV for a bid's spreadsheet: one figure a row, the
/// same figures as the JSON, `[c]` wherever the JSON has null; from the
/// CLI and from the server alike.
#[test]
fn the_evidence_comes_as_csv_for_a_bid() {
    let dir = TempDir::new("suppression-csv");
    let b = dir.join("bundle");
    thirty_five(&b);
    let data = b.to_str().unwrap();
    let e = evidence(&b, 10);
    let csv = famgraph_ok(&["evidence", "--data", data, "--suppression-threshold", "10", "--format", "csv"]);
    assert!(csv.starts_with("table,key,label,measure,value,period\n"), "{csv}");
    // Read back by DuckDB's CSV reader, as a spreadsheet would.
    let file = dir.join("evidence.csv");
    std::fs::write(&file, &csv).unwrap();
    let rows = crate::util::read_csv(&file);
    let value = |table: &str, key: &str, measure: &str| {
        let row = rows
            .iter()
            .find(|r| (r["table"].as_str(), r["key"].as_str(), r["measure"].as_str()) == (table, key, measure));
        row.unwrap_or_else(|| panic!("no {table} {key} {measure} in {csv}"))["value"].clone()
    };
    // A JSON figure as the CSV writes it: whole pounds without a `.0`.
    let json = |v: &serde_json::Value| v.as_f64().map_or("[c]".to_owned(), |n| n.to_string());
    assert_eq!(value("about", "suppression_threshold", "count"), "10");
    assert_eq!(value("families", "families_with_needs", "families"), json(&e["families_with_needs"]));
    assert_eq!(value("families", "families_with_needs_now", "families"), json(&e["families_with_needs_now"]));
    // Each figure says what it counts: now, or the window by name.
    let period = |table: &str, key: &str, measure: &str| {
        rows.iter()
            .find(|r| (r["table"].as_str(), r["key"].as_str(), r["measure"].as_str()) == (table, key, measure))
            .map(|r| r["period"].clone())
            .unwrap()
    };
    assert_eq!(period("families", "families_with_needs", "families"), "the last two years");
    assert_eq!(period("families", "families_with_needs_now", "families"), "now");
    assert_eq!(period("by_need", "crime", "families_now"), "now");
    assert_eq!(period("by_need", "crime", "annual_cost_gbp"), "the year to the extract date");
    assert_eq!(value("families", "annual_cost_gbp", "gbp"), json(&e["annual_cost_gbp"]));
    for need in e["by_need"].as_array().unwrap() {
        let code = need["need"].as_str().unwrap();
        assert_eq!(value("by_need", code, "families"), json(&need["families"]));
        assert_eq!(value("by_need", code, "families_now"), json(&need["families_now"]));
        assert_eq!(value("by_need", code, "annual_cost_gbp"), json(&need["annual_cost_gbp"]));
    }
    for (list, key) in [("by_number_of_needs", "1"), ("by_area", "CT1"), ("by_area", "ME4")] {
        assert_eq!(value(list, key, "families"), bucket(&e, list, key).map_or("[c]".into(), |n| n.to_string()));
    }
    assert_eq!(value("by_area", "CT1", "families"), "[c]", "7 is under 10");
    let q = &e["by_quarter"][7];
    let quarter = q["quarter"].as_str().unwrap();
    assert_eq!(value("by_quarter", quarter, "families_worked_with"), json(&q["families_worked_with"]));
    let incomplete = e["incomplete_quarters"].as_array().unwrap().len();
    assert_eq!(
        rows.len(),
        e["by_programme"].as_array().unwrap().len()
            + 4 * incomplete
            + 3
            + 11
            + 3 * 10
            + e["by_number_of_needs"].as_array().unwrap().len()
            // Families and children in each of the two areas, and each
            // need in each.
            + 2 * 2
            + 2 * 10
            + 4 * 8
            // Cost-benefit's five figures, and the unit values' form: ten
            // needs by three types, four cells each.
            + 5
            + 4 * 30
    );

    // The server's, for any role (a bid writer here): the same document.
    let tokens = dir.join("tokens");
    let token = crate::util::token(&tokens, "bea", "bid_writer");
    let server = crate::util::Server::start(&[
        "--data",
        data,
        "--tokens",
        tokens.to_str().unwrap(),
        "--suppression-threshold",
        "10",
    ]);
    let (status, body) = server.get("/api/v1/evidence?format=csv", Some(token.trim()));
    assert_eq!((status, body.as_str()), (200, Some(csv.as_str())));
    let (status, body) = server.get("/api/v1/evidence?format=xlsx", Some(token.trim()));
    assert_eq!(status, 400, "{body}");
}

/// The zip of CSVs behind the evidence pack, as a bid writer downloads
/// it: a CSV a table holding every figure of the long CSV in its cell and
/// nothing else, `[c]` where the JSON hides one, a README saying what was
/// applied, no family named; the CLI's zip is the same bytes.
#[test]
fn the_evidence_pack_comes_as_a_zip_of_csvs_a_table() {
    use std::io::Read as _;
    let dir = TempDir::new("suppression-zip");
    let (bundle, _) = crate::util::synth(&dir, 300, 8, 0);
    let data = bundle.to_str().unwrap();
    let tokens = dir.join("tokens");
    let bea = crate::util::token(&tokens, "bea", "bid_writer");
    let cora = crate::util::token(&tokens, "cora", "coordinator");
    let server = crate::util::Server::start(&["--data", data, "--tokens", tokens.to_str().unwrap()]);
    let (status, kind, bytes) = server.get_bytes("/api/v1/evidence?format=zip", Some(&bea));
    assert_eq!((status, kind.as_str()), (200, "application/zip"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        files.insert(file.name().unwrap().to_string(), text);
    }
    for name in [
        "README.txt",
        "evidence.csv",
        "families.csv",
        "by_need.csv",
        "by_area.csv",
        "by_programme.csv",
        "by_quarter.csv",
    ] {
        assert!(files.contains_key(name), "no {name} in {:?}", files.keys());
    }
    let (_, long) = server.get("/api/v1/evidence?format=csv", Some(&bea));
    assert_eq!(files["evidence.csv"], long.as_str().unwrap());
    let readme = &files["README.txt"];
    assert!(readme.contains("Counts below 5 are hidden and shown as [c]"), "{readme}");
    let evidence = server.get("/api/v1/evidence", Some(&bea)).1;
    assert!(readme.contains(evidence["window"]["from"].as_str().unwrap()), "{readme}");

    // Every figure of the long CSV is in its table's CSV, at its key's row
    // and its measure's column, and no cell is there that the long CSV
    // lacks.
    let parse = |text: &str| {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        (header, rows)
    };
    let (_, long_rows) = parse(&files["evidence.csv"]);
    let mut cells = 0;
    let mut hidden = 0;
    for (name, text) in
        files.iter().filter(|(n, _)| Path::new(n).extension().is_some_and(|e| e == "csv") && *n != "evidence.csv")
    {
        let (header, rows) = parse(text);
        assert_eq!(&header[..2], ["key", "label"], "{name}");
        let table = name.trim_end_matches(".csv");
        // A figure's period: the row's, or its own column's beside it.
        let one_period = header[2] == "period";
        for row in &rows {
            let figures: Vec<(&String, &String, &String)> = if one_period {
                header[3..].iter().zip(&row[3..]).map(|(m, v)| (m, v, &row[2])).collect()
            } else {
                header[2..]
                    .iter()
                    .zip(&row[2..])
                    .step_by(2)
                    .zip(row[3..].iter().step_by(2))
                    .map(|((m, v), p)| (m, v, p))
                    .collect()
            };
            for (measure, value, period) in figures.into_iter().filter(|(_, v, _)| !v.is_empty()) {
                let want = long_rows
                    .iter()
                    .find(|r| r[0] == table && r[1] == row[0] && r[2] == row[1] && r[3] == *measure)
                    .unwrap_or_else(|| panic!("{name}: {row:?} {measure} is not in the long CSV"));
                assert_eq!((&want[4], &want[5]), (value, period), "{name} {row:?} {measure}");
                cells += 1;
                hidden += usize::from(value == "[c]");
            }
        }
    }
    // (An empty figure, as a unit value's price year not yet given, is an
    // empty cell in both.)
    assert_eq!(cells, long_rows.iter().filter(|r| !r[4].is_empty()).count(), "every figure once");
    assert!(hidden > 0, "a 300-family bundle has small cells, hidden in the zip too");
    // Each hidden figure is a null in the JSON.
    let json_hidden = evidence.to_string().matches("null").count();
    assert!(json_hidden >= hidden, "{json_hidden} nulls in the JSON, {hidden} hidden cells in the zip");

    // No family the coordinator's shortlist names is in any file.
    let list = server.get("/api/v1/families?limit=500", Some(&cora)).1;
    let all: String = files.values().map(String::as_str).collect();
    for family in list["families"].as_array().unwrap() {
        let id = family["family_id"].as_str().unwrap();
        assert!(!all.contains(id), "{id} in the bid writer's zip");
    }

    // The CLI writes the same zip.
    let out = famgraph(&["evidence", "--data", data, "--format", "zip"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, bytes, "the CLI's zip and the server's");
    let (status, body) = server.get("/api/v1/evidence?format=xlsx", Some(&bea));
    assert_eq!(status, 400);
    assert!(body.to_string().contains("json, csv or zip"), "{body}");
}

/// No hidden cell a bid writer sees can be pinned by arithmetic over what
/// is published, within one answer or across two: the families worked
/// with (`/api/v1/changes`) are the families taken on plus those closed
/// (`/api/v1/evidence`); the areas add up to the families with needs, and
/// so do the buckets by number of needs; the needs' costs add up to the
/// total cost; each cost and average of cost and value goes with its count.
#[test]
fn no_hidden_cell_is_pinned_by_any_total_remainder_or_sum_across_endpoints() {
    let dir = TempDir::new("suppression-across");
    let (later, _, earlier) = crate::util::synth_with_earlier(&dir, 300, 21, 6);
    let (later_arg, earlier_arg) = (later.to_str().unwrap(), earlier.to_str().unwrap());
    let tokens = dir.join("tokens");
    let cora = crate::util::token(&tokens, "cora", "coordinator");
    let bea = crate::util::token(&tokens, "bea", "bid_writer");
    let decisions = dir.join("decisions.jsonl");
    let server = crate::util::Server::start(&[
        "--data",
        later_arg,
        "--previous",
        earlier_arg,
        "--tokens",
        tokens.to_str().unwrap(),
        "--decisions",
        decisions.to_str().unwrap(),
    ]);
    // Seven families taken on and two closed: the two are a small count,
    // and worked_with less taken_on would give it away.
    let list = server.get("/api/v1/families?limit=9", Some(&cora)).1;
    for (i, family) in list["families"].as_array().unwrap().iter().enumerate() {
        let decision = if i < 7 { "taken_on" } else { "closed" };
        let body = serde_json::json!({ "decision": decision, "note": "" }).to_string();
        let (status, answer) = server.post_json(
            &format!("/api/v1/families/{}/decision", family["family_id"].as_str().unwrap()),
            Some(&cora),
            &body,
        );
        assert_eq!(status, 200, "{answer}");
    }
    let evidence = server.get("/api/v1/evidence", Some(&bea)).1;
    let changes = server.get("/api/v1/changes", Some(&bea)).1;
    let threshold = evidence["suppression_threshold"].as_u64().unwrap();
    let decided = |code: &str| {
        evidence["by_decision"].as_array().unwrap().iter().find(|d| d["decision"] == code).unwrap()["families"].as_u64()
    };
    let (taken_on, closed, worked_with) =
        (decided("taken_on"), decided("closed"), changes["worked_with"]["families"].as_u64());
    assert_eq!(closed, None, "two closed: hidden");
    assert!(
        taken_on.is_none() || worked_with.is_none(),
        "worked with {worked_with:?} less taken on {taken_on:?} would show the closed"
    );
    // Within `families_with_outcomes` and its complement too.
    let with = changes["worked_with"]["families_with_outcomes"].as_u64();
    assert!(
        with.is_none()
            || worked_with.is_none()
            || with.unwrap() + threshold <= worked_with.unwrap()
            || with == worked_with
    );

    // Every relation within the evidence: hidden parts are never one alone,
    // and what they add up to is never a small number.
    let total = evidence["families_with_needs"].as_u64().unwrap();
    for list in ["by_area", "by_number_of_needs"] {
        let parts: Vec<Option<u64>> =
            evidence[list].as_array().unwrap().iter().map(|b| b["families"].as_u64()).collect();
        let hidden = parts.iter().filter(|p| p.is_none()).count();
        let hidden_sum = total - parts.iter().flatten().sum::<u64>();
        assert_ne!(hidden, 1, "{list}: {parts:?}");
        assert!(hidden_sum == 0 || hidden_sum >= threshold, "{list}: the hidden add up to {hidden_sum}: {parts:?}");
    }
    // The needs' costs: none hidden alone beside a published total.
    if evidence["annual_cost_gbp"].as_f64().is_some() {
        let costs: Vec<Option<f64>> =
            evidence["by_need"].as_array().unwrap().iter().map(|n| n["annual_cost_gbp"].as_f64()).collect();
        assert_ne!(costs.iter().filter(|c| c.is_none()).count(), 1, "{costs:?}");
        for need in evidence["by_need"].as_array().unwrap() {
            if need["families"].is_null() {
                assert!(need["annual_cost_gbp"].is_null(), "a hidden count's cost is hidden too: {need}");
            }
        }
    }
    // Cost and value: each cost and average is hidden exactly when the
    // count it stands on is, so none gives a hidden count away.
    let cb = &evidence["cost_benefit"];
    let three = &evidence["families_with_three_or_more_needs"];
    for (figure, count) in [
        ("average_annual_cost_per_family_gbp", &evidence["families_with_needs"]),
        ("annual_cost_of_families_with_three_or_more_needs_gbp", three),
        ("average_annual_cost_per_family_with_three_or_more_needs_gbp", three),
        ("duplicated_keyworker_cost_gbp", &cb["families_with_duplicated_keyworker_time"]),
    ] {
        assert_eq!(cb[figure].is_null(), count.is_null(), "{figure}: {cb}");
    }
}

/// The agencies' extracts end on different days: a quarter some of them
/// end before is kept out of the trend and shown apart as incomplete, so
/// the sample's last quarter (no new offending: not yet recorded) is no
/// fall.
#[test]
fn a_quarter_an_extract_ends_in_is_kept_out_of_the_trend() {
    let sample = crate::util::sample_bundle();
    let e: serde_json::Value =
        serde_json::from_str(&famgraph_ok(&["evidence", "--data", sample.to_str().unwrap()])).unwrap();
    let earliest = crate::util::read_csv(&sample.join("agencies.csv"))
        .into_iter()
        .map(|r| r["extracted_on"].clone())
        .min()
        .unwrap();
    let trend = e["by_quarter"].as_array().unwrap();
    assert_eq!(trend.len(), 8);
    for q in trend {
        assert!(q["complete"] == true && q["to"].as_str().unwrap() <= earliest.as_str(), "{q}");
    }
    let apart = e["incomplete_quarters"].as_array().unwrap();
    assert!(!apart.is_empty(), "the sample's agencies end their extracts on different days");
    for q in apart {
        assert!(q["complete"] == false && q["to"].as_str().unwrap() > earliest.as_str(), "{q}");
    }
    // The next quarter after the trend's last.
    assert!(apart[0]["from"].as_str().unwrap() > trend[7]["to"].as_str().unwrap());
}

/// Rates per 1,000 where the partnership gives its area denominators
/// (`areas.csv` beside `--config`): the counts shown over the
/// denominators, in the JSON and the CSV; without them, counts only and a
/// note saying so; a bad file stops the run, naming the line. Needs by
/// area add up, per need, to the need's families and are parts of their
/// area's: no hidden cell is alone in, or pinned by, either sum.
#[test]
fn rates_per_1000_stand_on_the_partnerships_denominators_and_needs_by_area_add_up() {
    let dir = TempDir::new("evidence-areas");
    let (bundle, _) = crate::util::synth(&dir, 300, 31, 0);
    let data = bundle.to_str().unwrap();
    let plain: serde_json::Value = serde_json::from_str(&famgraph_ok(&["evidence", "--data", data])).unwrap();
    assert!(plain["rates_note"].as_str().unwrap().starts_with("counts only"), "{}", plain["rates_note"]);
    let areas = plain["by_area"].as_array().unwrap();
    assert!(areas.iter().all(|a| a["families_per_1000_households"].is_null() && a.get("denominators").is_none()));

    // Denominators for every district but one.
    let districts: Vec<&str> = areas.iter().map(|a| a["key"].as_str().unwrap()).filter(|k| *k != "unknown").collect();
    assert!(districts.len() >= 3, "{districts:?}");
    let mut csv = "area,households,children,source,year\n".to_owned();
    for (i, d) in districts.iter().skip(1).enumerate() {
        use std::fmt::Write as _;
        writeln!(csv, "{},{},{},Test census,2021", d.to_lowercase(), 1000 * (i + 2), 300 * (i + 2)).unwrap();
    }
    let config_dir = dir.join("partnership");
    std::fs::create_dir_all(&config_dir).unwrap();
    let config = config_dir.join("famgraph.toml");
    std::fs::write(&config, "# defaults\n").unwrap();
    std::fs::write(config_dir.join("areas.csv"), &csv).unwrap();
    let config = config.to_str().unwrap();
    let e: serde_json::Value =
        serde_json::from_str(&famgraph_ok(&["evidence", "--data", data, "--config", config])).unwrap();
    assert_eq!(e["rates_note"].as_str().unwrap().matches("Test census (2021)").count(), 1, "{}", e["rates_note"]);
    let mut rated = 0;
    for area in e["by_area"].as_array().unwrap() {
        let Some(d) = area.get("denominators") else {
            assert!(area["families_per_1000_households"].is_null(), "{area}");
            continue;
        };
        let rate = |count: &serde_json::Value, of: &serde_json::Value| {
            count.as_u64().map(|n| (n as f64 * 1000.0 / of.as_u64().unwrap() as f64 * 10.0).round() / 10.0)
        };
        assert_eq!(area["families_per_1000_households"].as_f64(), rate(&area["families"], &d["households"]), "{area}");
        assert_eq!(area["children_per_1000_children"].as_f64(), rate(&area["children"], &d["children"]), "{area}");
        rated += usize::from(area["families_per_1000_households"].is_f64());
    }
    assert!(rated >= 2, "{e}");
    let csv_out = famgraph_ok(&["evidence", "--data", data, "--config", config, "--format", "csv"]);
    let area = e["by_area"].as_array().unwrap().iter().find(|a| a["families_per_1000_households"].is_f64()).unwrap();
    let line = format!(
        "by_area,{},postcode district,families_per_1000_households,{},",
        area["key"].as_str().unwrap(),
        area["families_per_1000_households"].as_f64().unwrap()
    );
    assert!(csv_out.lines().any(|l| l.starts_with(&line)), "no {line} in {csv_out}");

    // Needs by area: per need, the areas add up to the need's families;
    // per area, each need is a part of its families.
    let threshold = e["suppression_threshold"].as_u64().unwrap();
    let cells = e["by_area_need"].as_array().unwrap();
    for need in e["by_need"].as_array().unwrap() {
        let parts: Vec<Option<u64>> =
            cells.iter().filter(|c| c["need"] == need["need"]).map(|c| c["families"].as_u64()).collect();
        if let Some(total) = need["families"].as_u64() {
            let hidden = parts.iter().filter(|p| p.is_none()).count();
            let hidden_sum = total - parts.iter().flatten().sum::<u64>();
            assert_ne!(hidden, 1, "{}: {parts:?}", need["need"]);
            assert!(hidden_sum == 0 || hidden_sum >= threshold, "{}: hidden add up to {hidden_sum}", need["need"]);
        }
    }
    for area in e["by_area"].as_array().unwrap() {
        let mine = cells.iter().filter(|c| c["area"] == area["key"]);
        for cell in mine {
            if let (Some(n), Some(of)) = (cell["families"].as_u64(), area["families"].as_u64()) {
                assert!(n <= of, "{cell} in {area}");
                // What the area's families less this need leave is no
                // small number either.
                assert!(of - n == 0 || of - n >= threshold, "{cell} {area}");
            }
        }
    }
    assert!(cells.iter().any(|c| c["families"].is_null()), "nothing hidden to check: {e}");
    assert!(cells.iter().any(|c| c["families"].as_u64() > Some(0)), "{e}");

    // A bad file stops the run and says where.
    std::fs::write(config_dir.join("areas.csv"), "area,households,children,source,year\nME4,lots,1,x,2021\n").unwrap();
    let out = famgraph(&["evidence", "--data", data, "--config", config]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("areas.csv, line 2: `households` is \"lots\", not a whole number"), "{stderr}");
}

/// The evidence's charts are drawn from the figures as published: every
/// value a chart gives is the evidence's, every hidden one is drawn as
/// hidden (`c`) with no number, and each says its period and source; a
/// bid writer may fetch them, and an unknown chart is a 404.
#[test]
fn the_charts_show_only_the_published_figures() {
    let dir = TempDir::new("evidence-charts");
    let (bundle, _) = crate::util::synth(&dir, 200, 41, 0);
    let tokens = dir.join("tokens");
    let bea = crate::util::token(&tokens, "bea", "bid_writer");
    let server =
        crate::util::Server::start(&["--data", bundle.to_str().unwrap(), "--tokens", tokens.to_str().unwrap()]);
    let (status, e) = server.get("/api/v1/evidence", Some(&bea));
    assert_eq!(status, 200);
    let svg = |name: &str| {
        let headers = server.headers(&format!("/api/v1/evidence/charts/{name}.svg"), Some(&bea));
        assert_eq!(headers["content-type"], "image/svg+xml");
        let (status, body) = server.get(&format!("/api/v1/evidence/charts/{name}.svg"), Some(&bea));
        assert_eq!(status, 200);
        body.as_str().unwrap().to_owned()
    };

    let trend = svg("trend");
    assert!(trend.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{trend}");
    let quarters = e["by_quarter"].as_array().unwrap();
    let (first, last) = (&quarters[0], &quarters[quarters.len() - 1]);
    assert!(trend.contains(&format!("{} to {}", first["from"].as_str().unwrap(), last["to"].as_str().unwrap())));
    assert!(trend.contains(&format!("extracts to {}", e["as_of"].as_str().unwrap())), "{trend}");
    let mut hidden = 0;
    for q in quarters {
        let quarter = q["quarter"].as_str().unwrap();
        for (series, key) in [
            ("Families worked with", "families_worked_with"),
            ("Families with a new involvement", "families_with_new_involvements"),
            ("Families with new offending", "families_with_new_offending"),
        ] {
            let drawn = format!("<title>{quarter} {series}: ");
            match q[key].as_u64() {
                Some(n) => assert!(trend.contains(&format!("{drawn}{n}</title>")), "{quarter} {series} {n}"),
                None => {
                    assert!(!trend.contains(&drawn), "{quarter} {series} is hidden but drawn");
                    hidden += 1;
                }
            }
        }
    }
    assert_eq!(trend.matches(">c</text>").count(), hidden, "{trend}");
    // The incomplete quarters are left out, and the chart says so.
    for q in e["incomplete_quarters"].as_array().unwrap() {
        assert!(!trend.contains(&format!(">{}</text>", q["quarter"].as_str().unwrap())), "{trend}");
    }

    let grid = svg("needs_by_area");
    let cells = e["by_area_need"].as_array().unwrap();
    let hidden = cells.iter().filter(|c| c["families"].is_null()).count();
    assert!(hidden > 0, "nothing hidden to check");
    assert_eq!(grid.matches(">c</text>").count(), hidden, "{grid}");
    assert!(grid.contains(e["window"]["words"].as_str().unwrap()), "{grid}");
    // Every number drawn in a cell is a published cell's.
    let shown: std::collections::BTreeSet<String> =
        cells.iter().filter_map(|c| c["families"].as_u64()).map(|n| format!(">{n}</text>")).collect();
    let drawn: Vec<&str> = grid
        .split("stroke=\"#fff\"/><text")
        .skip(1)
        .map(|piece| &piece[piece.find('>').unwrap()..piece.find("</text>").unwrap() + 7])
        .collect();
    assert_eq!(drawn.len(), cells.len(), "a cell drawn for each");
    for value in drawn {
        assert!(value == ">c</text>" || shown.contains(value), "{value} is no published cell");
    }

    // The overlaps: each pair once, as the bid writer's overlap view has it.
    let (status, view) = server.get("/api/v1/overlaps", Some(&bea));
    assert_eq!(status, 200);
    let grid = svg("overlaps");
    let pairs = view["pairs"].as_array().unwrap();
    let drawn: Vec<&str> = grid
        .split("stroke=\"#fff\"/><text")
        .skip(1)
        .map(|piece| &piece[piece.find('>').unwrap() + 1..piece.find("</text>").unwrap()])
        .collect();
    assert_eq!(drawn.len(), pairs.len(), "a cell for each pair");
    let mut published: Vec<String> = pairs
        .iter()
        .map(|p| p["concurrent"]["households"].as_u64().map_or("c".to_owned(), |n| n.to_string()))
        .collect();
    let mut drawn: Vec<String> = drawn.into_iter().map(str::to_owned).collect();
    published.sort();
    drawn.sort();
    assert_eq!(drawn, published);

    let (status, body) = server.get("/api/v1/evidence/charts/pie.svg", Some(&bea));
    assert_eq!(status, 404);
    assert!(body["error"]["message"].as_str().unwrap().contains("trend, needs_by_area, overlaps"), "{body}");
}
