//! sea-orm entities: database rows, nothing else (no HTTP, no ActivityStreams).

pub mod accounts;
pub mod api_tokens;
pub mod instance_keys;
