//! Storage: the only place sea-orm queries appear. One module per aggregate.

pub mod account_warnings;
pub mod accounts;
pub mod action_logs;
pub mod blocks;
pub mod deliveries;
pub mod domains;
pub mod entities;
pub mod follows;
pub mod inbox;
pub mod instance_keys;
pub mod invites;
pub mod media;
pub mod oauth;
pub mod posts;
pub mod reports;
mod rows;

pub use rows::{insert, update};
pub mod seed;
pub mod tokens;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, SqlErr,
    sea_query::{Expr, ExprTrait},
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::Config;

/// Storage failures, split only where callers act differently.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint rejected the write; the caller knows which one it risked.
    #[error("duplicate value")]
    Conflict,
    /// SQLite's write lock stayed taken past the busy timeout: try again later.
    #[error("the database is busy")]
    Busy,
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict,
            _ if is_busy(&err) => StoreError::Busy,
            _ => StoreError::Db(err),
        }
    }
}

/// SQLite's SQLITE_BUSY / SQLITE_LOCKED, which sqlx reports only by message.
fn is_busy(err: &DbErr) -> bool {
    let text = err.to_string();
    text.contains("database is locked") || text.contains("database is busy")
}

/// Starts a transaction that only reads: a page's several lookups (the page, its authors,
/// attachments, mentions, tags) then share one pooled connection instead of a checkout and
/// a release check around each of them (on SQLite they also share one snapshot).
pub async fn begin_read(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, StoreError> {
    use sea_orm::TransactionTrait;
    Ok(db.begin().await?)
}

/// The connection pool, as the layers above name it (they never import sea-orm).
pub type Pool = sea_orm::DatabaseConnection;

/// Where queries run: the pool or an open transaction. Domain functions that work inside
/// a caller's transaction take any `Conn`.
pub trait Conn: sea_orm::ConnectionTrait {}

impl<T: sea_orm::ConnectionTrait> Conn for T {}

/// An open transaction, as the layers above name it.
pub type Transaction = sea_orm::DatabaseTransaction;

/// Commits a transaction.
pub async fn commit(txn: Transaction) -> Result<(), StoreError> {
    Ok(txn.commit().await?)
}

/// Attempts at taking SQLite's write lock, each waiting up to the busy timeout.
const WRITE_LOCK_ATTEMPTS: u32 = 3;

/// Starts a transaction that will write. On SQLite it takes the write lock up front
/// (waiting under the busy timeout): a transaction that reads first and writes later would
/// fail with "database is locked" when another writer got in between, since SQLite cannot
/// upgrade a stale read snapshot.
pub async fn begin_write(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, StoreError> {
    use sea_orm::TransactionTrait;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let txn = db.begin().await?;
        if txn.get_database_backend() != sea_orm::DbBackend::Sqlite {
            return Ok(txn);
        }
        // A burst of inbound writes can keep the lock busy past one busy timeout; a
        // local write waits its turn again rather than failing.
        match txn
            .execute_unprepared("UPDATE instance_keys SET id = id WHERE 1 = 0")
            .await
            .map_err(StoreError::from)
        {
            Ok(_) => return Ok(txn),
            Err(StoreError::Busy) if attempt < WRITE_LOCK_ATTEMPTS => {
                tracing::debug!(attempt, "SQLite write lock busy; waiting again");
            }
            Err(e) => return Err(e),
        }
    }
}

/// Why the database could not be opened; the URL is shown without its password.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to database {url}: {source}{hint}")]
    Connect {
        url: String,
        source: DbErr,
        /// What a plain TCP connection attempt said, since the pool's timeout hides it.
        hint: String,
    },
    #[error("unsupported database URL {0}: use sqlite:// or postgres://")]
    Scheme(String),
    #[error("database migration failed: {0}")]
    Migrate(DbErr),
}

/// Opens the pool for the configured database (creating the SQLite file and data directory
/// when needed) and checks the connection works.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, ConnectError> {
    let url = config.effective_database_url();
    let shown = redact_url(&url);
    let is_sqlite = url.starts_with("sqlite:");
    if !is_sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Err(ConnectError::Scheme(shown));
    }
    if config.database_url.trim().is_empty() {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ConnectError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
    }
    let timeout = Duration::from_secs(config.database.connect_timeout_seconds);
    let busy = Duration::from_secs(config.database.sqlite_busy_timeout_seconds);
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(config.database.max_connections)
        .connect_timeout(timeout)
        .acquire_timeout(timeout)
        // sqlx pings a connection on every checkout by default: a third of a timeline
        // page's round trips. A connection in use moments ago is alive; one idle for a while
        // may have been cut by a restart or a proxy, and is still checked.
        .test_before_acquire_if_idle_for(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(busy)
                .create_if_missing(true)
        });
    let connected = match Database::connect(options).await {
        Ok(db) => db.ping().await.map(|()| db),
        Err(e) => Err(e),
    };
    match connected {
        Ok(db) => Ok(db),
        Err(source) => {
            let hint = if is_sqlite {
                String::new()
            } else {
                tcp_hint(&url).await
            };
            Err(ConnectError::Connect {
                url: shown,
                source,
                hint,
            })
        }
    }
}

