//! Bearer tokens and roles. A tokens file holds one line per token:
//! `name<TAB>role<TAB>sha256-hex`; the token itself is never stored.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use rand::TryRngCore;
use sha2::{Digest, Sha256};

/// What a token may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything about families.
    Coordinator,
    /// The overlap view and the households behind it; the shortlist.
    Partnership,
    /// Aggregates only.
    BidWriter,
    /// Loads and configuration.
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "coordinator" => Some(Role::Coordinator),
            "partnership" => Some(Role::Partnership),
            "bid_writer" => Some(Role::BidWriter),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Partnership => "partnership",
            Role::BidWriter => "bid_writer",
            Role::Admin => "admin",
        }
    }
}

/// The caller, once its token is known.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}, line {line}: expected `name<TAB>role<TAB>sha256`")]
    Malformed { path: String, line: usize },
    #[error("unknown role `{0}`: use coordinator, partnership, bid_writer or admin")]
    UnknownRole(String),
    #[error("token name must be 1 to 64 letters, digits, `-` or `_`")]
    BadName,
    #[error("{path}: a token named `{name}` already exists")]
    Duplicate { path: String, name: String },
}

/// Known tokens, by hash.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    by_hash: HashMap<String, Caller>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes).expect("the operating system's random source is available");
    format!("fg_{}", hex(&bytes))
}

impl Tokens {
    pub fn read(path: &Path) -> Result<Tokens, TokenError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Io { path: shown.clone(), source })?;
        let mut tokens = Tokens::default();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split('\t').collect();
            let [name, role, digest] = parts[..] else {
                return Err(TokenError::Malformed { path: shown, line: n + 1 });
            };
            let role = Role::parse(role).ok_or_else(|| TokenError::UnknownRole(role.to_owned()))?;
            tokens.by_hash.insert(digest.to_owned(), Caller { name: name.to_owned(), role });
        }
        Ok(tokens)
    }

    /// A one-off token for this run only, kept in memory.
    pub fn one_off(role: Role) -> (Tokens, String) {
        let token = new_token();
        let mut tokens = Tokens::default();
        tokens.by_hash.insert(hash(&token), Caller { name: "one-off".into(), role });
        (tokens, token)
    }

    /// Creates a token, appends its hash to the file and returns the token.
    pub fn add(path: &Path, name: &str, role: Role) -> Result<String, TokenError> {
        let shown = path.display().to_string();
        if name.is_empty()
            || name.len() > 64
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(TokenError::BadName);
        }
        if path.exists() && Tokens::read(path)?.by_hash.values().any(|c| c.name == name) {
            return Err(TokenError::Duplicate { path: shown, name: name.to_owned() });
        }
        let token = new_token();
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| TokenError::Io { path: shown.clone(), source })?;
        writeln!(file, "{name}\t{}\t{}", role.code(), hash(&token))
            .map_err(|source| TokenError::Io { path: shown, source })?;
        Ok(token)
    }

    pub fn check(&self, token: &str) -> Option<&Caller> {
        self.by_hash.get(&hash(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_hashed() {
        let dir = std::env::temp_dir().join(format!("famgraph-tokens-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tokens");
        let _ = std::fs::remove_file(&path);
        let token = Tokens::add(&path, "ann", Role::BidWriter).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&token));
        let tokens = Tokens::read(&path).unwrap();
        assert_eq!(tokens.check(&token).map(|c| c.role), Some(Role::BidWriter));
        assert!(tokens.check("fg_wrong").is_none());
        assert!(matches!(Tokens::add(&path, "ann", Role::Admin), Err(TokenError::Duplicate { .. })));
    }
}
