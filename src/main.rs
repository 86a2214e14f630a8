//! `famgraph`: parses the command line and runs the subcommand
//! (`commands/`). Exit status 0 on success, 2 on bad usage or bad input,
//! 1 otherwise.

/// `println!` that returns an error instead of panicking when stdout is
/// closed (`famgraph shortlist | head`); `main` treats a broken pipe as done.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)?
    }};
}

/// mimalloc for every allocation: a load makes millions of small strings
/// and maps, where the system allocator spent a fifth of the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// After `say!`, which they use.
mod audit_review;
mod cli;
mod commands;
mod config;
mod evaluate;
mod loads;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command};

/// Bad usage or bad input: exit status 2.
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
        // Each stage's time as it ends (`FAMGRAPH_LOG=info`): where a
        // load's time goes.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
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
                    || e.downcast_ref::<famgraph_governance::TokenError>().is_some()
                    || e.downcast_ref::<famgraph_governance::DecisionsError>()
                        .is_some_and(famgraph_governance::DecisionsError::is_bad_input)
                    || e.downcast_ref::<famgraph_governance::AuditError>()
                        .is_some_and(famgraph_governance::AuditError::is_bad_input)
            });
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = config::read(cli.config.as_deref()).map_err(|e| BadInput(e.to_string()))?;
    match cli.command {
        Command::Serve(args) => commands::serve::run(args, &ctx),
        Command::Audit(args) => commands::audit::run(args, &ctx),
        Command::SubjectAccess(args) => commands::subject_access::run(args, &ctx),
        Command::Erase(args) => commands::erase::run(args, &ctx),
        Command::Changes(args) => commands::changes::run(args, &ctx),
        Command::Evidence(args) => commands::evidence::run(args, &ctx),
        Command::Load(args) => commands::load::run(args, &ctx),
        Command::Shortlist(args) => commands::shortlist::run(args, &ctx),
        Command::Sensitivity(args) => commands::sensitivity::run(args, &ctx),
        Command::Decisions(args) => commands::decisions::run(args, &ctx),
        Command::Outcomes(args) => commands::outcomes::run(args, &ctx),
        Command::Cohort(args) => commands::cohort::run(args, &ctx),
        Command::Export(args) => commands::export::run(args, &ctx),
        Command::Token(args) => commands::token::run(args),
        Command::Evaluate(args) => commands::evaluate::run(args, &ctx),
        Command::Synth(args) => commands::synth::run(args),
    }
}
