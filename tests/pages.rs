//! The web pages in a real browser: headless Chromium opens each page on
//! a real server, runs its script and hands back the DOM the user would
//! see. A script error shows as the page's error paragraph, or as a page
//! without its tables and drawings.
//!
//! `.ci/run` installs Chromium and sets `FAMGRAPH_REQUIRE_BROWSER=1`, so CI
//! always runs this; on a machine without Chromium the test says so and
//! passes (install it with `apt-get install chromium`).

use std::path::PathBuf;
use std::process::Command;

use crate::util::{Server, TempDir};

fn chromium() -> Option<PathBuf> {
    let candidates = std::env::var_os("FAMGRAPH_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].map(PathBuf::from));
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

/// The DOM of one page after its script ran, opened signed in with `token`.
fn render(browser: &PathBuf, profile: &TempDir, url: &str) -> String {
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
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.0.display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed on {url}: {}", String::from_utf8_lossy(&out.stderr));
    // What the script made, without the script's own text.
    let dom = String::from_utf8(out.stdout).unwrap();
    let (start, end) = (dom.find("<script>").unwrap(), dom.find("</script>").unwrap());
    format!("{}{}", &dom[..start], &dom[end..])
}

#[test]
fn every_page_renders_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let server = Server::start(&[]);
    let token = server.token.clone().unwrap();
    // The page runs only its own script and style (so the rendering below
    // also proves the policy's hashes right); nothing is cached anywhere.
    let page_headers = server.headers("/families/F00001", None);
    let policy = &page_headers["content-security-policy"];
    assert!(policy.contains("script-src 'sha256-") && policy.contains("frame-ancestors 'none'"), "{policy}");
    let json_headers = server.headers("/api/v1/families/F00001", Some(&token));
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

    // The shortlist: a row per family on the first page, with the filters.
    let list = server.get_ok("/api/v1/families?limit=100");
    let dom = page("/");
    for f in list["families"].as_array().unwrap() {
        let id = f["family_id"].as_str().unwrap();
        assert!(dom.contains(&format!("<a href=\"/families/{id}\">{id}</a>")), "{id} not on the shortlist page");
    }
    assert!(dom.contains("name=\"keyworkers\""));

    // A family: the genogram has a shape per member, the timeline a bar
    // per involvement of the last six years, and who works with it now.
    let id = list["families"][0]["family_id"].as_str().unwrap();
    let family = server.get_ok(&format!("/api/v1/families/{id}"));
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
    // Each link between records can be split by the person who knows better.
    let links: usize = family["members"].as_array().unwrap().iter().map(|m| m["links"].as_array().unwrap().len()).sum();
    assert!(links > 0);
    assert_eq!(dom.matches("class=\"split\"").count(), links);
    // And every member joined to a record famgraph left apart.
    assert_eq!(dom.matches("class=\"join\"").count(), family["members"].as_array().unwrap().len());
    for w in family["working_now"].as_array().unwrap() {
        assert!(dom.contains(&format!("<td>{}</td>", w["agency"].as_str().unwrap())), "{w}");
    }

    // The partnership's matrix, the evidence, the change since the earlier
    // load and the cohorts.
    let dom = page("/overlaps");
    assert!(dom.contains("<table class=\"matrix\">") && dom.contains("class=\"pick\""), "{dom}");
    let dom = page("/evidence");
    assert!(dom.contains("Quarter by quarter") && dom.contains("with three or more needs and no keyworker now"));
    assert!(dom.contains("Download every figure (CSV)"));
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
    assert!(dom.contains(&format!("Repaired, with a warning ({})", report["warnings"].as_array().unwrap().len())));
}

/// An admin's pages: the audit trail with the coordinator's requests in it.
#[test]
fn the_audit_trail_page_shows_an_admin_who_saw_what() {
    let Some(browser) = chromium() else { return };
    let dir = TempDir::new("pages-admin");
    let tokens = dir.join("tokens");
    let (cora, ada) = (crate::util::token(&tokens, "cora", "coordinator"), crate::util::token(&tokens, "ada", "admin"));
    let server = Server::start(&["--tokens", tokens.to_str().unwrap()]);
    let (status, _) = server.get("/api/v1/families/F00001", Some(&cora));
    assert_eq!(status, 200);
    let (status, _) = server.get("/api/v1/families/F00001", Some(&ada));
    assert_eq!(status, 403);
    let profile = TempDir::new("chromium-profile-admin");
    let dom = render(&browser, &profile, &format!("{}/audit#token={ada}", server.base));
    assert!(!dom.contains("<p class=\"warn\">"), "{dom}");
    assert!(
        dom.contains(
            "<td>cora</td><td>coordinator</td><td>/api/v1/families/{family_id}</td><td>served</td><td>F00001</td>"
        ),
        "{dom}"
    );
    assert!(dom.contains("<td>ada</td><td>admin</td><td>/api/v1/families/{family_id}</td><td>denied</td>"), "{dom}");
    // An admin is offered the audit trail and the load report, not the shortlist.
    assert!(dom.contains("<a href=\"/audit\" data-roles=\"admin\">Audit trail</a>"), "shown, not hidden");
    assert!(dom.contains("<a href=\"/\" data-roles=\"coordinator partnership\" hidden=\"\">Shortlist</a>"), "{dom}");
}

/// The `<svg ...>...</svg>` element whose opening tag holds `marker`.
fn section<'a>(dom: &'a str, marker: &str) -> &'a str {
    let at = dom.find(marker).unwrap_or_else(|| panic!("no {marker} in the page"));
    let start = dom[..at].rfind("<svg").unwrap();
    let end = at + dom[at..].find("</svg>").unwrap();
    &dom[start..end]
}
