//! Pinhole's database migrations. Append-only history: never edit a migration that has
//! shipped, and never import the application's entities (they describe today's schema, a
//! migration must keep describing the schema of its own day).

pub use sea_orm_migration::prelude::*;

mod columns;

mod m20261125_000001_create_accounts;
mod m20261125_000002_create_api_tokens;
mod m20261125_000003_create_instance_keys;
mod m20261125_000004_federation;
mod m20261125_000005_media;
mod m20261126_000006_posts;
mod m20261126_000007_oauth;
mod m20261126_000008_bookmarks_idempotency;
mod m20261126_000009_profile_fields;
mod m20261126_000010_c2s;
mod m20261129_000011_delivery_order;
mod m20261207_000012_community;
mod m20261207_000013_reports;
mod m20261207_000014_domain_blocks;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_accounts::Migration),
            Box::new(m20261125_000002_create_api_tokens::Migration),
            Box::new(m20261125_000003_create_instance_keys::Migration),
            Box::new(m20261125_000004_federation::Migration),
            Box::new(m20261125_000005_media::Migration),
            Box::new(m20261126_000006_posts::Migration),
            Box::new(m20261126_000007_oauth::Migration),
            Box::new(m20261126_000008_bookmarks_idempotency::Migration),
            Box::new(m20261126_000009_profile_fields::Migration),
            Box::new(m20261126_000010_c2s::Migration),
            Box::new(m20261129_000011_delivery_order::Migration),
            Box::new(m20261207_000012_community::Migration),
            Box::new(m20261207_000013_reports::Migration),
            Box::new(m20261207_000014_domain_blocks::Migration),
        ]
    }
}
