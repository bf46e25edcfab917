//! Media: the image pipeline (`process`) and file storage (`storage`). A leaf module: it
//! knows neither HTTP nor the database.

pub mod process;
pub mod scan;
pub mod storage;

pub use process::{MediaError, Processed, Rendition, process};
pub use storage::{FsStorage, S3Settings, S3Storage, Storage, StorageError};
