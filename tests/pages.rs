//! The web pages in a real browser: headless Chromium opens each page on
//! a real server, runs its script and hands back the DOM the user would
//! see. A script error shows as the page's error paragraph, or as a page
//! without its tables and drawings.
//!
//! The corrections are pressed as a person would: Node.js (20.10 or
//! later, on the machine) drives Chromium over the `DevTools` protocol
//! (`tests/browser/correct.mjs`), answering the browser's prompts.
//!
//! `.ci/run` installs Chromium and sets `FAMGRAPH_REQUIRE_BROWSER=1`, so CI
//! always runs these; on a machine without Chromium (or Node.js) a test
//! says so and passes (install it with `apt-get install chromium`).

use std::path::PathBuf;
use std::process::Command;

use crate::util::{Server, TempDir};

pub(crate) fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path: Vec<PathBuf> = std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name)))
        .collect();
    let candidates = std::env::var_os("FAMGRAPH_CHROMIUM").map(PathBuf::from).into_iter().chain(on_path);
    let found = candidates.into_iter().find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("FAMGRAPH_REQUIRE_BROWSER").is_none(),
            "FAMGRAPH_REQUIRE_BROWSER is set but no Chromium was found (set FAMGRAPH_CHROMIUM)"
        );
        eprintln!("pages: no Chromium on this machine; the browser test is skipped (apt-get install chromium)");
    }
    found
}