/// For network databases, tries a bare TCP connection so the error can say "connection
/// refused" instead of only "pool timed out".
async fn tcp_hint(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return String::new();
    };
    let Some(host) = parsed.host_str() else {
        return String::new();
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = parsed.port().unwrap_or(5432);
    let attempt = tokio::time::timeout(
        Duration::from_secs(3),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await;
    match attempt {
        Ok(Ok(_)) => String::new(),
        Ok(Err(e)) => format!(" (TCP connection to {host}:{port}: {e})"),
        Err(_) => format!(" (TCP connection to {host}:{port} timed out)"),
    }
}

/// Applies pending migrations; safe to call on every start.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), ConnectError> {
    Migrator::up(db, None).await.map_err(ConnectError::Migrate)
}

/// `expr IN ids`, in the form each database plans best. PostgreSQL gets one array
/// parameter (`= ANY($1)`): one statement shape whatever the length, planned once per
/// connection. Given a list of parameters instead, PostgreSQL plans the statement afresh on
/// every call whenever the table is small (a custom plan looks cheaper than the generic
/// one): 120-190 µs of planning per lookup, more than running it. SQLite gets an `IN`
/// list [`padded`] to a few lengths.
pub fn in_ids(backend: DbBackend, expr: impl Into<Expr>, ids: &[i64]) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust_with_exprs(
            "$1 = ANY($2)",
            [
                expr.into(),
                Expr::val(sea_orm::Value::Array(
                    sea_orm::sea_query::ArrayType::BigInt,
                    Some(Box::new(ids.iter().map(|&id| id.into()).collect())),
                )),
            ],
        ),
        _ => expr.into().is_in(padded(ids)),
    }
}

/// An id list for `IN (…)`, padded up to a power of two (at least 8) by repeating its last
/// id. Statements then come in a handful of shapes, which the driver prepares once per
/// connection and reuses, instead of a new statement (parsed and planned again) for every
/// list length; `IN` ignores the repeats.
pub fn padded(ids: &[i64]) -> Vec<i64> {
    let mut out = ids.to_vec();
    match ids.last() {
        // Long lists are rare (a huge thread) and keep their length: padding would only
        // bring them closer to the databases' bind-parameter limits.
        Some(&last) if ids.len() <= PADDED_UP_TO => {
            out.resize(ids.len().next_power_of_two().max(8), last);
        }
        _ => {}
    }
    out
}

/// Longest id list [`padded`] pads.
pub const PADDED_UP_TO: usize = 1024;

/// Cheap liveness check for `/health`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), StoreError> {
    db.execute_unprepared("SELECT 1").await?;
    Ok(())
}

/// Hides the password in a database URL so it can be logged or shown.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{in_ids, padded, redact_url};

    #[test]
    fn id_lists_are_one_array_on_postgres_and_padded_lists_on_sqlite() {
        use sea_orm::{
            DbBackend,
            sea_query::{Alias, Expr, Query},
        };
        let ids: Vec<i64> = (1..=40).collect();
        let query = |backend| {
            let q = Query::select()
                .column(Alias::new("id"))
                .from(Alias::new("posts"))
                .and_where(in_ids(backend, Expr::col(Alias::new("id")), &ids))
                .to_owned();
            backend.build(&q)
        };
        let pg = query(DbBackend::Postgres);
        assert!(pg.sql.ends_with(r#"WHERE "id" = ANY($1)"#), "{}", pg.sql);
        assert_eq!(pg.values.map(|v| v.0.len()), Some(1));
        let lite = query(DbBackend::Sqlite);
        assert_eq!(lite.values.map(|v| v.0.len()), Some(64));
    }

    #[test]
    fn id_lists_come_in_few_shapes() {
        assert!(padded(&[]).is_empty());
        assert_eq!(padded(&[3]), vec![3; 8]);
        let ten: Vec<i64> = (1..=10).collect();
        let p = padded(&ten);
        assert_eq!(p.len(), 16);
        assert_eq!(&p[..10], &ten[..]);
        assert!(p[10..].iter().all(|&x| x == 10));
        assert_eq!(padded(&(0..64).collect::<Vec<_>>()).len(), 64);
        assert_eq!(padded(&(0..1025).collect::<Vec<_>>()).len(), 1025);
    }

    #[test]
    fn password_is_hidden() {
        assert_eq!(
            redact_url("postgres://u:secret@127.0.0.1:5432/db"),
            "postgres://u:***@127.0.0.1:5432/db"
        );
        assert_eq!(
            redact_url("sqlite://data/x.sqlite"),
            "sqlite://data/x.sqlite"
        );
    }
}
