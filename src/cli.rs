//! The command line: every subcommand's arguments, parsed by clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "famgraph",
    version,
    about = "Links partner agencies' records into people and families, and shortlists families with multiple needs"
)]
pub struct Cli {
    /// The partnership's configuration (TOML): `[weights]` for the score's
    /// points per reason, `[[rulesets]]` for its own programme rules and
    /// `[audit]` for what the audit review flags as unusual.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Load a bundle (or open a database) and serve the JSON API and web pages.
    Serve(ServeArgs),
    /// List the audit trail: every request that returned person-level
    /// data, and every one refused, oldest first.
    Audit(AuditArgs),
    /// Everything held about one person, found by any agency's record id,
    /// as JSON on stdout: a subject access request.
    SubjectAccess(SubjectAccessArgs),
    /// Remove one agency's records of a person from a database (with that
    /// agency's involvements and relationships about them), relink, and
    /// print the person's family as it then stands.
    Erase(EraseArgs),
    /// What changed for each family between two loads of the same
    /// partnership: involvements started and ended, needs opened and
    /// closed, needs resolved and kept resolved for six months.
    Changes(ChangesArgs),
    /// Print the aggregate evidence for bid writers as JSON, small numbers
    /// suppressed, as `GET /api/v1/evidence` serves it.
    Evidence(EvidenceArgs),
    /// How the shortlist's top families move when each score weight is
    /// turned off, halved or doubled (the README's sensitivity table).
    Sensitivity(SensitivityArgs),
    /// Load, link and analyse a bundle into a DuckDB file and print the load report.
    Load(LoadArgs),
    /// Print the ranked family shortlist.
    Shortlist(ShortlistArgs),
    /// The meeting's decisions (`serve --decisions`), newest first, each
    /// with the family of the load that carries it now: the minutes.
    Decisions(DecisionsArgs),
    /// The outcomes of the families the meeting took on, each from its
    /// baseline (the day it was taken on), with the records that show them:
    /// the claim report.
    Outcomes(OutcomesArgs),
    /// Run the named cohort queries in `queries/cohorts/`: without NAME,
    /// list them with how many people and families each holds; with NAME,
    /// the people in it, their families and why.
    Cohort(CohortArgs),
    /// Write the linked data for analysts.
    Export(ExportArgs),
    /// Manage bearer tokens.
    Token(TokenArgs),
    /// Score famgraph on a synthetic bundle against its ground truth:
    /// linkage precision, recall and F1, and the planted families' ranks.
    Evaluate(EvaluateArgs),
    /// Generate a synthetic bundle and its ground truth.
    Synth(SynthArgs),
}

#[derive(Subcommand)]
pub enum TokenCommand {
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
pub struct Source {
    /// A bundle folder to load.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A database written by `famgraph load`.
    #[arg(long)]
    pub db: Option<PathBuf>,
}

#[derive(Args)]
pub struct RecordArg {
    /// The agency of a record of the person.
    #[arg(long)]
    pub agency: String,
    /// That agency's record id.
    #[arg(long)]
    pub record_id: String,
}

#[derive(Args)]
pub struct SuppressionArg {
    /// Counts from 1 to this minus one are hidden in every aggregate, with
    /// a second count wherever the first could be worked out from a total.
    #[arg(long, value_name = "N", default_value_t = famgraph_governance::DEFAULT_SUPPRESSION_THRESHOLD,
          value_parser = clap::value_parser!(u64).range(2..=1000))]
    pub suppression_threshold: u64,
    /// Counts shown are rounded to the nearest N (NHS Digital since 2018:
    /// `--suppression-threshold 8 --round-to 5`).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub round_to: u64,
}

impl SuppressionArg {
    pub fn disclosure(&self) -> famgraph_governance::Disclosure {
        famgraph_governance::Disclosure { threshold: self.suppression_threshold, round_to: self.round_to }
    }
}

#[derive(Args)]
pub struct OverridesArg {
    /// The partnership's linkage overrides, applied when a bundle is
    /// loaded: a CSV of record pairs that must or must not be one person
    /// (columns `decision`, `agency_a`, `record_id_a`, `agency_b`,
    /// `record_id_b`, `note`).
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<PathBuf>,
}