/// Headless Chromium on one page, with a profile of its own, doing `what`
/// (dump the DOM, print to PDF) once the page's scripts have run.
fn headless(browser: &PathBuf, profile: &TempDir, url: &str, what: &[String]) -> std::process::Output {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
        ])
        .args(what)
        .arg(format!("--user-data-dir={}", profile.0.display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed on {url}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The DOM of one page after its script ran, opened signed in with `token`.
pub(crate) fn render(browser: &PathBuf, profile: &TempDir, url: &str) -> String {
    let out = headless(browser, profile, url, &["--dump-dom".to_owned()]);
    // What the scripts made (the page holds no script text of its own).
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_page_renders_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let server = Server::start(&[]);
    let token = server.token.clone().unwrap();
    // The page runs only this server's scripts and styles, none inline
    // (so the rendering below also proves the modules load under the
    // policy); nothing is cached anywhere.
    let first = &crate::util::sample_families()[0];
    let page_headers = server.headers(&format!("/families/{first}"), None);
    let policy = &page_headers["content-security-policy"];
    assert!(policy.contains("script-src 'self';") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let json_headers = server.headers(&format!("/api/v1/families/{first}"), Some(&token));
    for headers in [&page_headers, &json_headers] {
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
    }
    let profile = TempDir::new("chromium-profile");
    let page = |path: &str| {
        let dom = render(&browser, &profile, &format!("{}{path}#token={token}", server.base));
        assert!(!dom.contains("<p class=\"warn\">"), "{path} shows an error: {dom}");
        assert!(dom.contains("signed in as one-off (coordinator)"), "{path} did not sign in: {dom}");
        dom
    };

    // The shortlist: fifty families a page, each page saying which of how
    // many it shows, reaching every family; the filters chosen from lists.
    let list = server.get_ok("/api/v1/families?limit=100");
    let total = list["total"].as_u64().unwrap();
    assert!(total > 100);
    let ids: Vec<&str> =
        list["families"].as_array().unwrap().iter().map(|f| f["family_id"].as_str().unwrap()).collect();
    let on = |dom: &str, id: &str| dom.contains(&format!("<a href=\"/families/{id}\">{id}</a>"));
    let dom = page("/");
    assert!(ids[..50].iter().all(|id| on(&dom, id)) && !ids[50..].iter().any(|id| on(&dom, id)));
    assert!(dom.contains(&format!("Showing 1-50 of {total}")), "{dom}");
    assert!(dom.contains("<a href=\"/?page=2\">next</a>"), "{dom}");
    let second = page("/?page=2");
    assert!(ids[50..].iter().all(|id| on(&second, id)), "page 2");
    assert!(second.contains(&format!("Showing 51-100 of {total}")) && second.contains("previous"));
    assert!(dom.contains("name=\"keyworkers\""));
    assert!(dom.contains("<select name=\"agency\">") && dom.contains("<option value=\"police\">"), "agencies listed");
    assert!(dom.contains("<select name=\"area\">"));
    for r in list["families"][0]["reasons"].as_array().unwrap() {
        assert!(dom.contains(r["label"].as_str().unwrap()), "reasons in plain words: {r}");
        // What each reason counted, on hovering over it.
        assert!(dom.contains(&format!("title=\"{}\"", r["detail"].as_str().unwrap())), "{r}");
    }

    // A family: the genogram has a shape per member, the timeline a bar
    // per involvement of the last six years, and who works with it now.
    let id = list["families"][0]["family_id"].as_str().unwrap();
    let family = server.get_ok(&format!("/api/v1/families/{id}?explain=links"));
    let dom = page(&format!("/families/{id}"));
    let genogram = section(&dom, "aria-label=\"genogram");
    let shapes = genogram.matches("stroke-width=\"3\"").count();
    assert_eq!(shapes, family["members"].as_array().unwrap().len(), "{genogram}");
    let timeline = section(&dom, "aria-label=\"timeline of involvements\"");
    let as_of = family["as_of"].as_str().unwrap();
    let six_years_before = format!("{}{}", as_of[..4].parse::<i32>().unwrap() - 6, &as_of[4..]);
    let recent = family["involvements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["end_date"].as_str().unwrap_or(as_of) >= six_years_before.as_str())
        .count();
    assert_eq!(timeline.matches("<rect").count(), recent, "{timeline}");
    assert!(dom.contains("Working with the family now"));
    // Needs open now apart from those seen earlier in the window, and the
    // reasons in plain words with what each counts.
    let table = |marker: &str| dom.split(marker).nth(1).unwrap().split("</table>").next().unwrap().to_owned();
    let now = table("id=\"needs-now\"");
    for need in family["needs_now"].as_array().unwrap() {
        assert!(now.contains(&format!("<td>{}</td>", need["label"].as_str().unwrap())), "{need} not open now: {now}");
    }
    let earlier = table("id=\"needs-earlier\"");
    for need in family["needs"].as_array().unwrap() {
        let label = format!("<td>{}</td>", need["label"].as_str().unwrap());
        let open = family["needs_now"].as_array().unwrap().iter().any(|n| n["need"] == need["need"]);
        assert_eq!(earlier.contains(&label), !open, "{need}: {earlier}");
    }
    assert!(dom.contains("Needs seen in the last two years, closed now"));
    for reason in family["reasons"].as_array().unwrap() {
        assert!(dom.contains(&format!("<td>{}</td>", reason["label"].as_str().unwrap())), "{reason}");
    }
    // Each link between records can be split by the person who knows better.
    let links: usize = family["members"].as_array().unwrap().iter().map(|m| m["links"].as_array().unwrap().len()).sum();
    assert!(links > 0);
    assert_eq!(dom.matches("class=\"split\"").count(), links);
    // Each shows the two records' values side by side, a row per field.
    assert_eq!(dom.matches("<table class=\"sides\">").count(), links);
    let link = family["members"].as_array().unwrap().iter().find_map(|m| m["links"].as_array()?.first()).unwrap();
    let given = link["fields"].as_array().unwrap().iter().find(|f| f["field"] == "given_name").unwrap();
    let value = given["values"][0].as_str().unwrap();
    assert!(dom.contains(&format!("<tr><td>given name</td><td>{value}</td>")), "{value}");
    // And every member joined to a record famgraph left apart.
    assert_eq!(dom.matches("class=\"join\"").count(), family["members"].as_array().unwrap().len());
    for w in family["working_now"].as_array().unwrap() {
        assert!(dom.contains(&format!("<td>{}</td>", w["agency"].as_str().unwrap())), "{w}");
    }

    // The review queue: a row per item, each with its family.
    let queue = server.get_ok("/api/v1/review?limit=200");
    let dom = page("/review");
    let rows = dom.split("id=\"queue\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert_eq!(rows.matches("<tr>").count(), 1 + queue["items"].as_array().unwrap().len(), "{rows}");

    // Search: the box is on the page for a coordinator, and a name finds
    // its people, each with a link to the family.
    let surname = family["members"][0]["family_name"].as_str().unwrap();
    let dom = page(&format!("/search?q={surname}"));
    assert!(dom.contains("<form id=\"find\" action=\"/search\" method=\"get\">"), "{dom}");
    let found = server.get_ok(&format!("/api/v1/search?q={surname}&limit=50"));
    let table = dom.split("id=\"found\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert_eq!(table.matches("<tr>").count(), 1 + found["people"].as_array().unwrap().len(), "{table}");
    assert!(table.contains(&format!("<a href=\"/families/{id}\">{id}</a>")), "{table}");

    // The partnership's matrix, the evidence, the change since the earlier
    // load and the cohorts.
    let dom = page("/overlaps");
    assert!(dom.contains("<table class=\"matrix\">") && dom.contains("class=\"pick\""), "{dom}");
    let dom = page("/evidence");
    assert!(
        dom.contains("Quarter by quarter") && dom.contains("with three or more needs open now and no keyworker now")
    );
    assert!(dom.contains("Download every figure (CSV)"));
    // The server's charts, fetched with the token and shown (the page's
    // policy lets an image come from what its own script fetched).
    for chart in ["trend", "needs_by_area", "overlaps"] {
        let img = dom.split(&format!("id=\"chart-{chart}\"")).nth(1).and_then(|rest| rest.split('>').next());
        assert!(img.is_some_and(|img| img.contains("src=\"blob:")), "{chart}: {img:?}");
    }
    assert!(dom.contains("Needs by area") && dom.contains("Children in them"), "{dom}");
    let dom = page("/changes");
    assert!(dom.contains("families changed"), "{dom}");
    let dom = page("/cohorts");
    assert!(dom.contains("href=\"/cohorts/revolving_door\""), "{dom}");
    let dom = page("/cohorts/revolving_door");
    assert!(dom.contains("The shortlist of these families"), "{dom}");
    // The load report: a row per file, the repairs counted by reason.
    let report = server.get_ok("/api/v1/load-report");
    let dom = page("/load-report");
    for file in report["files"].as_array().unwrap() {
        let row = format!(
            "<td>{}</td><td>{}</td><td>{}</td>",
            file["file"].as_str().unwrap(),
            file["read"],
            file["accepted"]
        );
        assert!(dom.contains(&row), "{row} not in {dom}");
    }
    assert!(dom.contains(&format!("Repaired, with a warning ({})", report["warnings_total"])));
    // Each agency's records: how many carry each field, how many linked.
    let police = report["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "police").unwrap();
    let share = |key: &str| {
        let n = police[key].as_u64().unwrap();
        format!(
            "<td class=\"nowrap\">{n} <span class=\"muted\">({}%)</span></td>",
            (100.0 * n as f64 / police["records"].as_f64().unwrap()).round()
        )
    };
    let row = format!(
        "<td>{}</td><td>{}</td>{}{}",
        police["name"].as_str().unwrap(),
        police["records"],
        share("known_elsewhere"),
        share("with_date_of_birth")
    );
    assert!(dom.contains(&row), "{row} not in {dom}");
}

/// An admin's pages: the audit trail with the coordinator's requests in it.
#[test]
fn the_audit_trail_page_shows_an_admin_who_saw_what() {
    let Some(browser) = chromium() else { return };
    let dir = TempDir::new("pages-admin");
    let tokens = dir.join("tokens");
    let (cora, ada) = (crate::util::token(&tokens, "cora", "coordinator"), crate::util::token(&tokens, "ada", "admin"));
    // No hour is a working one: the coordinator's request is worth a look.
    let config = dir.join("famgraph.toml");
    std::fs::write(&config, "[audit]\nworking_hours = [0, 0]\n").unwrap();
    let server = Server::start(&["--tokens", tokens.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    let first = &crate::util::sample_families()[0];
    let (status, _) = server.get(&format!("/api/v1/families/{first}"), Some(&cora));
    assert_eq!(status, 200);
    let (status, _) = server.get(&format!("/api/v1/families/{first}"), Some(&ada));
    assert_eq!(status, 403);
    let profile = TempDir::new("chromium-profile-admin");
    let dom = render(&browser, &profile, &format!("{}/audit#token={ada}", server.base));
    assert!(!dom.contains("<p class=\"warn\">"), "{dom}");
    let served = format!(
        "<td>cora</td><td>coordinator</td><td>/api/v1/families/{{family_id}}</td><td>served</td>\
         <td><a href=\"/audit?family={first}\">{first}</a></td>"
    );
    assert!(dom.contains(&served), "{dom}");
    let denied = "<td>ada</td><td>admin</td><td>/api/v1/families/{family_id}</td><td>denied</td>";
    assert!(dom.contains(denied), "{dom}");
    assert!(dom.contains("<h3>Worth a look</h3>"), "{dom}");
    assert!(dom.contains("</td><td>coordinator</td><td>1 request for person-level data out of hours, "), "{dom}");
    // Who used it: a token's requests, refusals and families seen, each
    // opening its own entries.
    assert!(
        dom.contains(
            "<td><a href=\"/audit?token=cora\">cora</a></td><td>coordinator</td><td>1</td><td>0</td><td>1</td>"
        ),
        "{dom}"
    );
    assert!(dom.contains("<tr class=\"warn\"><td><a href=\"/audit?token=ada\">ada</a></td><td>admin</td>"), "{dom}");
    let dom = render(&browser, &profile, &format!("{}/audit?token=cora#token={ada}", server.base));
    assert!(dom.contains(&served) && !dom.contains(denied), "{dom}");
    // An admin is offered the audit trail and the load report, not the shortlist.
    assert!(dom.contains("<a href=\"/audit\" data-roles=\"admin\">Audit trail</a>"), "shown, not hidden");
    assert!(dom.contains("<a href=\"/\" data-roles=\"coordinator partnership\" hidden=\"\">Shortlist</a>"), "{dom}");
}

/// Node.js, to drive Chromium over the `DevTools` protocol.
fn node() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).map(|dir| dir.join("node")).find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("FAMGRAPH_REQUIRE_BROWSER").is_none(), "FAMGRAPH_REQUIRE_BROWSER is set but no node");
        eprintln!("pages: no Node.js on this machine; the click test is skipped");
    }
    found
}

/// Presses the first `selector` button on `path` as a person would,
/// answering the prompts in order; returns where the page went.
fn press(browser: &PathBuf, node: &PathBuf, url: &str, selector: &str, answers: &[&str]) -> serde_json::Value {
    fill_and_press(browser, node, url, ("", selector, ""), answers)
}

/// Runs `fill` (JavaScript filling in a form) on the page, presses the
/// first `selector` button, answers the prompts in order and waits until
/// `done` (a JavaScript expression; empty: the family page back after a
/// correction). Returns where the page went and `done`'s value.
fn fill_and_press(
    browser: &PathBuf,
    node: &PathBuf,
    url: &str,
    (fill, selector, done): (&str, &str, &str),
    answers: &[&str],
) -> serde_json::Value {
    let profile = TempDir::new("chromium-profile-click");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/correct.mjs");
    let out = Command::new(node)
        .arg("--experimental-websocket")
        .arg(script)
        .arg(browser)
        .arg(&profile.0)
        .args([url, selector, &serde_json::to_string(answers).unwrap(), fill, done])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A coordinator corrects the linkage from the family page: "Not the
/// same person" on a link, then "Same person as another record" to join
/// them back (refused: the file already decides that pair), each answered
/// as the browser asks.
#[test]
fn a_coordinator_corrects_a_link_from_the_page() {
    let (Some(browser), Some(node)) = (chromium(), node()) else { return };
    let dir = TempDir::new("pages-correct");
    let (bundle, _) = crate::util::synth(&dir, 150, 11, 0);
    let overrides = dir.join("corrections.csv");
    let server = Server::start(&["--data", bundle.to_str().unwrap(), "--overrides", overrides.to_str().unwrap()]);
    let token = server.token.clone().unwrap();
    // The first family on the shortlist with a member whose records were linked.
    let listed = server.get_ok("/api/v1/families?limit=50");
    let (family_id, family) = listed["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["family_id"].as_str().unwrap().to_owned())
        .map(|id| {
            let family = server.get_ok(&format!("/api/v1/families/{id}"));
            (id, family)
        })
        .find(|(_, family)| {
            family["members"].as_array().unwrap().iter().any(|m| !m["links"].as_array().unwrap().is_empty())
        })
        .expect("a family with a linked member among the first fifty");
    let linked = family["members"].as_array().unwrap().iter().find(|m| !m["links"].as_array().unwrap().is_empty());
    let link = &linked.expect("a linked member")["links"][0]["records"];
    let url = format!("{}/families/{family_id}#token={token}", server.base);

    let went = press(&browser, &node, &url, "button.split", &["checked with the school: two people"]);
    assert!(went["buttons"].as_u64().unwrap() > 0, "{went}");
    assert!(went["alerted"].is_null(), "{went}");
    assert!(went["path"].as_str().unwrap().starts_with("/families/F"), "{went}");
    let text = std::fs::read_to_string(&overrides).unwrap();
    let line = format!(
        "cannot_link,{},{},{},{},\"checked with the school: two people (one-off, ",
        link[0]["agency"].as_str().unwrap(),
        link[0]["record_id"].as_str().unwrap(),
        link[1]["agency"].as_str().unwrap(),
        link[1]["record_id"].as_str().unwrap()
    );
    assert!(text.contains(&line), "{line} not in {text}");

    // Joining the pair back is refused with the server's reason, shown to
    // the person; the file is unchanged.
    let other = format!("{}:{}", link[1]["agency"].as_str().unwrap(), link[1]["record_id"].as_str().unwrap());
    let first_record = link[0].clone();
    let holder = server.get_ok("/api/v1/families?limit=1000")["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["family_id"].as_str().unwrap().to_owned())
        .find(|id| {
            let detail = server.get_ok(&format!("/api/v1/families/{id}"));
            detail["members"].as_array().unwrap().iter().any(|m| m["records"][0] == first_record)
        })
        .expect("the family holding the first record");
    let url = format!("{}/families/{holder}#token={token}", server.base);
    let selector =
        format!("button.join[data-record='{}']", serde_json::to_string(&first_record).unwrap().replace('\'', "\\'"));
    let went = press(&browser, &node, &url, &selector, &[&other, "same after all"]);
    assert!(went["alerted"].as_str().unwrap().contains("already decides"), "{went}");
    assert_eq!(std::fs::read_to_string(&overrides).unwrap(), text);
}

/// A coordinator records the meeting's decision from the family page: it
/// is in the decisions file, signed, and the page shows it at once.
#[test]
fn a_coordinator_records_a_decision_from_the_page() {
    let (Some(browser), Some(node)) = (chromium(), node()) else { return };
    let dir = TempDir::new("pages-decide");
    let decisions = dir.join("decisions.jsonl");
    let server = Server::start(&["--decisions", decisions.to_str().unwrap()]);
    let token = server.token.clone().unwrap();
    let family = server.get_ok("/api/v1/families?limit=1")["families"][0]["family_id"].as_str().unwrap().to_owned();
    let lead = server.get_ok(&format!("/api/v1/families/{family}"))["agencies"][0].as_str().unwrap().to_owned();
    let url = format!("{}/families/{family}#token={token}", server.base);
    let fill = "document.querySelector('#decide select').value = 'not_now'; \
                document.querySelector('#decide select[name=lead_agency]').selectedIndex = 1; \
                document.querySelector('#decide input[name=note]').value = 'reviewed at the March meeting'";
    let done = "document.getElementById('decide') && document.getElementById('decide').previousElementSibling \
                && document.body.innerText.includes('reviewed at the March meeting') \
                && [...document.querySelectorAll('h2')].find(h => h.textContent === \"The meeting's decision\").nextElementSibling.textContent";
    let went = fill_and_press(&browser, &node, &url, (fill, "#decide button", done), &[]);
    assert!(went["alerted"].is_null(), "{went}");
    let shown = went["done"].as_str().unwrap_or_default();
    assert!(
        shown.starts_with(&format!("reviewed: not taken on now (lead: {lead}), "))
            && shown.ends_with("by one-off: reviewed at the March meeting"),
        "{went}"
    );
    let text = std::fs::read_to_string(&decisions).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("\"decision\":\"not_now\"") && text.contains(&format!("\"family_id\":\"{family}\"")),
        "{text}"
    );
    assert!(text.contains(&format!("\"lead_agency\":\"{lead}\"")), "{text}");
    assert_eq!(
        server.get_ok(&format!("/api/v1/families/{family}"))["decision"]["note"],
        "reviewed at the March meeting"
    );
    // The meeting's minutes: the decision, with the family it is about now.
    let profile = TempDir::new("chromium-profile-decisions");
    let dom = render(&browser, &profile, &format!("{}/decisions#token={token}", server.base));
    assert!(!dom.contains("<p class=\"warn\">"), "{dom}");
    assert!(dom.contains("1 decision, newest first"), "{dom}");
    assert!(dom.contains(&format!("<a href=\"/families/{family}\">{family}</a>")), "{dom}");
    assert!(dom.contains("reviewed at the March meeting") && dom.contains("<a href=\"/decisions\""), "{dom}");
}

/// The `<svg ...>...</svg>` element whose opening tag holds `marker`.
fn section<'a>(dom: &'a str, marker: &str) -> &'a str {
    let at = dom.find(marker).unwrap_or_else(|| panic!("no {marker} in the page"));
    let start = dom[..at].rfind("<svg").unwrap();
    let end = at + dom[at..].find("</svg>").unwrap();
    &dom[start..end]
}

/// The stylesheet and every script module the pages import are served
/// from the binary, typed, under the pages' policy; no other name is.
#[test]
fn the_pages_stylesheet_and_modules_are_served() {
    let server = Server::start(&[]);
    let main = server.request("GET", "/assets/main.js", None).1;
    let main = main.as_str().expect("the script, as text");
    let imported: Vec<&str> = main.lines().filter_map(|l| l.split("from './").nth(1)?.split('\'').next()).collect();
    assert!(imported.len() >= 10, "{imported:?}");
    let assets = imported.iter().map(|name| (*name, "text/javascript")).chain([("famgraph.css", "text/css")]);
    for (name, kind) in assets {
        let headers = server.headers(&format!("/assets/{name}"), None);
        assert!(headers["content-type"].starts_with(kind), "{name}: {headers:?}");
        assert!(headers["content-security-policy"].contains("script-src 'self'"), "{name}");
    }
    assert_eq!(server.request("GET", "/assets/secrets.js", None).0, 404);
    assert_eq!(server.request("GET", "/assets/..%2Fmain.rs", None).0, 404);
}

/// Values from the extracts are shown as text, never run as markup: an
/// agency named like an element and a family name like a script reach
/// the pages escaped.
#[test]
fn values_from_the_extracts_are_text_on_the_pages() {
    let Some(browser) = chromium() else { return };
    let dir = TempDir::new("pages-escaped");
    let (bundle, _) = crate::util::synth(&dir, 40, 3, 0);
    let hostile_agency = "<img src=x id=agency-markup>";
    let hostile_name = "<b id=name-markup>Smith</b>";
    let agencies = std::fs::read_to_string(bundle.join("agencies.csv")).unwrap();
    let mut lines: Vec<String> = agencies.lines().map(str::to_owned).collect();
    let mut first: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
    first[1] = format!("\"{hostile_agency}\"");
    lines[1] = first.join(",");
    std::fs::write(bundle.join("agencies.csv"), lines.join("\n") + "\n").unwrap();
    let people = std::fs::read_to_string(bundle.join("people.csv")).unwrap();
    let header: Vec<&str> = people.lines().next().unwrap().split(',').collect();
    let family_column = header.iter().position(|c| *c == "family_name").unwrap();
    let people: Vec<String> = people
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                return l.to_owned();
            }
            let mut fields: Vec<String> = l.split(',').map(str::to_owned).collect();
            fields[family_column] = format!("\"{hostile_name}\"");
            fields.join(",")
        })
        .collect();
    std::fs::write(bundle.join("people.csv"), people.join("\n") + "\n").unwrap();

    let server = Server::start(&["--data", bundle.to_str().unwrap()]);
    let token = server.token.clone().unwrap();
    let family = server.get_ok("/api/v1/families?limit=1")["families"][0]["family_id"].as_str().unwrap().to_owned();
    let profile = TempDir::new("chromium-profile-escaped");
    for path in ["/load-report".to_owned(), format!("/families/{family}")] {
        let dom = render(&browser, &profile, &format!("{}{path}#token={token}", server.base));
        assert!(!dom.contains("<p class=\"warn\">"), "{path} shows an error: {dom}");
        assert!(!dom.contains("id=\"agency-markup\"") && !dom.contains("id=\"name-markup\""), "markup ran: {dom}");
    }
    let dom = render(&browser, &profile, &format!("{}/load-report#token={token}", server.base));
    assert!(dom.contains("&lt;img src=x id=agency-markup&gt;"), "the agency's name as text: {dom}");
}

/// `pdftotext`, to read a printed page back; `None` (the test skipped)
/// where it is missing and the browser is not required.
fn pdftotext() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).map(|dir| dir.join("pdftotext")).find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("FAMGRAPH_REQUIRE_BROWSER").is_none(), "no pdftotext (apt-get install poppler-utils)");
        eprintln!("pages: no pdftotext on this machine; the printing test is skipped");
    }
    found
}

