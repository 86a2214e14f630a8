//! Serving connections: hyper under axum's router, with the limits
//! `axum::serve` lacks. A client that sends half a request header is cut
//! off after `header_read_timeout`, at most `max_connections` are open at
//! once (one more is closed as soon as it is accepted, and counted), a
//! request that takes longer than `REQUEST_TIMEOUT` gets 503, and at
//! shutdown the connections still open get `shutdown_deadline` to finish.
//! Without these, a few hundred slow clients could hold every worker and
//! shut everyone else out.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use hyper_util::rt::{TokioIo, TokioTimer};

use crate::ApiError;

/// How a server bounds its connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once; one more is closed on arrival.
    pub max_connections: usize,
    /// How long a client has to send a request's whole header.
    pub header_read_timeout: Duration,
    /// How long connections still open at shutdown get to finish.
    pub shutdown_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: Duration::from_secs(10),
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

/// The default cap on open connections: far above what a partnership's
/// staff and its load tests open, far below the file descriptors a
/// process gets.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// The longest a request may take, but a reload (which links the whole
/// partnership again, a minute at county size).
pub const REQUEST_TIMEOUT: Duration = Duration::from_mins(1);

/// How often a refused connection is logged again.
const REFUSED_LOG_EVERY: Duration = Duration::from_mins(1);

/// Serves `app` on the connections `listener` accepts until `shutdown`
/// completes, within `limits`.
pub(crate) async fn serve<L>(
    mut listener: L,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    let (mut refused, mut logged): (u64, Option<Instant>) = (0, None);
    loop {
        let (io, _) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            drop(io);
            refused += 1;
            if logged.is_none_or(|at| at.elapsed() >= REFUSED_LOG_EVERY) {
                logged = Some(Instant::now());
                tracing::warn!(
                    max_connections = limits.max_connections,
                    refused,
                    "connection closed on arrival: as many open as allowed"
                );
            }
            continue;
        };
        tracing::trace!(open = limits.max_connections - permits.available_permits(), "connection accepted");
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(io), service));
        tokio::spawn(async move {
            match connection.await {
                Ok(()) => tracing::trace!("connection ended"),
                Err(e) => tracing::debug!("connection ended: {e}"),
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_deadline) => {
            tracing::warn!(deadline_s = limits.shutdown_deadline.as_secs(), "connections still open at the shutdown deadline: closed");
        }
    }
    Ok(())
}

/// Gives every request but a reload `REQUEST_TIMEOUT` to answer.
pub(crate) async fn time_limit(request: Request, next: Next) -> Response {
    if request.uri().path() == "/api/v1/reload" {
        return next.run(request).await;
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout(REQUEST_TIMEOUT.as_secs()).into_response(),
    }
}
