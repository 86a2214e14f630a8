//! `famgraph serve`: the JSON API and web pages over one load, reloaded on SIGHUP.

use super::prelude::*;

/// The sample bundle, found where the binary was built.
const SAMPLE_BUNDLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/bundle");

pub fn run(args: ServeArgs, ctx: &Context) -> anyhow::Result<()> {
    let ServeArgs {
        source,
        overrides,
        addr,
        tokens,
        suppression,
        audit,
        previous,
        state,
        decisions,
        tls_cert,
        tls_key,
        requests_per_minute,
        max_connections,
    } = args;
    let audit = audit.unwrap_or_else(|| default_audit_path(source.db.as_deref()));
    let disclosure = suppression.disclosure();
    let settings = ctx.settings.clone();
    let limits = famgraph_api::http::Limits { max_connections: max_connections.max(1), ..Default::default() };
    let certificate = tls_cert
        .as_deref()
        .zip(tls_key.as_deref())
        .map(|(chain, key)| famgraph_api::tls::Certificate::read(chain, key))
        .transpose()
        .map_err(|e| BadInput(e.to_string()))?;
    // The meeting's decisions and the pages' corrections are kept whatever
    // the set-up: in the files named, or in the state folder.
    let state_dir = state.unwrap_or_else(|| default_state_dir(source.db.as_deref()));
    if decisions.is_none() || overrides.overrides.is_none() {
        famgraph_governance::private::create_dir_all(&state_dir)
            .with_context(|| format!("creating the state folder {}", state_dir.display()))?;
        eprintln!(
            "famgraph: keeping the meeting's decisions and linkage corrections in {} (--state DIR to move them)",
            state_dir.display()
        );
    }
    let decisions = decisions.unwrap_or_else(|| state_dir.join("decisions.jsonl"));
    let decisions = famgraph_governance::decisions::Book::open(&decisions)?;
    let audit = famgraph_governance::AuditLog::open(&audit)
        .with_context(|| format!("opening the audit trail {}", audit.display()))?;
    eprintln!("famgraph: audit trail: {}", audit.path().display());
    let (tokens, one_off) = match tokens.as_deref() {
        Some(path) => (famgraph_governance::TokenSource::file(path)?, None),
        None => {
            let (tokens, token) = Tokens::one_off(Role::Coordinator);
            eprintln!("famgraph: no --tokens given; a one-off coordinator token for this run:\n{token}");
            (famgraph_governance::TokenSource::fixed(tokens), Some(token))
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
    // Corrections from the pages go to the overrides file every reload
    // reads again, of a bundle or of a database.
    let overrides_file = overrides.overrides.unwrap_or_else(|| state_dir.join("overrides.csv"));
    if !overrides_file.exists() {
        famgraph_governance::private::create_with(&overrides_file, famgraph_api::overrides::HEADER)
            .with_context(|| format!("creating the overrides file {}", overrides_file.display()))?;
        eprintln!("famgraph: created an empty overrides file {}", overrides_file.display());
    }
    let overrides = overrides_file.clone();
    // A reload keeps the served load's ids; a database keeps its own, those
    // of the loads written to it before. (`--previous` is for comparing:
    // the ids of a bundle served alone are the ones any load of it gives.)
    let load = move |known: &KnownIds| -> anyhow::Result<Snapshot> {
        open_source(data.as_deref(), db.as_deref(), Some(&overrides), &settings, known)?.context("nothing to load")
    };
    let previous =
        previous.as_deref().or(sample_previous.as_deref()).map(|p| load_either(p, &ctx.settings)).transpose()?;
    let snapshot = load(&KnownIds::default())?;
    let reloader: famgraph_api::Reloader =
        Arc::new(move |current: &Snapshot| load(&current.graph.known_ids()).map_err(|e| format!("{e:#}")));
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| BadInput(format!("cannot listen on {addr}: {e}")))?;
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
            .with_watch(ctx.watch.clone());
        if let Some(previous) = previous {
            state = state.with_previous(previous);
        }
        eprintln!("famgraph: linkage corrections are recorded in {}", overrides_file.display());
        eprintln!("famgraph: the meeting's decisions are kept in {}", decisions.path().display());
        state = state.with_overrides_file(overrides_file).with_decisions(decisions);
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
