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
    #[error("object storage failed: {0}")]
    Backend(String),
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

/// An S3-compatible bucket (AWS, MinIO, Garage, Ceph, …) through `object_store`.
pub struct S3Storage {
    store: object_store::aws::AmazonS3,
}

/// Connection settings for [`S3Storage`].
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    /// Empty for AWS itself; e.g. `http://127.0.0.1:9000` for a local MinIO.
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl S3Storage {
    pub fn new(s: &S3Settings) -> Result<Self, StorageError> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_access_key_id(&s.access_key_id)
            .with_secret_access_key(&s.secret_access_key);
        if !s.endpoint.is_empty() {
            builder = builder
                .with_endpoint(&s.endpoint)
                .with_allow_http(s.endpoint.starts_with("http://"));
        }
        let store = builder
            .build()
            .map_err(|e| StorageError::Backend(e.to_string()))?;
        Ok(S3Storage { store })
    }

    fn path(key: &str) -> Result<object_store::path::Path, StorageError> {
        if !valid_key(key) {
            return Err(StorageError::BadKey(key.to_string()));
        }
        Ok(object_store::path::Path::from(key))
    }
}

impl Storage for S3Storage {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async move {
            use object_store::ObjectStore;
            let path = Self::path(key)?;
            self.store
                .put_opts(&path, bytes.into(), Default::default())
                .await
                .map_err(|e| StorageError::Backend(e.to_string()))?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StorageError>> {
        Box::pin(async move {
            use object_store::ObjectStore;
            let path = Self::path(key)?;
            match self.store.get_opts(&path, Default::default()).await {
                Ok(r) => Ok(Some(
                    r.bytes()
                        .await
                        .map_err(|e| StorageError::Backend(e.to_string()))?
                        .to_vec(),
                )),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(StorageError::Backend(e.to_string())),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async move {
            use object_store::ObjectStoreExt;
            let path = Self::path(key)?;
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(StorageError::Backend(e.to_string())),
            }
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
