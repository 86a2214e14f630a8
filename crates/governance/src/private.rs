//! Files that hold personal data or secrets (the audit trail, the
//! meeting's decisions with their notes, linkage corrections, tokens) are
//! created readable and writable by their owner only (0600), and folders
//! made for them by their owner only (0700). A file that already exists
//! keeps the permissions its owner gave it.

use std::fs::{DirBuilder, OpenOptions};
use std::path::Path;

/// Options that create a file 0600.
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates `dir` and any parents missing, each 0700.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates `path` holding `text`, 0600, if it does not exist.
pub fn create_with(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = options().write(true).create_new(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}
