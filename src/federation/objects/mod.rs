//! Our models → ActivityStreams documents.

pub mod actor;
pub mod note;