#[derive(Args)]
pub struct OptionalSource {
    /// A bundle folder to load (also written to `--db` when both are
    /// given); with neither, the bundled sample data.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A database written by `famgraph load`; `POST /api/v1/reload` and
    /// SIGHUP reopen it.
    #[arg(long)]
    pub db: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum EvidenceFormat {
    Json,
    Csv,
    /// The zip of CSVs behind the evidence pack (to stdout: redirect it).
    Zip,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Parquet,
}

/// An error caused by the input or the command line: exit status 2.

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub source: OptionalSource,
    #[command(flatten)]
    pub overrides: OverridesArg,
    /// The address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Tokens file (from `famgraph token add`); without it a one-off
    /// coordinator token is printed on stderr.
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    #[command(flatten)]
    pub suppression: SuppressionArg,
    /// The append-only audit trail of person-level requests; default
    /// `DB.audit.jsonl` beside `--db`, else
    /// `~/.local/state/famgraph/audit.jsonl`.
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// An earlier load of the same partnership (a database or a bundle
    /// folder): `GET /api/v1/changes` then shows what changed since.
    #[arg(long, value_name = "DB_OR_BUNDLE")]
    pub previous: Option<PathBuf>,
    /// Where the meeting's decisions and the linkage corrections made on
    /// the pages are kept when `--decisions` and `--overrides` name no
    /// file: `DIR/decisions.jsonl` and `DIR/overrides.csv`, created if
    /// missing. Default: `DB.state` beside `--db`, else
    /// `~/.local/state/famgraph`.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// The partnership meeting's decisions about families (taken on,
    /// not now, already managed, closed), JSON Lines: read on start,
    /// appended to from the family pages; created if missing.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM, the server's
    /// certificate first); read again on SIGHUP.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The most requests one token may make a minute, half of them at
    /// once; past it the token gets 429 until its allowance refills.
    /// 0: no limit (a load test).
    #[arg(long, value_name = "N", default_value_t = famgraph_governance::auth::DEFAULT_REQUESTS_PER_MINUTE)]
    pub requests_per_minute: u32,
    /// The most connections open at once; one more is closed as soon
    /// as it arrives. A client has 10 s to send a request's header.
    #[arg(long, value_name = "N", default_value_t = famgraph_api::http::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
}

#[derive(Args)]
pub struct AuditArgs {
    /// The audit file; default as for `serve`.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The database `serve --db` used, to find its audit file.
    #[arg(long, conflicts_with = "file")]
    pub db: Option<PathBuf>,
    /// Only this token's requests (the name it was created with).
    #[arg(long, value_name = "NAME")]
    pub token: Option<String>,
    /// Only the requests that served this family's data.
    #[arg(long, value_name = "FAMILY_ID")]
    pub family: Option<String>,
    /// Only the requests on or after this day (UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<String>,
    /// Only the requests on or before this day (UTC): with `--since`,
    /// a closed period, such as last month for a monthly review.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub until: Option<String>,
    /// Only the requests refused for the token's role.
    #[arg(long)]
    pub denied: bool,
    /// Each token's use instead of the entries: requests, refusals,
    /// distinct families served, first and last; the widest reach first.
    #[arg(long)]
    pub by_token: bool,
    /// What is worth a look instead of the entries: person-level data
    /// served out of hours (UK time), a token opening more families in
    /// a day, or refused again and again; thresholds from `[audit]` in
    /// `--config`.
    #[arg(long, conflicts_with = "by_token")]
    pub unusual: bool,
    /// Check first that the trail still holds this anchor (`N:LINK`,
    /// printed at the end of an earlier review): that it was not cut
    /// back or rewritten up to that entry.
    #[arg(long, value_name = "N:LINK")]
    pub verify_anchor: Option<famgraph_governance::audit::Anchor>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args)]
pub struct SubjectAccessArgs {
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub record: RecordArg,
    /// The meeting's decisions file (`serve --decisions`): the
    /// decisions naming any of the person's records are included.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// The audit trail of the server that served this load: who was
    /// served the person's family (`seen_by`), the recipients a subject
    /// access request asks for.
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
}

#[derive(Args)]
pub struct EraseArgs {
    /// The database to change; it is rewritten whole, then swapped in.
    #[arg(long)]
    pub db: PathBuf,
    #[command(flatten)]
    pub record: RecordArg,
    /// The agency whose records of the person go (default: the
    /// record's own agency).
    #[arg(long, value_name = "AGENCY")]
    pub erase_agency: Option<String>,
    /// The meeting's decisions file (`serve --decisions`): the erased
    /// records' ids are removed from it too.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
}

#[derive(Args)]
pub struct ChangesArgs {
    /// The earlier load: a database or a bundle folder.
    #[arg(long)]
    pub before: PathBuf,
    /// The later load: a database or a bundle folder.
    #[arg(long)]
    pub after: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args)]
pub struct EvidenceArgs {
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub overrides: OverridesArg,
    #[command(flatten)]
    pub suppression: SuppressionArg,
    /// `json`; `csv`: one figure a row, `[c]` where hidden; or `zip`: a
    /// CSV a table with a README, the pack's download (to stdout).
    #[arg(long, value_enum, default_value_t = EvidenceFormat::Json)]
    pub format: EvidenceFormat,
    /// The meeting's decisions file (`serve --decisions`): families by
    /// decision are counted too.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
}

