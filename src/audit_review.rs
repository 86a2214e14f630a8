//! `famgraph audit`: the audit trail for a review, read an entry at a
//! time (a year's trail is a million entries or more).

use std::path::Path;

use famgraph_governance::audit::{self, Anchor, Review, Usage};
use famgraph_governance::unusual::Watching;

use crate::cli::Format;

/// What the review shows.
#[derive(Clone, Copy)]
pub enum Show {
    /// The entries themselves, oldest first.
    Entries,
    /// Each token's use, the widest reach first.
    ByToken,
    /// What is worth a look.
    Unusual,
}

/// Lists the trail at `path` as `review` and `show` ask; with `holding`,
/// only if it still holds that anchor, noted at an earlier review. A table
/// ends with the anchor to note for the next.
pub fn run(
    path: &Path,
    review: &Review,
    show: Show,
    watch: &famgraph_governance::unusual::Watch,
    holding: Option<&Anchor>,
    format: Format,
) -> anyhow::Result<()> {
    let (mut listed, mut usage) = (Vec::new(), Usage::default());
    let mut watching = Watching::new(watch);
    let mut reviewed = 0;
    let each = |_, entry| {
        if review.matches(&entry) {
            reviewed += 1;
            match show {
                Show::Entries => listed.push(entry),
                Show::ByToken => usage.add(&entry),
                Show::Unusual => watching.add(&entry),
            }
        }
    };
    let anchor = match holding {
        Some(anchor) => audit::scan_holding(path, anchor, each),
        None => audit::scan(path, each),
    }?;
    let total = anchor.entries;
    if let Format::Table = format {
        show_table(path, show, reviewed, total, &listed, usage, watching)?;
        if let Some(held) = holding {
            say!("the trail still holds anchor {held}");
        }
        say!(
            "anchor {anchor}: note it elsewhere; `--verify-anchor {anchor}` at the next review shows the trail was not cut back or rewritten up to here"
        );
        return Ok(());
    }
    match show {
        Show::Entries => say!("{}", serde_json::to_string_pretty(&listed)?),
        Show::ByToken => say!("{}", serde_json::to_string_pretty(&usage.finish())?),
        Show::Unusual => say!("{}", serde_json::to_string_pretty(&watching.finish())?),
    }
    Ok(())
}

fn show_table(
    path: &Path,
    show: Show,
    reviewed: usize,
    total: usize,
    listed: &[famgraph_governance::AuditEntry],
    usage: Usage,
    watching: Watching,
) -> anyhow::Result<()> {
    let file = path.display();
    match show {
        Show::Entries => {
            say!("{file}: {reviewed} of {total} entries");
            for e in listed {
                let what = if e.family_ids.is_empty() {
                    format!("{} households", e.household_ids.len())
                } else {
                    format!("families {}", e.family_ids.join(" "))
                };
                say!("{}  {:<16} {:<12} {:<7} {:<32} {what}", e.at, e.token, e.role, e.outcome, e.endpoint);
            }
        }
        Show::ByToken => {
            let usage = usage.finish();
            say!("{file}: {reviewed} of {total} entries, {} tokens", usage.len());
            say!(
                "{:<16} {:<12} {:>8} {:>6} {:>8}  {:<20}  {:<20}",
                "token",
                "role",
                "requests",
                "denied",
                "families",
                "first",
                "last"
            );
            for u in &usage {
                say!(
                    "{:<16} {:<12} {:>8} {:>6} {:>8}  {:<20}  {:<20}",
                    u.token,
                    u.role,
                    u.requests,
                    u.denied,
                    u.families,
                    u.first,
                    u.last
                );
            }
        }
        Show::Unusual => {
            let alerts = watching.finish();
            say!("{file}: {reviewed} of {total} entries, {} worth a look", alerts.len());
            for a in &alerts {
                say!("{}  {:<16} {:<12} {}", a.day, a.token, a.role, a.why);
            }
        }
    }
    Ok(())
}
