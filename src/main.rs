//! `famgraph`: parses the command line and wires the crates together.
//! Exit status 0 on success, 2 on bad usage or bad input, 1 otherwise.

/// `println!` that returns an error instead of panicking when stdout is
/// closed (`famgraph shortlist | head`); `main` treats a broken pipe as done.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)?
    }};
}

// After `say!`, which `audit_review` uses too.
mod audit_review;
mod evaluate;
mod pipeline;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use famgraph_api::{AppState, Role, Snapshot, Tokens};

/// The bundled sample data, served when `serve` gets no `--data` or `--db`.
const SAMPLE_BUNDLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/bundle");

#[derive(Parser)]
#[command(
    name = "famgraph",
    version,
    about = "Links partner agencies' records into people and families, and shortlists families with multiple needs"
)]
struct Cli {
    /// The partnership's configuration (TOML): `[weights]` for the score's
    /// points per reason, `[[rulesets]]` for its own programme rules and
    /// `[audit]` for what the audit review flags as unusual.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a bundle (or open a database) and serve the JSON API and web pages.
    Serve {
        #[command(flatten)]
        source: OptionalSource,
        #[command(flatten)]
        overrides: OverridesArg,
        /// The address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Tokens file (from `famgraph token add`); without it a one-off
        /// coordinator token is printed on stderr.
        #[arg(long)]
        tokens: Option<PathBuf>,
        #[command(flatten)]
        suppression: SuppressionArg,
        /// The append-only audit trail of person-level requests; default
        /// `DB.audit.jsonl` beside `--db`, else
        /// `~/.local/state/famgraph/audit.jsonl`.
        #[arg(long, value_name = "FILE")]
        audit: Option<PathBuf>,
        /// An earlier load of the same partnership (a database or a bundle
        /// folder): `GET /api/v1/changes` then shows what changed since.
        #[arg(long, value_name = "DB_OR_BUNDLE")]
        previous: Option<PathBuf>,
        /// The partnership meeting's decisions about families (taken on,
        /// not now, already managed, closed), JSON Lines: read on start,
        /// appended to from the family pages; created if missing.
        #[arg(long, value_name = "FILE")]
        decisions: Option<PathBuf>,
        /// Serve HTTPS with this certificate chain (PEM, the server's
        /// certificate first); read again on SIGHUP.
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// The most requests one token may make a minute, half of them at
        /// once; past it the token gets 429 until its allowance refills.
        /// 0: no limit (a load test).
        #[arg(long, value_name = "N", default_value_t = famgraph_api::auth::DEFAULT_REQUESTS_PER_MINUTE)]
        requests_per_minute: u32,
        /// The most connections open at once; one more is closed as soon
        /// as it arrives. A client has 10 s to send a request's header.
        #[arg(long, value_name = "N", default_value_t = famgraph_api::http::DEFAULT_MAX_CONNECTIONS)]
        max_connections: usize,
    },
    /// List the audit trail: every request that returned person-level
    /// data, and every one refused, oldest first.
    Audit {
        /// The audit file; default as for `serve`.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// The database `serve --db` used, to find its audit file.
        #[arg(long, conflicts_with = "file")]
        db: Option<PathBuf>,
        /// Only this token's requests (the name it was created with).
        #[arg(long, value_name = "NAME")]
        token: Option<String>,
        /// Only the requests that served this family's data.
        #[arg(long, value_name = "FAMILY_ID")]
        family: Option<String>,
        /// Only the requests on or after this day (UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<String>,
        /// Only the requests on or before this day (UTC): with `--since`,
        /// a closed period, such as last month for a monthly review.
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<String>,
        /// Only the requests refused for the token's role.
        #[arg(long)]
        denied: bool,
        /// Each token's use instead of the entries: requests, refusals,
        /// distinct families served, first and last; the widest reach first.
        #[arg(long)]
        by_token: bool,
        /// What is worth a look instead of the entries: person-level data
        /// served out of hours (UK time), a token opening more families in
        /// a day, or refused again and again; thresholds from `[audit]` in
        /// `--config`.
        #[arg(long, conflicts_with = "by_token")]
        unusual: bool,
        /// Check first that the trail still holds this anchor (`N:LINK`,
        /// printed at the end of an earlier review): that it was not cut
        /// back or rewritten up to that entry.
        #[arg(long, value_name = "N:LINK")]
        verify_anchor: Option<famgraph_api::audit::Anchor>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Everything held about one person, found by any agency's record id,
    /// as JSON on stdout: a subject access request.
    SubjectAccess {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        record: RecordArg,
        /// The meeting's decisions file (`serve --decisions`): the
        /// decisions naming any of the person's records are included.
        #[arg(long, value_name = "FILE")]
        decisions: Option<PathBuf>,
        /// The audit trail of the server that served this load: who was
        /// served the person's family (`seen_by`), the recipients a subject
        /// access request asks for.
        #[arg(long, value_name = "FILE")]
        audit: Option<PathBuf>,
    },
    /// Remove one agency's records of a person from a database (with that
    /// agency's involvements and relationships about them), relink, and
    /// print the person's family as it then stands.
    Erase {
        /// The database to change; it is rewritten whole, then swapped in.
        #[arg(long)]
        db: PathBuf,
        #[command(flatten)]
        record: RecordArg,
        /// The agency whose records of the person go (default: the
        /// record's own agency).
        #[arg(long, value_name = "AGENCY")]
        erase_agency: Option<String>,
        /// The meeting's decisions file (`serve --decisions`): the erased
        /// records' ids are removed from it too.
        #[arg(long, value_name = "FILE")]
        decisions: Option<PathBuf>,
    },
    /// What changed for each family between two loads of the same
    /// partnership: involvements started and ended, needs opened and
    /// closed, needs resolved and kept resolved for six months.
    Changes {
        /// The earlier load: a database or a bundle folder.
        #[arg(long)]
        before: PathBuf,
        /// The later load: a database or a bundle folder.
        #[arg(long)]
        after: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the aggregate evidence for bid writers as JSON, small numbers
    /// suppressed, as `GET /api/v1/evidence` serves it.
    Evidence {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        overrides: OverridesArg,
        #[command(flatten)]
        suppression: SuppressionArg,
        /// `json`, or `csv`: one figure a row, `[c]` where hidden.
        #[arg(long, value_enum, default_value_t = EvidenceFormat::Json)]
        format: EvidenceFormat,
        /// The meeting's decisions file (`serve --decisions`): families by
        /// decision are counted too.
        #[arg(long, value_name = "FILE")]
        decisions: Option<PathBuf>,
    },
    /// Load, link and analyse a bundle into a DuckDB file and print the load report.
    Load {
        /// The bundle folder (the extract contract's five files).
        bundle: PathBuf,
        /// The database to write; replaced only when the load is complete.
        #[arg(long)]
        db: PathBuf,
        #[command(flatten)]
        overrides: OverridesArg,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the load even though a file holds only its header, or far
        /// fewer rows were accepted than in the load it replaces (less
        /// than half): without it such a load, more often a broken export
        /// than a smaller partnership, is refused and the database kept.
        #[arg(long)]
        accept_smaller: bool,
    },
    /// Print the ranked family shortlist.
    Shortlist {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        overrides: OverridesArg,
        /// Only the families eligible under this programme ruleset
        /// (`tf1`, `tf2`, `supporting_families`, or one of the config's).
        #[arg(long, value_name = "NAME")]
        ruleset: Option<String>,
        /// Only the families with a member in this named cohort (see
        /// `famgraph cohort`).
        #[arg(long, value_name = "NAME")]
        cohort: Option<String>,
        /// Leave out families with a member in this cohort (e.g.
        /// `mappa_marac_iom`: already managed).
        #[arg(long, value_name = "NAME")]
        exclude_cohort: Option<String>,
        /// Only families with this need (`crime`, `education`, ...).
        #[arg(long)]
        need: Option<String>,
        /// Only families an agency (its code) is involved with now.
        #[arg(long)]
        agency: Option<String>,
        /// Only families living in a postcode district or sector (`ME4`, `ME4 4`).
        #[arg(long)]
        area: Option<String>,
        /// Only families with no agency's keyworker now (`none`: nobody
        /// leads), one, or `several` at once (who steps back?).
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(famgraph_api::Keyworkers::CODES))]
        keyworkers: Option<String>,
        /// The meeting's decisions file (`serve --decisions`): each
        /// family's decision is shown, and `--decision` filters on it.
        #[arg(long, value_name = "FILE")]
        decisions: Option<PathBuf>,
        /// Only families `undecided` (still to review), `review_due` (not
        /// taken on, and a new need since or six months on), `decided`, or
        /// with this decision now: `taken_on`, `not_now`,
        /// `already_managed`, `closed`.
        #[arg(long, requires = "decisions")]
        decision: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The meeting's decisions (`serve --decisions`), newest first, each
    /// with the family of the load that carries it now: the minutes.
    Decisions {
        /// The decisions file.
        #[arg(long, value_name = "FILE")]
        decisions: PathBuf,
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        overrides: OverridesArg,
        /// Only those recorded on or after this day (`YYYY-MM-DD`).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Run the named cohort queries in `queries/cohorts/`: without NAME,
    /// list them with how many people and families each holds; with NAME,
    /// the people in it, their families and why.
    Cohort {
        /// `revolving_door`, `woman_offender_with_children`,
        /// `accommodation_gap`, `employment_gap` or `mappa_marac_iom`.
        name: Option<String>,
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        overrides: OverridesArg,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write the linked data for analysts.
    Export {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        overrides: OverridesArg,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
    },
    /// Manage bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Score famgraph on a synthetic bundle against its ground truth:
    /// linkage precision, recall and F1, and the planted families' ranks.
    Evaluate {
        /// A bundle folder written by `famgraph synth`.
        #[arg(long)]
        data: PathBuf,
        /// Its ground truth (`synth --truth`; by default `OUT.truth`).
        #[arg(long)]
        truth: PathBuf,
        /// An earlier load of the same partnership (bundle folder or
        /// database): also score what changed since against the truth's
        /// `changes.csv` (`synth --earlier`).
        #[arg(long)]
        previous: Option<PathBuf>,
        #[command(flatten)]
        overrides: OverridesArg,
        /// Also list each planted family of this pattern famgraph did not
        /// find, with its truth and what famgraph made of the people in it.
        #[arg(long, value_name = "PATTERN")]
        missed: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Generate a synthetic bundle and its ground truth.
    Synth {
        /// How many families the made-up partnership area holds.
        #[arg(long, default_value_t = 600)]
        families: usize,
        /// The same seed makes the same bundle, byte for byte.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The bundle folder to write.
        #[arg(long)]
        out: PathBuf,
        /// Where the ground truth goes; default: OUT.truth beside OUT.
        #[arg(long)]
        truth: Option<PathBuf>,
        /// How untidy the agencies' records are: low, medium or high.
        #[arg(long, default_value = "medium")]
        noise: String,
        /// Rows that break a contract rule, injected to test loads.
        #[arg(long, default_value_t = 0)]
        bad_rows: usize,
        /// Also write the same agencies' extracts from `--earlier-months`
        /// before to this folder (a previous load, for `changes` and
        /// `serve --previous`); the truth gains `changes.csv`.
        #[arg(long, requires = "earlier_months")]
        earlier: Option<PathBuf>,
        /// How many months before OUT's extract the earlier one was taken.
        #[arg(long, requires = "earlier", value_parser = clap::value_parser!(u32).range(1..=60))]
        earlier_months: Option<u32>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token, store its hash in FILE and print it once.
    Add {
        /// Who holds the token, as the audit trail names them.
        #[arg(long)]
        name: String,
        /// `coordinator`, `partnership`, `bid_writer` or `admin`.
        #[arg(long)]
        role: String,
        /// The tokens file `serve --tokens` reads; created if absent.
        #[arg(long)]
        tokens: PathBuf,
        /// Days the token works for, today included (UTC); then it gets
        /// 401 and its holder needs a new one.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3660))]
        expires_in_days: u32,
        /// A token that never expires (a service account's); revoke it by
        /// deleting its line from FILE.
        #[arg(long, conflicts_with = "expires_in_days")]
        never_expires: bool,
    },
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct Source {
    /// A bundle folder to load.
    #[arg(long)]
    data: Option<PathBuf>,
    /// A database written by `famgraph load`.
    #[arg(long)]
    db: Option<PathBuf>,
}

#[derive(Args)]
struct RecordArg {
    /// The agency of a record of the person.
    #[arg(long)]
    agency: String,
    /// That agency's record id.
    #[arg(long)]
    record_id: String,
}

#[derive(Args)]
struct SuppressionArg {
    /// Counts from 1 to this minus one are hidden in every aggregate, with
    /// a second count wherever the first could be worked out from a total.
    #[arg(long, value_name = "N", default_value_t = famgraph_api::DEFAULT_SUPPRESSION_THRESHOLD,
          value_parser = clap::value_parser!(u64).range(2..=1000))]
    suppression_threshold: u64,
    /// Counts shown are rounded to the nearest N (NHS Digital since 2018:
    /// `--suppression-threshold 8 --round-to 5`).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
    round_to: u64,
}

impl SuppressionArg {
    fn disclosure(&self) -> famgraph_api::Disclosure {
        famgraph_api::Disclosure { threshold: self.suppression_threshold, round_to: self.round_to }
    }
}

#[derive(Args)]
struct OverridesArg {
    /// The partnership's linkage overrides, applied when a bundle is
    /// loaded: a CSV of record pairs that must or must not be one person
    /// (columns `decision`, `agency_a`, `record_id_a`, `agency_b`,
    /// `record_id_b`, `note`).
    #[arg(long, value_name = "FILE")]
    overrides: Option<PathBuf>,
}

#[derive(Args)]
struct OptionalSource {
    /// A bundle folder to load (also written to `--db` when both are
    /// given); with neither, the bundled sample data.
    #[arg(long)]
    data: Option<PathBuf>,
    /// A database written by `famgraph load`; `POST /api/v1/reload` and
    /// SIGHUP reopen it.
    #[arg(long)]
    db: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum EvidenceFormat {
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Parquet,
}

/// An error caused by the input or the command line: exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BadInput(String);

fn main() -> ExitCode {
    // A panic's message can quote whatever was being handled: say where it
    // happened, never what it said.
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!("famgraph: internal error{at} (a bug: please report it; its message is withheld)");
    }));
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FAMGRAPH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err)
            if err.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("famgraph: {err:#}");
            let bad_input = err.chain().any(|e| {
                e.downcast_ref::<BadInput>().is_some()
                    || e.downcast_ref::<famgraph_ingest::IngestError>()
                        .is_some_and(famgraph_ingest::IngestError::is_bad_input)
                    || e.downcast_ref::<famgraph_api::TokenError>().is_some()
            });
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    pipeline::configure(cli.config.as_deref()).map_err(|e| BadInput(e.to_string()))?;
    match cli.command {
        Command::Serve {
            source,
            overrides,
            addr,
            tokens,
            suppression,
            audit,
            previous,
            decisions,
            tls_cert,
            tls_key,
            requests_per_minute,
            max_connections,
        } => {
            let audit = audit.unwrap_or_else(|| default_audit_path(source.db.as_deref()));
            let settings = ServeSettings {
                addr: &addr,
                tokens: tokens.as_deref(),
                disclosure: suppression.disclosure(),
                audit: &audit,
                previous: previous.as_deref(),
                decisions: decisions.as_deref(),
                tls: tls_cert.as_deref().zip(tls_key.as_deref()),
                requests_per_minute,
                max_connections,
            };
            serve(&source, overrides.overrides.as_deref(), &settings)
        }
        Command::Audit { file, db, token, family, since, until, denied, by_token, unusual, verify_anchor, format } => {
            let path = file.unwrap_or_else(|| default_audit_path(db.as_deref()));
            let (since, until) = (day_arg("--since", since)?, day_arg("--until", until)?);
            let review = famgraph_api::audit::Review { token, family, since, until, denied_only: denied };
            let show = if unusual {
                audit_review::Show::Unusual
            } else if by_token {
                audit_review::Show::ByToken
            } else {
                audit_review::Show::Entries
            };
            audit_review::run(&path, &review, show, verify_anchor.as_ref(), format)
        }
        Command::SubjectAccess { source, record, decisions, audit } => {
            let snapshot = open(&source, None)?;
            let person = person_of_record(&snapshot, &record)?;
            let mut answer = famgraph_api::subject_access(&snapshot, person);
            if let Some(file) = audit {
                let family = &snapshot.graph.families[snapshot.graph.people[person].family].id;
                let (seen_by, other_loads) =
                    famgraph_api::audit::seen_by(&file, family, &snapshot.load).map_err(BadInput)?;
                answer["seen_by"] = serde_json::to_value(seen_by)?;
                answer["audit_entries_of_other_loads"] = other_loads.into();
            }
            if let Some(file) = decisions {
                let graph = &snapshot.graph;
                let held: std::collections::HashSet<(&str, &str)> = graph.people[person]
                    .records
                    .iter()
                    .map(|&r| (graph.bundle.people[r].agency.as_str(), graph.bundle.people[r].record_id.as_str()))
                    .collect();
                let about: Vec<_> = famgraph_api::decisions::read(&file)
                    .map_err(BadInput)?
                    .into_iter()
                    .filter(|e| e.records.iter().any(|r| held.contains(&(r.agency.as_str(), r.record_id.as_str()))))
                    .map(|mut e| {
                        // The other members' record ids are theirs, not this person's.
                        e.records.retain(|r| held.contains(&(r.agency.as_str(), r.record_id.as_str())));
                        e
                    })
                    .collect();
                answer["decisions"] = serde_json::to_value(about)?;
            }
            say!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(())
        }
        Command::Erase { db, record, erase_agency, decisions } => {
            let snapshot = pipeline::from_database(&db)?;
            let person = person_of_record(&snapshot, &record)?;
            let agency = erase_agency.unwrap_or(record.agency.clone());
            let graph = &snapshot.graph;
            let ids: std::collections::HashSet<&str> = graph.people[person]
                .records
                .iter()
                .map(|&r| &graph.bundle.people[r])
                .filter(|r| r.agency == agency)
                .map(|r| r.record_id.as_str())
                .collect();
            if ids.is_empty() {
                bail!(BadInput(format!("agency `{agency}` holds no record of this person")));
            }
            let remaining: Vec<(String, String)> = graph.people[person]
                .records
                .iter()
                .map(|&r| &graph.bundle.people[r])
                .filter(|r| r.agency != agency)
                .map(|r| (r.agency.clone(), r.record_id.clone()))
                .collect();
            // The decisions file first: a failure there leaves the database as it was.
            let in_decisions = match &decisions {
                Some(file) => Some(famgraph_api::decisions::erase_records(file, &agency, &ids).map_err(BadInput)?),
                None => None,
            };
            let mut bundle = graph.bundle.clone();
            let erased = bundle.erase(&agency, &ids);
            let after = pipeline::analyse(bundle, snapshot.report.clone());
            pipeline::save(&after, &db)?;
            let family = remaining.first().and_then(|(agency, record_id)| {
                let key = RecordArg { agency: agency.clone(), record_id: record_id.clone() };
                person_of_record(&after, &key).ok().map(|p| after.graph.people[p].family)
            });
            say!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "erased": {
                        "agency": agency,
                        "records": erased.records,
                        "involvements": erased.involvements,
                        "relationships": erased.relationships,
                        "overrides": erased.overrides,
                        "decision_references": in_decisions,
                    },
                    "family": family.map(|f| famgraph_api::family_detail(&after, f)),
                }))?
            );
            Ok(())
        }
        Command::Changes { before, after, format } => {
            let (before, after) = (load_either(&before)?, load_either(&after)?);
            let changes = famgraph_api::changes::changes(&before, &after);
            match format {
                Format::Json => say!("{}", serde_json::to_string_pretty(&changes)?),
                Format::Table => {
                    say!(
                        "{} to {}: {} families changed ({} of them new), {} gone, {} with a need resolved for six months",
                        changes.before_as_of,
                        changes.after_as_of,
                        changes.families.len(),
                        changes.new_families,
                        changes.gone_families,
                        changes.families_with_sustained_outcomes
                    );
                    for f in &changes.families {
                        say!(
                            "{:<8} ({:<12}) +{} involvements, {} ended; needs opened [{}] closed [{}] sustained [{}]",
                            f.family_id,
                            f.previous_family_id.as_ref().map_or_else(|| "new".to_owned(), |p| format!("was {p}")),
                            f.new_involvements.len(),
                            f.ended_involvements.len(),
                            f.needs_opened.join(","),
                            f.needs_closed.join(","),
                            f.needs_sustained_resolved.join(",")
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Evidence { source, overrides, suppression, format, decisions } => {
            let snapshot = open(&source, overrides.overrides.as_deref())?;
            let mut evidence = famgraph_api::evidence(&snapshot, suppression.disclosure());
            if let Some(file) = decisions {
                let decided = decided_from(&file, &snapshot)?;
                let none: Option<&std::collections::HashSet<&str>> = None;
                let shown = famgraph_api::decision_figures(&snapshot, &decided, none, suppression.disclosure());
                evidence = evidence.with_decisions(&shown);
            }
            match format {
                EvidenceFormat::Json => say!("{}", serde_json::to_string_pretty(&evidence)?),
                EvidenceFormat::Csv => say!("{}", evidence.to_csv().trim_end()),
            }
            Ok(())
        }
        Command::Load { bundle, db, overrides, format, accept_smaller } => {
            let snapshot = pipeline::from_bundle(&bundle, overrides.overrides.as_deref())?;
            let last = famgraph_ingest::store::last_file_counts(&db);
            let shrunk = famgraph_ingest::shrinkage(last.as_deref(), &snapshot.report.files);
            if !shrunk.is_empty() && !accept_smaller {
                return Err(BadInput(format!(
                    "{} kept as it was: this load looks like a broken extract:\n  {}\nif the extract really is this small, load again with --accept-smaller",
                    db.display(),
                    shrunk.join("\n  ")
                ))
                .into());
            }
            for why in &shrunk {
                tracing::warn!("accepted with --accept-smaller: {why}");
            }
            pipeline::save(&snapshot, &db)?;
            print_report(&snapshot, format)
        }
        Command::Shortlist {
            source,
            overrides,
            ruleset,
            cohort,
            exclude_cohort,
            need,
            agency,
            area,
            keyworkers,
            decisions,
            decision,
            limit,
            format,
        } => {
            let snapshot = open(&source, overrides.overrides.as_deref())?;
            // The API's filter, from the flags as its query parameters.
            let flags = [
                ("ruleset", ruleset),
                ("cohort", cohort),
                ("exclude_cohort", exclude_cohort),
                ("need", need),
                ("agency", agency),
                ("area", area),
                ("keyworkers", keyworkers),
                ("decision", decision),
            ];
            let params: Vec<(String, String)> =
                flags.into_iter().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v))).collect();
            let mut filter =
                famgraph_api::Filter::from_params(&params, &snapshot).map_err(|e| BadInput(e.to_string()))?;
            if let Some(file) = &decisions {
                filter = filter.with_decisions(Arc::new(decided_from(file, &snapshot)?));
            }
            print_shortlist(&snapshot, &filter, limit, format, decisions.is_some())
        }
        Command::Decisions { decisions, source, overrides, since, format } => {
            let since = day_arg("--since", since)?;
            let snapshot = open(&source, overrides.overrides.as_deref())?;
            let decided = decided_from(&decisions, &snapshot)?;
            let (page, total, _) =
                famgraph_api::decisions_page(&snapshot, &decided, since.as_deref(), true, (0, usize::MAX));
            match format {
                Format::Json => say!("{}", serde_json::json!({"decisions": page, "total": total})),
                Format::Table => {
                    say!(
                        "{:<10}  {:<15}  {:<13}  {:<14}  {:<10}  {:<12}  note",
                        "recorded",
                        "decision",
                        "lead",
                        "family now",
                        "rank now",
                        "by"
                    );
                    let text = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_owned();
                    let list = |v: &serde_json::Value| {
                        let items: Vec<String> = v
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                            .collect();
                        if items.is_empty() { "-".to_owned() } else { items.join(",") }
                    };
                    for d in &page {
                        say!(
                            "{:<10}  {:<15}  {:<13}  {:<14}  {:<10}  {:<12}  {}",
                            text(&d["decided_on"]),
                            text(&d["decision"]),
                            text(&d["lead_agency"]),
                            list(&d["family_ids"]),
                            list(&d["ranks"]),
                            text(&d["by"]),
                            text(&d["note"])
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Cohort { name, source, overrides, format } => {
            let snapshot = open(&source, overrides.overrides.as_deref())?;
            print_cohort(&snapshot, name.as_deref(), format)
        }
        Command::Export { source, overrides, out, format } => {
            export(&source, overrides.overrides.as_deref(), &out, format)
        }
        Command::Token { command: TokenCommand::Add { name, role, tokens, expires_in_days, never_expires } } => {
            let role = Role::parse(&role).ok_or_else(|| {
                BadInput(format!("unknown role `{role}`: use coordinator, partnership, bid_writer or admin"))
            })?;
            let last_day = (!never_expires).then(|| famgraph_api::auth::today().add_days(expires_in_days as i32 - 1));
            let token = Tokens::add(&tokens, &name, role, last_day)?;
            if let Some(last_day) = last_day {
                eprintln!("famgraph: token `{name}` ({}) works until {last_day} (UTC)", role.code());
            }
            say!("{token}");
            Ok(())
        }
        Command::Evaluate { data, truth, previous, overrides, missed, format } => {
            let started = std::time::Instant::now();
            let (bundle, report) = famgraph_ingest::load_bundle(&data, overrides.overrides.as_deref())?;
            let read = started.elapsed();
            let linkage = pipeline::link(&bundle);
            let linked = started.elapsed();
            let snapshot = pipeline::build(bundle, report, linkage);
            let elapsed = started.elapsed();
            let truth = famgraph_synth::Truth::read(&truth).map_err(|e| BadInput(e.to_string()))?;
            let timings = evaluate::Timings {
                read_s: read.as_secs_f64(),
                link_s: linked.as_secs_f64() - read.as_secs_f64(),
                analyse_s: elapsed.as_secs_f64() - linked.as_secs_f64(),
                total_s: elapsed.as_secs_f64(),
            };
            let mut result = evaluate::evaluate(&snapshot, &truth, timings);
            if let Some(previous) = previous {
                if truth.changes.is_empty() {
                    return Err(BadInput(
                        "--previous needs a truth with changes.csv: make the bundles with `synth --earlier`".into(),
                    )
                    .into());
                }
                result.changes = Some(evaluate::score_changes(&load_either(&previous)?, &snapshot, &truth));
            }
            match format {
                Format::Json => say!("{}", serde_json::to_string_pretty(&result)?),
                Format::Table => {
                    say!(
                        "read and validate {:.2} s, link {:.2} s, group and analyse {:.2} s",
                        timings.read_s,
                        timings.link_s,
                        timings.analyse_s
                    );
                    say!(
                        "linkage: {} records into {} people (truth {}): precision {:.4} recall {:.4} F1 {:.4}",
                        result.records,
                        result.people_found,
                        result.people_true,
                        result.precision,
                        result.recall,
                        result.f1
                    );
                    say!(
                        "false links (pairs) {}, missed links (pairs) {}",
                        result.false_positive_pairs,
                        result.false_negative_pairs
                    );
                    say!(
                        "people merging two or more true people: {} ({:.2}% of famgraph's people); true people split: {} \
                         of {} with two or more records ({:.2}%)",
                        result.people_merged,
                        100.0 * result.people_merged_share,
                        result.people_split,
                        result.people_with_several_records,
                        100.0 * result.people_split_share
                    );
                    say!(
                        "within-agency duplicates kept whole: {} of {} true people an agency holds twice ({:.1}%)",
                        result.duplicates_kept_whole,
                        result.within_agency_duplicates,
                        100.0 * result.duplicates_kept_whole_share
                    );
                    for (family, rank) in &result.standout_ranks {
                        say!("planted {family}: rank {}", rank.map_or_else(|| "-".to_owned(), |r| r.to_string()));
                    }
                    say!("{:<28} {:>8} {:>8} {:>14}", "pattern", "planted", "found", "falsely found");
                    for (kind, score) in &result.patterns {
                        let falsely = score.falsely_found.map_or_else(|| "-".to_owned(), |n| n.to_string());
                        say!("{kind:<28} {:>8} {:>8} {falsely:>14}", score.planted, score.found);
                    }
                    let inferred = result.inferred_links;
                    say!(
                        "inferred parent links: {} ({} within one true family, {} of them a generation apart; {} across \
                         two)",
                        inferred.total,
                        inferred.within_one_true_family,
                        inferred.one_generation_apart,
                        inferred.across_true_families
                    );
                    let generations = result.generations;
                    say!(
                        "generations: {} of {} pairs of members as many generations apart as in the truth ({:.3})",
                        generations.agree,
                        generations.pairs,
                        generations.agree as f64 / generations.pairs.max(1) as f64
                    );
                    if let Some(changes) = &result.changes {
                        say!("{:<28} {:>8} {:>8} {:>14}", "change since --previous", "true", "found", "falsely found");
                        for (kind, score) in changes {
                            let falsely = score.falsely_found.unwrap_or(0);
                            say!("{kind:<28} {:>8} {:>8} {falsely:>14}", score.planted, score.found);
                        }
                    }
                }
            }
            if let Some(kind) = missed {
                if !truth.patterns.iter().any(|p| p.kind == kind) {
                    return Err(BadInput(format!("no `{kind}` pattern is planted in this bundle's truth")).into());
                }
                for line in evaluate::missed(&snapshot, &truth, &kind) {
                    say!("{line}");
                }
            }
            Ok(())
        }
        Command::Synth { families, seed, out, truth, noise, bad_rows, earlier, earlier_months } => {
            let noise =
                noise.parse().map_err(|_| BadInput(format!("unknown noise `{noise}`: use low, medium or high")))?;
            let config =
                famgraph_synth::SynthConfig { families, seed, noise, bad_rows, earlier_months, ..Default::default() };
            let truth = truth.unwrap_or_else(|| {
                let mut name = out.file_name().unwrap_or_default().to_os_string();
                name.push(".truth");
                out.with_file_name(name)
            });
            let generated = famgraph_synth::generate(&config);
            famgraph_synth::write(&generated, &out, &truth)?;
            eprintln!("famgraph: wrote {} and its truth to {}", out.display(), truth.display());
            if let Some(earlier) = earlier {
                famgraph_synth::write_earlier(&generated, &earlier)?;
                eprintln!(
                    "famgraph: wrote the extract of {} months before to {}",
                    earlier_months.unwrap_or(0),
                    earlier.display()
                );
            }
            say!("{}", serde_json::to_string_pretty(&generated.summary)?);
            Ok(())
        }
    }
}

/// The snapshot `--data` and `--db` name: a bundle (also written to the
/// database when both are given) or a database; `None` when neither is.
fn open_source(data: Option<&Path>, db: Option<&Path>, overrides: Option<&Path>) -> anyhow::Result<Option<Snapshot>> {
    if overrides.is_some() && data.is_none() {
        bail!(BadInput(
            "--overrides applies when a bundle is loaded: give --data BUNDLE (a database keeps the overrides it was \
             loaded with)"
                .into()
        ));
    }
    Ok(Some(match (data, db) {
        (Some(data), Some(db)) => {
            let snapshot = pipeline::from_bundle(data, overrides)?;
            pipeline::save(&snapshot, db)?;
            snapshot
        }
        (Some(data), None) => pipeline::from_bundle(data, overrides)?,
        (None, Some(db)) => pipeline::from_database(db)?,
        (None, None) => return Ok(None),
    }))
}

fn open(source: &Source, overrides: Option<&Path>) -> anyhow::Result<Snapshot> {
    open_source(source.data.as_deref(), source.db.as_deref(), overrides)?
        .ok_or_else(|| BadInput("give --data BUNDLE or --db FILE".into()).into())
}

/// The person holding a record, or a bad-input error that names no one.
fn person_of_record(snapshot: &Snapshot, record: &RecordArg) -> anyhow::Result<usize> {
    let bundle = &snapshot.graph.bundle;
    let index = bundle
        .people
        .iter()
        .position(|r| r.agency == record.agency && r.record_id == record.record_id)
        .ok_or_else(|| BadInput(format!("agency `{}` has no record with that record id", record.agency)))?;
    Ok(snapshot.graph.linkage.person_of[index] as usize)
}

/// Where the audit trail goes when `--audit` is not given: beside the
/// database, else in the user's state folder.
fn default_audit_path(db: Option<&Path>) -> PathBuf {
    if let Some(db) = db {
        let mut name = db.as_os_str().to_owned();
        name.push(".audit.jsonl");
        return PathBuf::from(name);
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")));
    state.map_or_else(|| PathBuf::from("famgraph-audit.jsonl"), |dir| dir.join("famgraph/audit.jsonl"))
}

struct ServeSettings<'a> {
    addr: &'a str,
    tokens: Option<&'a Path>,
    disclosure: famgraph_api::Disclosure,
    audit: &'a Path,
    previous: Option<&'a Path>,
    decisions: Option<&'a Path>,
    /// The certificate chain and key to serve HTTPS with.
    tls: Option<(&'a Path, &'a Path)>,
    requests_per_minute: u32,
    max_connections: usize,
}

/// A day option (`--since`, `--until`) as `YYYY-MM-DD`, or a usage error
/// saying so.
fn day_arg(option: &str, day: Option<String>) -> Result<Option<String>, BadInput> {
    day.map(|d| {
        famgraph_api::decisions::day(&d).ok_or_else(|| BadInput(format!("{option}: `{d}` is not a date (YYYY-MM-DD)")))
    })
    .transpose()
}

/// The meeting's decisions in `file`, matched to the load's families.
fn decided_from(file: &Path, snapshot: &Snapshot) -> anyhow::Result<famgraph_api::decisions::Decided> {
    let entries = famgraph_api::decisions::read(file).map_err(BadInput)?;
    Ok(famgraph_api::decisions::Decided::new(Arc::new(entries), snapshot))
}

/// A load from a path that is a bundle folder or a database file.
fn load_either(path: &Path) -> anyhow::Result<Snapshot> {
    let snapshot =
        if path.is_dir() { open_source(Some(path), None, None)? } else { open_source(None, Some(path), None)? };
    snapshot.ok_or_else(|| BadInput(format!("{}: nothing to load", path.display())).into())
}

fn serve(source: &OptionalSource, overrides: Option<&Path>, settings: &ServeSettings) -> anyhow::Result<()> {
    let ServeSettings {
        addr,
        tokens,
        disclosure,
        audit,
        previous,
        decisions,
        tls,
        requests_per_minute,
        max_connections,
    } = *settings;
    let limits = famgraph_api::http::Limits { max_connections: max_connections.max(1), ..Default::default() };
    let certificate = tls
        .map(|(chain, key)| famgraph_api::tls::Certificate::read(chain, key))
        .transpose()
        .map_err(|e| BadInput(e.to_string()))?;
    let decisions = decisions.map(famgraph_api::decisions::Book::open).transpose().map_err(BadInput)?;
    let audit =
        famgraph_api::AuditLog::open(audit).with_context(|| format!("opening the audit trail {}", audit.display()))?;
    eprintln!("famgraph: audit trail: {}", audit.path().display());
    let (tokens, one_off) = match tokens {
        Some(path) => (famgraph_api::TokenSource::file(path)?, None),
        None => {
            let (tokens, token) = Tokens::one_off(Role::Coordinator);
            eprintln!("famgraph: no --tokens given; a one-off coordinator token for this run:\n{token}");
            (famgraph_api::TokenSource::fixed(tokens), Some(token))
        }
    };
    // The same source on every reload: the bundle folder (written to the
    // database too when both are given), the database, or the sample data.
    let mut sample_previous = None;
    let (data, db) = match (source.data.clone(), source.db.clone()) {
        (None, None) => {
            // The path compiled in, or the checkout's own when the binary
            // was built elsewhere and run from a checkout.
            let sample = [Path::new(SAMPLE_BUNDLE), Path::new("sample-data/bundle")]
                .into_iter()
                .find(|p| p.is_dir())
                .ok_or_else(|| {
                BadInput(format!("no sample data at {SAMPLE_BUNDLE}: give --data BUNDLE or --db FILE"))
            })?;
            eprintln!("famgraph: serving the bundled sample data ({})", sample.display());
            // With its extract of six months before, for the changes view.
            let earlier = sample.with_file_name("earlier");
            if previous.is_none() && earlier.is_dir() {
                eprintln!("famgraph: comparing with the sample's earlier extract ({})", earlier.display());
                sample_previous = Some(earlier);
            }
            (Some(sample.to_owned()), None)
        }
        source => source,
    };
    let overrides = overrides.map(Path::to_owned);
    // Corrections from the pages go to the overrides file a bundle's
    // reload reads again.
    let overrides_file = overrides.clone().filter(|_| data.is_some());
    if let Some(file) = overrides_file.as_ref().filter(|f| !f.exists()) {
        famgraph_api::private::create_with(file, famgraph_api::overrides::HEADER)
            .with_context(|| format!("creating the overrides file {}", file.display()))?;
        eprintln!("famgraph: created an empty overrides file {}", file.display());
    }
    let load = move || -> anyhow::Result<Snapshot> {
        open_source(data.as_deref(), db.as_deref(), overrides.as_deref())?.context("nothing to load")
    };
    let snapshot = load()?;
    let previous = previous.or(sample_previous.as_deref()).map(load_either).transpose()?;
    let reloader: famgraph_api::Reloader = Arc::new(move || load().map_err(|e| format!("{e:#}")));
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| BadInput(format!("cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        let scheme = if certificate.is_some() { "https" } else { "http" };
        eprintln!("famgraph: serving {scheme}://{local}/ (API under /api/v1)");
        if let Some(token) = &one_off {
            eprintln!("famgraph: web pages: {scheme}://{local}/#token={token}");
        }
        let mut state = AppState::new(snapshot, Tokens::default())
            .with_tokens(tokens)
            .with_disclosure(disclosure)
            .with_requests_per_minute(requests_per_minute)
            .with_audit(audit)
            .with_reloader(reloader)
            .with_watch(pipeline::settings().watch.clone());
        if let Some(previous) = previous {
            state = state.with_previous(previous);
        }
        if let Some(file) = overrides_file {
            eprintln!("famgraph: linkage corrections are recorded in {}", file.display());
            state = state.with_overrides_file(file);
        }
        if let Some(book) = decisions {
            eprintln!("famgraph: the meeting's decisions are kept in {}", book.path().display());
            state = state.with_decisions(book);
        }
        reload_on_hangup(state.clone(), certificate.clone());
        match &certificate {
            Some(certificate) => {
                famgraph_api::tls::serve_tls(listener, certificate, state, limits, shutdown_signal()).await?;
            }
            None => famgraph_api::serve(listener, state, limits, shutdown_signal()).await?,
        }
        Ok(())
    })
}

/// SIGHUP reloads the source, as `POST /api/v1/reload` does, and the
/// HTTPS certificate, so a renewed one is served without a restart.
fn reload_on_hangup(state: AppState, certificate: Option<famgraph_api::tls::Certificate>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hangup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else { return };
        while hangup.recv().await.is_some() {
            if let Some(certificate) = &certificate {
                match certificate.reload() {
                    Ok(()) => eprintln!("famgraph: read the HTTPS certificate again on SIGHUP"),
                    Err(e) => eprintln!("famgraph: {e}; still serving the previous certificate"),
                }
            }
            // A reload already running read the source before this
            // signal: reload again after it, rather than drop the signal.
            match state.reload_after_any_running().await {
                Ok(_) => eprintln!("famgraph: reloaded on SIGHUP"),
                Err(e) => eprintln!("famgraph: {e}"),
            }
        }
    });
    #[cfg(not(unix))]
    drop((state, certificate));
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn print_report(snapshot: &Snapshot, format: Format) -> anyhow::Result<()> {
    let report = &snapshot.report;
    match format {
        Format::Json => say!("{}", famgraph_api::report_json(snapshot)),
        Format::Table => {
            say!("{:<20} {:>9} {:>9} {:>9} {:>9}", "file", "read", "accepted", "rejected", "warnings");
            for f in &report.files {
                say!("{:<20} {:>9} {:>9} {:>9} {:>9}", f.file, f.read, f.accepted, f.rejected, f.warnings);
            }
            for (kind, issues) in [("reject", &report.rejects), ("warning", &report.warnings)] {
                for i in issues {
                    say!("{kind}: {}:{}: {}: {}", i.file, i.line, i.column.as_deref().unwrap_or("-"), i.reason);
                }
            }
            let graph = &snapshot.graph;
            say!(
                "\n{:<20} {:>8} {:>15} {:>6} {:>8} {:>9} {:>6} {:>5} {:>10} {:>10} {:>15}",
                "agency",
                "records",
                "linked (other)",
                "dob",
                "address",
                "postcode",
                "uprn",
                "nhs",
                "held twice",
                "duplicates",
                "placeholder dob"
            );
            let percent =
                |n: usize, of: usize| (n * 100).checked_div(of).map_or_else(|| "-".to_owned(), |p| format!("{p}%"));
            for a in famgraph_api::agency_records(graph) {
                say!(
                    "{:<20} {:>8} {:>15} {:>6} {:>8} {:>9} {:>6} {:>5} {:>10} {:>10} {:>15}",
                    a.agency,
                    a.records,
                    percent(a.known_elsewhere, a.records),
                    percent(a.with_date_of_birth, a.records),
                    percent(a.with_address, a.records),
                    percent(a.with_postcode, a.records),
                    percent(a.with_uprn, a.records),
                    percent(a.with_nhs_number, a.records),
                    a.people_held_twice,
                    a.duplicate_records,
                    a.placeholder_date_of_birth
                );
            }
            say!(
                "linked {} records into {} people in {} families; {} families shortlisted",
                graph.bundle.people.len(),
                graph.people.len(),
                graph.families.len(),
                snapshot.analysis.ranking.len()
            );
        }
    }
    Ok(())
}

/// A cohort by name, or a usage error naming the ones there are.
fn known_cohort<'s>(snapshot: &'s Snapshot, name: &str) -> Result<&'s famgraph_api::Cohort, BadInput> {
    snapshot.cohorts.find(name).map_err(BadInput)
}

fn print_cohort(snapshot: &Snapshot, name: Option<&str>, format: Format) -> anyhow::Result<()> {
    let Some(name) = name else {
        let rows = famgraph_api::cohort_summaries(snapshot, None);
        match format {
            Format::Json => say!("{}", serde_json::json!({ "cohorts": rows })),
            Format::Table => {
                say!("{:<30} {:>7} {:>9}  title", "cohort", "people", "families");
                for c in &rows {
                    say!(
                        "{:<30} {:>7} {:>9}  {}",
                        c["name"].as_str().unwrap_or_default(),
                        c["people"].as_u64().unwrap_or_default(),
                        c["families"].as_u64().unwrap_or_default(),
                        c["title"].as_str().unwrap_or_default()
                    );
                }
            }
        }
        return Ok(());
    };
    let cohort = known_cohort(snapshot, name)?;
    let view = famgraph_api::cohort_view(snapshot, cohort);
    let members = view["members"].as_array().cloned().unwrap_or_default();
    match format {
        Format::Json => say!("{view}"),
        Format::Table => {
            say!("{}: {} people", cohort.title, members.len());
            say!("{:<9} {:<8} {:>5}  evidence", "person", "family", "rank");
            for m in &members {
                say!(
                    "{:<9} {:<8} {:>5}  {}",
                    m["person_id"].as_str().unwrap_or_default(),
                    m["family_id"].as_str().unwrap_or_default(),
                    m["rank"].as_u64().map_or_else(|| "-".to_owned(), |r| r.to_string()),
                    m["evidence"].as_str().unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

fn print_shortlist(
    snapshot: &Snapshot,
    filter: &famgraph_api::Filter,
    limit: usize,
    format: Format,
    with_decisions: bool,
) -> anyhow::Result<()> {
    let (families, total) = filter.page(snapshot, 0, limit);
    match format {
        Format::Json => {
            say!("{}", serde_json::json!({"families": families, "total": total}));
        }
        Format::Table => {
            let decision_head = if with_decisions { format!("{:<16} ", "decision") } else { String::new() };
            say!(
                "{:>4}  {:<8} {:>6}  {:<7} {:<45} {:<24} {decision_head}reasons",
                "rank",
                "family",
                "score",
                "members",
                "needs",
                "keyworkers now"
            );
            for f in families {
                let reasons: Vec<String> = f.reasons.iter().map(|r| format!("{} +{}", r.code, r.points)).collect();
                let keyworkers =
                    if f.keyworkers_now.is_empty() { "none".to_owned() } else { f.keyworkers_now.join(",") };
                let decision = match (with_decisions, f.decision) {
                    (false, _) => String::new(),
                    (true, d) => format!("{:<16} ", d.map_or("-", |d| d.code())),
                };
                say!(
                    "{:>4}  {:<8} {:>6}  {:<7} {:<45} {:<24} {decision}{}",
                    f.rank.unwrap_or_default(),
                    f.family_id,
                    f.score,
                    f.members,
                    f.needs.join(","),
                    keyworkers,
                    reasons.join("; ")
                );
            }
        }
    }
    Ok(())
}

fn export(source: &Source, overrides: Option<&Path>, out: &Path, format: ExportFormat) -> anyhow::Result<()> {
    let parquet = matches!(format, ExportFormat::Parquet);
    let tables = ["people", "links", "link_model", "families", "shortlist"];
    let written = match (&source.data, &source.db) {
        (Some(data), _) => {
            let snapshot = pipeline::from_bundle(data, overrides)?;
            std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
            let db = out.join(".famgraph-export.duckdb");
            pipeline::save(&snapshot, &db)?;
            let written = famgraph_ingest::store::export(&db, &tables, out, parquet);
            let _ = std::fs::remove_file(&db);
            written?
        }
        (None, Some(db)) => {
            if overrides.is_some() {
                bail!(BadInput("--overrides applies when a bundle is loaded: give --data BUNDLE".into()));
            }
            famgraph_ingest::store::export(db, &tables, out, parquet)?
        }
        (None, None) => bail!(BadInput("give --data BUNDLE or --db FILE".into())),
    };
    for path in written {
        say!("{}", path.display());
    }
    Ok(())
}
