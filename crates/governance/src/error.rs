//! The governance domain's errors.

/// A request that asks for something that cannot be: a 400 at the API, a
/// usage error on the command line. The message names what was asked.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// The decisions file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DecisionsError {
    /// The disk failed: a fault of this machine, not of the file.
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// A line of the file is not a decision; nothing in the file is
    /// skipped, so it must be put right.
    #[error("{path} line {line}: not a decision ({why})")]
    NotADecision { path: String, line: usize, why: String },
}

impl DecisionsError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> DecisionsError {
        DecisionsError::Io { path: path.display().to_string(), source }
    }

    /// Whether the file itself is wrong, or not there (exit status 2),
    /// rather than the machine failing to read or write it.
    pub fn is_bad_input(&self) -> bool {
        match self {
            DecisionsError::NotADecision { .. } => true,
            DecisionsError::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
        }
    }
}

/// The audit trail could not be read, written or trusted.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The disk failed: a fault of this machine.
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// The trail (or its sets file) is not what the writer wrote: a line
    /// that does not parse, a broken chain, an anchor it does not hold.
    #[error("{0}")]
    Broken(String),
    /// An entry could not be written, so the request it covers is refused.
    #[error("audit trail write failed, request refused: {0}")]
    Refused(String),
}

impl AuditError {
    /// Whether the trail or what was asked of it is wrong (exit status 2),
    /// not the machine.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, AuditError::Broken(_))
    }
}
