//! `famgraph audit`: the audit trail for a review, read an entry at a
//! time (a year's trail is a million entries or more).

use std::path::Path;

use famgraph_api::audit::{self, Review, Usage};
use famgraph_api::unusual::Watching;

use crate::{BadInput, Format, pipeline};

/// What the review shows.
pub enum Show {
    /// The entries themselves, oldest first.
    Entries,
    /// Each token's use, the widest reach first.
    ByToken,
    /// What is worth a look.
    Unusual,
}

macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)?
    }};
}

pub fn run(path: &Path, review: &Review, show: Show, format: Format) -> anyhow::Result<()> {
    let (mut listed, mut usage) = (Vec::new(), Usage::default());
    let mut watching = Watching::new(&pipeline::settings().watch);
    let mut reviewed = 0;
    let total = audit::scan(path, |_, entry| {
        if review.matches(&entry) {
            reviewed += 1;
            match show {
                Show::Entries => listed.push(entry),
                Show::ByToken => usage.add(&entry),
                Show::Unusual => watching.add(&entry),
            }
        }
    })
    .map_err(BadInput)?;
    let file = path.display();
    match (show, format) {
        (Show::Entries, Format::Json) => say!("{}", serde_json::to_string_pretty(&listed)?),
        (Show::Entries, Format::Table) => {
            say!("{file}: {reviewed} of {total} entries");
            for e in &listed {
                let what = if e.family_ids.is_empty() {
                    format!("{} households", e.household_ids.len())
                } else {
                    format!("families {}", e.family_ids.join(" "))
                };
                say!("{}  {:<16} {:<12} {:<7} {:<32} {what}", e.at, e.token, e.role, e.outcome, e.endpoint);
            }
        }
        (Show::ByToken, format) => {
            let usage = usage.finish();
            if let Format::Json = format {
                say!("{}", serde_json::to_string_pretty(&usage)?);
                return Ok(());
            }
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
        (Show::Unusual, format) => {
            let alerts = watching.finish();
            if let Format::Json = format {
                say!("{}", serde_json::to_string_pretty(&alerts)?);
                return Ok(());
            }
            say!("{file}: {reviewed} of {total} entries, {} worth a look", alerts.len());
            for a in &alerts {
                say!("{}  {:<16} {:<12} {}", a.day, a.token, a.role, a.why);
            }
        }
    }
    Ok(())
}
