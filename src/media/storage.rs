//! Where media files live. The filesystem backend writes atomically (temp file + rename) so
//! a crash never leaves a half-written image behind a valid key.

use std::{future::Future, path::PathBuf, pin::Pin};

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage key {0}")]
    BadKey(String),
    #[error("storage I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A place to put and get immutable files by key (`abc123/display.jpg`).
pub trait Storage: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> BoxFuture<'a, Result<(), StorageError>>;
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StorageError>>;
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StorageError>>;
}

/// Keys are `[a-z0-9]+/[a-z]+\.[a-z]+`: nothing that could climb out of the media folder.
pub fn valid_key(key: &str) -> bool {
    let mut parts = key.split('/');
    let (Some(dir), Some(file), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let dir_ok = !dir.is_empty()
        && dir.len() <= 64
        && dir
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let file_ok = match file.split_once('.') {
        Some((name, ext)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_lowercase())
                && !ext.is_empty()
                && ext.chars().all(|c| c.is_ascii_lowercase())
        }
        None => false,
    };
    dir_ok && file_ok
}

/// Files under `<data_dir>/media`.
pub struct FsStorage {
    root: PathBuf,
}

impl FsStorage {
    pub fn new(root: PathBuf) -> Self {
        FsStorage { root }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        if !valid_key(key) {
            return Err(StorageError::BadKey(key.to_string()));
        }
        Ok(self.root.join(key))
    }
}

impl Storage for FsStorage {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async move {
            let path = self.path(key)?;
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            tokio::fs::write(&tmp, &bytes).await?;
            if let Err(e) = tokio::fs::rename(&tmp, &path).await {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e.into());
            }
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StorageError>> {
        Box::pin(async move {
            match tokio::fs::read(self.path(key)?).await {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async move {
            let path = self.path(key)?;
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
            // Remove the key's folder once empty; ignore "not empty".
            if let Some(dir) = path.parent() {
                let _ = tokio::fs::remove_dir(dir).await;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::valid_key;

    #[test]
    fn keys_cannot_escape() {
        assert!(valid_key("abc123/display.jpg"));
        for bad in [
            "../etc/passwd",
            "abc/../x.jpg",
            "abc/x",
            "/abc/x.jpg",
            "ABC/x.jpg",
            "a/b/c.jpg",
            "abc/.jpg",
            "",
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
    }
}