/// The meeting pack, printed to PDF by Chromium and read back: a cover
/// sheet stating the filter and the date, then a page per family with who
/// works with it now, the suggested lead and room for the decision.
#[test]
fn the_meeting_pack_prints_a_cover_and_a_page_per_family() {
    let (Some(browser), Some(pdftotext)) = (chromium(), pdftotext()) else { return };
    let server = Server::start(&[]);
    let token = server.token.clone().unwrap();
    let list = server.get_ok("/api/v1/families?limit=3&need=crime");
    let ids: Vec<&str> =
        list["families"].as_array().unwrap().iter().map(|f| f["family_id"].as_str().unwrap()).collect();
    let profile = TempDir::new("chromium-pack");
    let pdf = profile.join("pack.pdf");
    let url = format!("{}/pack?families={}&filter=need%3Dcrime#token={token}", server.base, ids.join("%2C"));
    let print = ["--no-pdf-header-footer".to_owned(), format!("--print-to-pdf={}", pdf.display())];
    headless(&browser, &profile, &url, &print);
    assert!(pdf.is_file(), "no PDF printed");
    let text = Command::new(pdftotext).arg(&pdf).arg("-").output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert!(
        pages[0].contains("Partnership meeting pack") && pages[0].contains("filtered by need: crime"),
        "{}",
        pages[0]
    );
    assert!(pages.len() > ids.len(), "a cover and a page per family: {} pages", pages.len());
    for id in &ids {
        let detail = server.get_ok(&format!("/api/v1/families/{id}"));
        // The family's page starts with its heading and holds its lead and
        // the room for the decision, and no other family's heading.
        let page = pages.iter().find(|p| p.contains(&format!("Family {id}"))).unwrap_or_else(|| panic!("{id}: {text}"));
        assert!(page.contains("Suggested lead") && page.contains("Decision"), "{page}");
        if let Some(lead) = detail["suggested_lead"].as_str() {
            assert!(page.contains(lead), "{lead}: {page}");
        }
        for other in ids.iter().filter(|o| *o != id) {
            assert!(!page.contains(&format!("Family {other}")), "{id} and {other} share a page");
        }
    }
}

