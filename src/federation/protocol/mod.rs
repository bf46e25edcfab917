//! serde types for ActivityStreams documents, lenient on input (real servers send single
//! values where arrays are usual, nulls, and odd timestamps) and Mastodon-shaped on output.
//! The only place in federation that looks inside JSON by hand.

pub mod activity;
pub mod actor;
pub mod context;
pub mod lenient;
pub mod nodeinfo;
pub mod object;
pub mod outbox;
pub mod outgoing;