#[derive(Args)]
pub struct LoadArgs {
    /// The bundle folder (the extract contract's five files).
    pub bundle: PathBuf,
    /// The database to write; replaced only when the load is complete.
    #[arg(long)]
    pub db: PathBuf,
    #[command(flatten)]
    pub overrides: OverridesArg,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the load even though a file holds only its header, or far
    /// fewer rows were accepted than in the load it replaces (less
    /// than half): without it such a load, more often a broken export
    /// than a smaller partnership, is refused and the database kept.
    #[arg(long)]
    pub accept_smaller: bool,
}

#[derive(Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub overrides: OverridesArg,
    /// How many of the top families to follow.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub top: u64,
    /// `table` (Markdown) or `json`.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args)]
pub struct ShortlistArgs {
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub overrides: OverridesArg,
    /// Only the families eligible under this programme ruleset
    /// (`tf1`, `tf2`, `supporting_families`, or one of the config's).
    #[arg(long, value_name = "NAME")]
    pub ruleset: Option<String>,
    /// Only the families with a member in this named cohort (see
    /// `famgraph cohort`).
    #[arg(long, value_name = "NAME")]
    pub cohort: Option<String>,
    /// Leave out families with a member in this cohort (e.g.
    /// `mappa_marac_iom`: already managed).
    #[arg(long, value_name = "NAME")]
    pub exclude_cohort: Option<String>,
    /// Only families with this need (`crime`, `education`, ...).
    #[arg(long)]
    pub need: Option<String>,
    /// Only families an agency (its code) was involved with in the window.
    #[arg(long)]
    pub agency: Option<String>,
    /// Only families living in a postcode district or sector (`ME4`, `ME4 4`).
    #[arg(long)]
    pub area: Option<String>,
    /// Only families with no agency's keyworker now (`none`: nobody
    /// leads), one, or `several` at once (who steps back?).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(famgraph_api::Keyworkers::CODES))]
    pub keyworkers: Option<String>,
    /// The meeting's decisions file (`serve --decisions`): each
    /// family's decision is shown, and `--decision` filters on it.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// Only families `undecided` (still to review), `review_due` (not
    /// taken on, and a new need since or six months on), `decided`, or
    /// with this decision now: `taken_on`, `not_now`,
    /// `already_managed`, `closed`.
    #[arg(long, requires = "decisions")]
    pub decision: Option<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args)]
pub struct DecisionsArgs {
    /// The decisions file.
    #[arg(long, value_name = "FILE")]
    pub decisions: PathBuf,
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub overrides: OverridesArg,
    /// Only those recorded on or after this day (`YYYY-MM-DD`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args)]
pub struct OutcomesArgs {
    /// The decisions file.
    #[arg(long, value_name = "FILE")]
    pub decisions: PathBuf,
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub overrides: OverridesArg,
    /// Only this family's claim report.
    #[arg(long, value_name = "ID")]
    pub family: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args)]
pub struct CohortArgs {
    /// `revolving_door`, `woman_offender_with_children`,
    /// `accommodation_gap`, `employment_gap` or `mappa_marac_iom`.
    pub name: Option<String>,
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub overrides: OverridesArg,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub overrides: OverridesArg,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
}

#[derive(Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Args)]
pub struct EvaluateArgs {
    /// A bundle folder written by `famgraph synth`.
    #[arg(long)]
    pub data: PathBuf,
    /// Its ground truth (`synth --truth`; by default `OUT.truth`).
    #[arg(long)]
    pub truth: PathBuf,
    /// An earlier load of the same partnership (bundle folder or
    /// database): also score what changed since against the truth's
    /// `changes.csv` (`synth --earlier`).
    #[arg(long)]
    pub previous: Option<PathBuf>,
    #[command(flatten)]
    pub overrides: OverridesArg,
    /// Also list each planted family of this pattern famgraph did not
    /// find, with its truth and what famgraph made of the people in it.
    #[arg(long, value_name = "PATTERN")]
    pub missed: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args)]
pub struct SynthArgs {
    /// How many families the made-up partnership area holds.
    #[arg(long, default_value_t = 600)]
    pub families: usize,
    /// The same seed makes the same bundle, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The bundle folder to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Where the ground truth goes; default: OUT.truth beside OUT.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// How untidy the agencies' records are: low, medium or high.
    #[arg(long, default_value = "medium")]
    pub noise: String,
    /// Rows that break a contract rule, injected to test loads.
    #[arg(long, default_value_t = 0)]
    pub bad_rows: usize,
    /// Also write the same agencies' extracts from `--earlier-months`
    /// before to this folder (a previous load, for `changes` and
    /// `serve --previous`); the truth gains `changes.csv`.
    #[arg(long, requires = "earlier_months")]
    pub earlier: Option<PathBuf>,
    /// How many months before OUT's extract the earlier one was taken.
    #[arg(long, requires = "earlier", value_parser = clap::value_parser!(u32).range(1..=60))]
    pub earlier_months: Option<u32>,
}