/// The evidence pack prints for a bid writer: a cover with the plain
/// sentences the figures support, every headline figure with the period
/// it counts, the charts, and the figures by programme, need and area;
/// no family's id anywhere in it.
#[test]
fn the_evidence_pack_prints_its_figures_with_their_windows_and_no_family() {
    let (Some(browser), Some(pdftotext)) = (chromium(), pdftotext()) else { return };
    let dir = TempDir::new("evidence-pack");
    let tokens = dir.join("tokens");
    let bea = crate::util::token(&tokens, "bea", "bid_writer");
    let cora = crate::util::token(&tokens, "cora", "coordinator");
    let server = Server::start(&["--tokens", tokens.to_str().unwrap()]);
    let (_, e) = server.get("/api/v1/evidence", Some(&bea));
    let profile = TempDir::new("chromium-evidence-pack");
    let pdf = profile.join("evidence.pdf");
    let url = format!("{}/evidence/pack#token={bea}", server.base);
    let print = ["--no-pdf-header-footer".to_owned(), format!("--print-to-pdf={}", pdf.display())];
    headless(&browser, &profile, &url, &print);
    let text = Command::new(pdftotext).arg(&pdf).arg("-").output().unwrap();
    // pdftotext breaks lines where the page does: read it as one line.
    let text = String::from_utf8(text.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Evidence pack: families with multiple needs"), "{text}");
    let (words, from, as_of) =
        (e["window"]["words"].as_str().unwrap(), e["window"]["from"].as_str().unwrap(), e["as_of"].as_str().unwrap());
    // The window, in the sentences and beside every figure it counts.
    assert!(text.contains(&format!("In {words} ({from} to {as_of}),")), "{text}");
    let families = e["families_with_needs"].as_u64().unwrap();
    assert!(families < 1000, "the sample's count prints without a thousands separator: {families}");
    assert!(text.contains(&format!("{as_of}), {families} families known to")), "{text}");
    // A hidden figure is said as such, a sentence still starting with a capital.
    assert!(!text.contains(". fewer than"), "{text}");
    assert!(text.matches(&format!("{words} ({from} to {as_of})")).count() >= 5, "{text}");
    assert!(text.contains(&format!("on {as_of}")), "{text}");
    assert!(text.contains("ever"), "{text}");
    for p in e["by_programme"].as_array().unwrap() {
        assert!(text.contains(p["title"].as_str().unwrap()), "{text}");
    }
    // Cost and value, each figure with its assumptions printed beside it.
    let cb = &e["cost_benefit"];
    let average = cb["average_annual_cost_per_family_gbp"].as_f64().unwrap() as u64;
    assert!(average >= 1000, "{cb}");
    let pounds = format!("£{},{:03}", average / 1000, average % 1000);
    assert!(text.contains(&format!("That is about {pounds} a family a year")), "{pounds}: {text}");
    assert!(text.contains("Cost and value"), "{text}");
    for assumption in cb["assumptions"].as_array().unwrap() {
        let words: Vec<&str> = assumption.as_str().unwrap().split_whitespace().collect();
        assert!(text.contains(&words.join(" ")), "{assumption}: {text}");
    }
    // No family: not one id of the shortlist.
    let (_, list) = server.get("/api/v1/families?limit=1000", Some(&cora));
    for f in list["families"].as_array().unwrap() {
        assert!(!text.contains(f["family_id"].as_str().unwrap()), "{}", f["family_id"]);
    }
}

/// A chart saved as PNG for a word processor: the server's SVG, shown on
/// the evidence page, drawn onto a canvas (which its origin allows) and
/// saved, pressed as a bid writer would.
#[test]
fn a_chart_downloads_as_png() {
    let (Some(browser), Some(node)) = (chromium(), node()) else { return };
    let server = Server::start(&[]);
    let token = server.token.clone().unwrap();
    let url = format!("{}/evidence#token={token}", server.base);
    // Once the chart shows, press its PNG link; catch the file it saves.
    let fill = "HTMLAnchorElement.prototype.click = function () { window.__saved = this.download; }; \
                const toBlob = HTMLCanvasElement.prototype.toBlob; \
                HTMLCanvasElement.prototype.toBlob = function (done, type) { \
                  return toBlob.call(this, b => { window.__png = [b.type, b.size]; done(b); }, type); }; \
                document.getElementById('chart-trend-png').dispatchEvent(new MouseEvent('click'))";
    let done = "window.__png && window.__saved && [window.__saved, ...window.__png]";
    let report = fill_and_press(&browser, &node, &url, (fill, "img#chart-trend[src^='blob:']", done), &[]);
    let saved = &report["done"];
    assert_eq!(saved[0], "famgraph-trend.png", "{report}");
    assert_eq!(saved[1], "image/png", "{report}");
    assert!(saved[2].as_u64() > Some(5_000), "an empty picture: {report}");
}

/// The genogram never draws a line through another person: every family
/// of a generated bundle, as the API serves it, laid out by the page's own
/// module (`genogram.js`, in Node.js), every line checked against the
/// shape and name of every member it does not join. A family written by
/// hand adds what the generator rarely makes: people with two partners
/// (one a chain of four), and a grandmother caring for a grandchild, her
/// line crossing the generation between.
#[test]
fn no_genogram_line_passes_through_another_person() {
    let Some(node) = node() else { return };
    let dir = TempDir::new("pages-genogram");
    let (bundle, _) = crate::util::synth(&dir, 400, 23, 0);
    let generated = genogram_report(&node, &dir, &bundle);
    assert_eq!(generated["crossings"], serde_json::json!([]), "lines through people: {generated}");
    assert!(generated["families"].as_u64() > Some(400), "{generated}");
    assert!(generated["spanning"].as_u64() > Some(0), "no line across a generation to check: {generated}");

    let mut hand = crate::util::HandBundle::new(&["crime", "child_safety"]);
    let people = [
        ("Gwen", "Oakley", "1950-02-03"),
        ("Dean", "Oakley", "1975-04-05"),
        ("Tina", "Marsh", "1977-06-07"),
        ("Lena", "Price", "1980-08-09"),
        ("Kai", "Oakley", "2005-10-11"),
        ("Mae", "Oakley", "2014-12-13"),
        ("Ben", "Oakley", "2010-01-14"),
        ("Ray", "Oakley", "1948-03-15"),
        ("Jo", "Price", "1979-05-16"),
    ];
    for (i, (given, family, born)) in people.iter().enumerate() {
        hand.person(i, (given, family), born, (i % 3 + 1, "ME4 4QS"), &["crime"]);
    }
    for (from, kind, to) in [
        (7, "partner_of", 0),
        (0, "parent_of", 1),
        (7, "parent_of", 1),
        (1, "partner_of", 2),
        (1, "partner_of", 3),
        (3, "partner_of", 8),
        (8, "partner_of", 2),
        (1, "parent_of", 4),
        (2, "parent_of", 4),
        (1, "parent_of", 6),
        (2, "parent_of", 6),
        (1, "parent_of", 5),
        (3, "parent_of", 5),
        (0, "carer_of", 6),
    ] {
        hand.relationship(from, kind, to);
    }
    let data = dir.join("hand");
    hand.write(&data);
    let written = genogram_report(&node, &dir, &data);
    assert_eq!(written["crossings"], serde_json::json!([]), "lines through people: {written}");
    assert_eq!(written["families"], 1, "{written}");
    assert_eq!(written["two_partners"], 4, "{written}");
    assert!(written["spanning"].as_u64() > Some(0), "{written}");
    eprintln!("genogram: generated {generated}; by hand {written}");
}

/// Every family of `bundle` as the API serves it, laid out and checked by
/// `tests/browser/genogram.mjs`: its report.
fn genogram_report(node: &PathBuf, dir: &TempDir, bundle: &std::path::Path) -> serde_json::Value {
    let out = dir.join(&format!("export-{}", bundle.file_name().unwrap().to_string_lossy()));
    crate::util::famgraph_ok(&["export", "--data", bundle.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let mut ids: Vec<String> =
        crate::util::read_csv(&out.join("families.csv")).into_iter().map(|r| r["family_id"].clone()).collect();
    ids.dedup();
    // One request per family: more than a person's allowance a minute.
    let server = Server::start(&["--data", bundle.to_str().unwrap(), "--requests-per-minute", "0"]);
    let families: Vec<serde_json::Value> =
        ids.iter().map(|id| server.get_ok(&format!("/api/v1/families/{id}"))).collect();
    let file = out.join("families.json");
    std::fs::write(&file, serde_json::to_vec(&families).unwrap()).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = Command::new(node)
        .arg(root.join("tests/browser/genogram.mjs"))
        .arg(root.join("crates/api/src/pages/genogram.js"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["families"].as_u64(), Some(ids.len() as u64), "{report}");
    report
}
