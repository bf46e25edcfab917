//! Our models → ActivityStreams documents.

pub mod actor;
