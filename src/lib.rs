//! Pinhole: a federated home for photos and short notes.
//!
//! Layers (see `docs/architecture.md`): `api` (HTTP) and `federation` (ActivityPub) call
//! `domain` (rules), which calls `db` (storage). `app` wires them together.

pub mod api;
pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod federation;
pub mod media;
pub mod net;
pub mod server;
pub mod state;
pub mod uris;

/// This build's version, reported in NodeInfo, the instance API and `/health`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
