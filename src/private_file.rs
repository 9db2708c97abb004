//! The one writer for files that hold secrets (AppRole ids, TLS keys, unseal material, the
//! first admin's one-time password, the socket proxy's token).
//!
//! `OpenOptions::mode` applies only when a file is *created*; a file left over from an earlier
//! run (or created by hand) keeps whatever mode it had. So the writer also sets the mode on the
//! open handle before writing anything: after a write, the file's mode is exactly the one asked
//! for, whether the file was new or not. The file is truncated when opened, so the old content
//! is gone before the mode changes and the new content is written only after it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;

/// Only the owner may read and write.
pub const OWNER_ONLY: u32 = 0o600;
/// The owner reads and writes, the file's group reads (for a secret another container's user
/// reads through a shared group, e.g. the dev Vault's TLS key).
pub const GROUP_READ: u32 = 0o640;

/// Writes `bytes` to `path` (created with its parent directories if missing) with mode 0600.
///
/// Errors: the directory cannot be created, the file cannot be opened, chmod-ed or written.
/// Messages name the path and the I/O error kind, never the content.
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_with_mode(path, bytes, OWNER_ONLY)
}

/// [`write_private`] for text: writes `text` and a final newline (no copy of the secret is made).
pub fn write_private_line(path: &Path, text: &str) -> anyhow::Result<()> {
    write_line_with_mode(path, text, OWNER_ONLY)
}

/// [`write_with_mode`] for text: writes `text` and a final newline.
pub fn write_line_with_mode(path: &Path, text: &str, mode: u32) -> anyhow::Result<()> {
    let mut file = open(path, mode)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `bytes` to `path` with `mode`, which must give nothing to others (`mode & 0o007 == 0`);
/// a mode that does is refused before anything is touched.
pub fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let mut file = open(path, mode)?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Opens `path` truncated, creating it with `mode`, and sets `mode` on an existing file too.
fn open(path: &Path, mode: u32) -> anyhow::Result<fs::File> {
    anyhow::ensure!(
        mode & 0o007 == 0 && mode & 0o600 == 0o600,
        "refusing to write a secret file with mode {mode:o}: it must be owner read-write and give others nothing"
    );
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("cannot open {} for writing", path.display()))?;
    file.set_permissions(fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the mode of {}", path.display()))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_is_created_owner_only_with_its_parents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/secret_id");
        write_private_line(&path, "s3cret").unwrap();
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "s3cret\n");
    }

    #[test]
    fn an_existing_loose_file_is_tightened_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret_id");
        fs::write(&path, "an older, longer secret").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn a_group_readable_mode_is_set_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        write_with_mode(&path, b"tok", GROUP_READ).unwrap();
        assert_eq!(mode_of(&path), 0o640);
    }

    #[test]
    fn a_mode_open_to_others_is_refused_before_touching_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        for mode in [0o644, 0o604, 0o400] {
            let err = write_with_mode(&path, b"tok", mode).unwrap_err();
            assert!(err.to_string().contains("refusing"), "{err}");
            assert!(!path.exists());
        }
    }

    #[test]
    fn errors_name_the_path_not_the_content() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: opening it for writing fails.
        let path = dir.path().join("taken");
        fs::create_dir(&path).unwrap();
        let err = format!("{:#}", write_private(&path, b"hunter2").unwrap_err());
        assert!(err.contains("taken"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
