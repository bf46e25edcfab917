//! Uploads: validate, process off the async threads (bounded by a semaphore), store every
//! size, then record the attachment. Refused input leaves nothing in storage or database.

use crate::db::{Conn, Pool};
use std::sync::Arc;

use rand::RngCore;
use tokio::sync::Semaphore;

use super::DomainError;
use crate::{
    config::MediaConfig,
    db::{
        self,
        entities::{accounts::Model as Account, media_attachments},
    },
    media::{self, MediaError, Storage},
};

pub use media_attachments::Model as Attachment;

/// Media services shared by every upload path.
pub struct MediaService {
    pub storage: Arc<dyn Storage>,
    permits: Arc<Semaphore>,
    config: MediaConfig,
}

impl MediaService {
    /// `concurrency` 0 means one image at a time per CPU core.
    pub fn new(storage: Arc<dyn Storage>, config: MediaConfig) -> Self {
        let n = if config.concurrency == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            config.concurrency
        };
        MediaService {
            storage,
            permits: Arc::new(Semaphore::new(n)),
            config,
        }
    }
}

/// What an uploader sends.
#[derive(Debug, Default)]
pub struct NewMedia {
    /// The file's name as the uploader knows it, so a refusal can say which file it was.
    pub label: Option<String>,
    pub bytes: Vec<u8>,
    pub description: Option<String>,
    /// Focal point `(x, y)`, each in −1..1.
    pub focus: Option<(f64, f64)>,
}

impl From<MediaError> for DomainError {
    fn from(e: MediaError) -> Self {
        match e {
            e if e.is_too_large() => DomainError::TooLarge(e.to_string()),
            MediaError::Internal(m) => DomainError::Internal(m),
            other => DomainError::Invalid(other.to_string()),
        }
    }
}

fn validate(new: &NewMedia, config: &MediaConfig) -> Result<(), DomainError> {
    if new.bytes.len() > config.max_bytes {
        return Err(MediaError::TooManyBytes(new.bytes.len(), config.max_bytes).into());
    }
    if let Some(d) = &new.description
        && d.chars().count() > config.max_description_chars
    {
        return Err(DomainError::Invalid(format!(
            "alt text is longer than {} characters",
            config.max_description_chars
        )));
    }
    if let Some((x, y)) = new.focus
        && !((-1.0..=1.0).contains(&x) && (-1.0..=1.0).contains(&y))
    {
        return Err(DomainError::Invalid(
            "focal point coordinates must be between -1 and 1".into(),
        ));
    }
    Ok(())
}

fn random_key() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Processes and stores an upload for `owner`.
pub async fn upload(
    db: &Pool,
    service: &MediaService,
    owner: &Account,
    new: NewMedia,
) -> Result<Attachment, DomainError> {
    validate(&new, &service.config)?;
    let processed = {
        let _permit = service
            .permits
            .acquire()
            .await
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let config = service.config.clone();
        let bytes = new.bytes;
        tokio::task::spawn_blocking(move || media::process(&bytes, &config))
            .await
            .map_err(|e| DomainError::Internal(e.to_string()))??
    };
    let key = random_key();
    let mut written = Vec::new();
    for r in &processed.renditions {
        let file_key = format!("{key}/{}.{}", r.name, r.extension);
        if let Err(e) = service.storage.put(&file_key, r.bytes.clone()).await {
            remove_files(service, &written).await;
            return Err(DomainError::Internal(e.to_string()));
        }
        written.push(file_key);
    }
    let original = processed.get("original");
    let display = processed.get("display");
    let thumbnail = processed.get("thumbnail");
    let name = |r: &media::Rendition| Some(format!("{}.{}", r.name, r.extension));
    let now = chrono::Utc::now();
    let (focus_x, focus_y) = new.focus.unwrap_or((0.0, 0.0));
    let row = media_attachments::Model {
        id: 0,
        account_id: owner.id,
        post_id: None,
        kind: if processed.animated { "gifv" } else { "image" }.into(),
        state: "ready".into(),
        storage_key: Some(key),
        original_name: name(original),
        display_name: name(display),
        thumbnail_name: name(thumbnail),
        content_type: original.content_type.into(),
        width: Some(original.width as i32),
        height: Some(original.height as i32),
        display_width: Some(display.width as i32),
        display_height: Some(display.height as i32),
        thumbnail_width: Some(thumbnail.width as i32),
        thumbnail_height: Some(thumbnail.height as i32),
        size_bytes: processed
            .renditions
            .iter()
            .map(|r| r.bytes.len() as i64)
            .sum(),
        blurhash: Some(processed.blurhash.clone()),
        description: new.description.unwrap_or_default(),
        focus_x,
        focus_y,
        remote_url: None,
        created_at: now,
        updated_at: now,
        position: 0,
    };
    match db::media::insert(db, row).await {
        Ok(m) => Ok(m),
        Err(e) => {
            remove_files(service, &written).await;
            Err(e.into())
        }
    }
}

