//! Column shapes the migrations from 2026-12-07 on share. Only add here; a shape a shipped
//! migration uses must never change.

use sea_orm_migration::prelude::*;

/// A `BIGINT` primary key the database assigns.
pub fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// A required timestamp with time zone.
pub fn at(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// A required boolean, false unless set.
pub fn flag(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}
