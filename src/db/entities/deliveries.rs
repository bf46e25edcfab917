//! One outgoing POST of one activity to one inbox.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub inbox_url: String,
    /// Host (and port) of the inbox: the unit of concurrency limits and circuit breaking.
    pub domain: String,
    /// The local account that signs; `None` means the instance actor.
    pub signer_account_id: Option<i64>,
    /// The activity JSON, rendered when the change happened.
    pub body: String,
    /// `queued`, `done` or `dead`.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// Set while a worker holds the row; an expired lease means the worker died.
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// What the activity is about; deliveries with the same key to the same inbox are
    /// sent one after another, in queue order. `None`: no order to keep.
    pub ordering_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