/// Removes stored files, logging (not failing on) the ones that will not go.
pub async fn remove_files(service: &MediaService, keys: &[String]) {
    for k in keys {
        if let Err(e) = service.storage.delete(k).await {
            tracing::warn!(key = %k, error = %e, "could not remove a media file");
        }
    }
}

/// An upload of `owner` by id (NotFound for anyone else's, as Mastodon answers).
pub async fn get_own(db: &Pool, owner: &Account, id: i64) -> Result<Attachment, DomainError> {
    db::media::find(db, id)
        .await?
        .filter(|m| m.account_id == owner.id)
        .ok_or_else(|| DomainError::NotFound("Record not found".into()))
}

/// A change of an upload's alt text or focal point (`None` keeps the value).
#[derive(Debug, Clone, PartialEq)]
pub struct MediaChange {
    pub id: i64,
    pub description: Option<String>,
    /// `(x, y)`, each in −1..1.
    pub focus: Option<(f64, f64)>,
}

/// Applies `change` to `existing` (already known to be the caller's), in the caller's
/// transaction, after checking it as an upload's fields are checked.
pub async fn apply_change<C: Conn>(
    db: &C,
    service: &MediaService,
    existing: Attachment,
    change: &MediaChange,
) -> Result<Attachment, DomainError> {
    validate(
        &NewMedia {
            bytes: vec![],
            description: change.description.clone(),
            focus: change.focus,
            ..Default::default()
        },
        &service.config,
    )?;
    let mut row = existing.clone();
    if let Some(d) = &change.description {
        row.description = d.clone();
    }
    if let Some((x, y)) = change.focus {
        row.focus_x = x;
        row.focus_y = y;
    }
    row.updated_at = chrono::Utc::now();
    Ok(db::update(db, existing, row).await?)
}

/// Changes an upload's alt text and focal point (Mastodon's `PUT /api/v1/media/:id`).
pub async fn describe(
    db: &Pool,
    service: &MediaService,
    owner: &Account,
    id: i64,
    description: Option<String>,
    focus: Option<(f64, f64)>,
) -> Result<Attachment, DomainError> {
    let existing = get_own(db, owner, id).await?;
    let change = MediaChange {
        id,
        description,
        focus,
    };
    apply_change(db, service, existing, &change).await
}

/// Removes an upload that will not be used (its post was refused).
pub async fn discard(
    db: &Pool,
    service: &MediaService,
    attachment: &Attachment,
) -> Result<(), DomainError> {
    remove_files(service, &file_keys(attachment)).await;
    db::media::delete(db, attachment.id).await?;
    Ok(())
}

/// Storage keys of every file of an attachment.
pub fn file_keys(a: &Attachment) -> Vec<String> {
    let Some(key) = &a.storage_key else {
        return vec![];
    };
    let mut names: Vec<&String> = [&a.original_name, &a.display_name, &a.thumbnail_name]
        .into_iter()
        .flatten()
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(|n| format!("{key}/{n}")).collect()
}

/// Deletes uploads never attached to a post within `max_age` (profile pictures in use
/// excepted); returns how many.
pub async fn remove_unattached(
    db: &Pool,
    service: &MediaService,
    max_age: chrono::Duration,
) -> Result<usize, DomainError> {
    let stale = db::media::unattached_before(db, chrono::Utc::now() - max_age).await?;
    let mut removed = 0;
    for a in &stale {
        // A profile picture is an upload no post uses, and stays while it is shown.
        if let Some(key) = &a.storage_key
            && db::accounts::shows_picture(db, key).await?
        {
            continue;
        }
        remove_files(service, &file_keys(a)).await;
        db::media::delete(db, a.id).await?;
        removed += 1;
    }
    Ok(removed)
}
