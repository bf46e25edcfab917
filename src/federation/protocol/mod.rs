//! serde types for ActivityStreams documents, lenient on input (real servers send single
//! values where arrays are usual, nulls, and odd timestamps) and Mastodon-shaped on output.

pub mod actor;
pub mod context;
pub mod lenient;
