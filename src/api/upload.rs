//! Multipart uploads: the `file` part as bytes plus named text parts, with the size limit
//! reported as 413 the way every upload endpoint reports it.

use std::collections::HashMap;

use axum::{extract::Multipart, http::StatusCode};

use super::ApiError;

/// One part of a multipart form.
pub struct Part {
    pub name: String,
    /// The file name the browser sent (file inputs only).
    pub file_name: Option<String>,
    pub data: Vec<u8>,
}

/// The next part of `form`, read whole (the route's body limit bounds it).
pub async fn next_part(form: &mut Multipart) -> Result<Option<Part>, ApiError> {
    let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(e.body_text()))?
    else {
        return Ok(None);
    };
    let name = field.name().unwrap_or_default().to_string();
    let file_name = field.file_name().map(str::to_string);
    let data = field.bytes().await.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge("File is too large".into()),
        _ => ApiError::BadRequest(e.body_text()),
    })?;
    Ok(Some(Part {
        name,
        file_name,
        data: data.to_vec(),
    }))
}

impl Part {
    /// The part as text; not UTF-8 is the client's mistake.
    pub fn text(self) -> Result<String, ApiError> {
        String::from_utf8(self.data)
            .map_err(|_| ApiError::BadRequest(format!("{} is not UTF-8 text", self.name)))
    }
}

/// Reads `file` and the text parts named in `fields` (others are skipped).
pub async fn read_upload(
    mut form: Multipart,
    fields: &[&str],
) -> Result<(Option<Vec<u8>>, HashMap<String, String>), ApiError> {
    let (mut bytes, mut texts) = (None, HashMap::new());
    while let Some(part) = next_part(&mut form).await? {
        if part.name == "file" {
            bytes = Some(part.data);
        } else if fields.contains(&part.name.as_str()) {
            let name = part.name.clone();
            texts.insert(name, part.text()?);
        }
    }
    Ok((bytes, texts))
}
