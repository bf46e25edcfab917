//! Multipart uploads: the `file` part as bytes plus named text parts, with the size limit
//! reported as 413 the way every upload endpoint reports it.

use std::collections::HashMap;

use axum::{extract::Multipart, http::StatusCode};

use super::ApiError;

/// Reads `file` and the text parts named in `fields` (others are skipped).
pub async fn read_upload(
    mut form: Multipart,
    fields: &[&str],
) -> Result<(Option<Vec<u8>>, HashMap<String, String>), ApiError> {
    let (mut bytes, mut texts) = (None, HashMap::new());
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let data = field.bytes().await.map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::PayloadTooLarge("File is too large".into())
                }
                _ => ApiError::BadRequest(e.body_text()),
            })?;
            bytes = Some(data.to_vec());
        } else if fields.contains(&name.as_str()) {
            let text = field
                .text()
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
            texts.insert(name, text);
        }
    }
    Ok((bytes, texts))
}
