//! Posts (photo posts, notes and boosts), their edit history, mentions, hashtags,
//! favourites, notifications, and tombstones of deleted posts.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    Uri,
    Url,
    AccountId,
    Local,
    ReblogOfId,
    InReplyToId,
    InReplyToUri,
    InReplyToAccountId,
    Content,
    Source,
    Summary,
    Sensitive,
    Visibility,
    Language,
    HasMedia,
    PublishedAt,
    EditedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PostEdits {
    Table,
    Id,
    PostId,
    Content,
    Summary,
    Sensitive,
    MediaJson,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Mentions {
    Table,
    Id,
    PostId,
    AccountId,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    Name,
    NameKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PostTags {
    Table,
    PostId,
    TagId,
}

#[derive(DeriveIden)]
enum Favourites {
    Table,
    Id,
    AccountId,
    PostId,
    Uri,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    AccountId,
    FromAccountId,
    Kind,
    PostId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tombstones {
    Table,
    Id,
    Uri,
    AccountId,
    DeletedAt,
}

#[derive(DeriveIden)]
enum MediaAttachments {
    Table,
    Position,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

fn tstz(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut idx = Index::create().name(name).table(table).to_owned();
    for c in cols {
        idx.col(c);
    }
    if unique {
        idx.unique();
    }
    manager.create_index(idx).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        manager
            .create_table(
                Table::create()
                    .table(Posts::Table)
                    .col(id(Posts::Id))
                    .col(ColumnDef::new(Posts::Uri).text().not_null())
                    .col(ColumnDef::new(Posts::Url).text().null())
                    .col(ColumnDef::new(Posts::AccountId).big_integer().not_null())
                    .col(ColumnDef::new(Posts::Local).boolean().not_null())
                    .col(ColumnDef::new(Posts::ReblogOfId).big_integer().null())
                    .col(ColumnDef::new(Posts::InReplyToId).big_integer().null())
                    .col(ColumnDef::new(Posts::InReplyToUri).text().null())
                    .col(
                        ColumnDef::new(Posts::InReplyToAccountId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Posts::Content).text().not_null().default(""))
                    .col(ColumnDef::new(Posts::Source).text().null())
                    .col(ColumnDef::new(Posts::Summary).text().not_null().default(""))
                    .col(
                        ColumnDef::new(Posts::Sensitive)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Posts::Visibility).string_len(16).not_null())
                    .col(ColumnDef::new(Posts::Language).string_len(16).null())
                    .col(
                        ColumnDef::new(Posts::HasMedia)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(tstz(Posts::PublishedAt))
                    .col(
                        ColumnDef::new(Posts::EditedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(tstz(Posts::CreatedAt))
                    .col(tstz(Posts::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_posts_account",
                        (Posts::Table, Posts::AccountId),
                        (Accounts::Table, Accounts::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_posts_reblog",
                        (Posts::Table, Posts::ReblogOfId),
                        (Posts::Table, Posts::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_posts_reply",
                        (Posts::Table, Posts::InReplyToId),
                        (Posts::Table, Posts::Id),
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_posts_uri",
            Posts::Table,
            vec![Posts::Uri.into_iden()],
            true,
        )
        .await?;
        // Account timelines and the home timeline's per-author scans.
        index(
            manager,
            "idx_posts_account_id",
            Posts::Table,
            vec![Posts::AccountId.into_iden(), Posts::Id.into_iden()],
            false,
        )
        .await?;
        // One boost per account and post.
        index(
            manager,
            "idx_posts_reblog",
            Posts::Table,
            vec![Posts::ReblogOfId.into_iden(), Posts::AccountId.into_iden()],
            true,
        )
        .await?;
        index(
            manager,
            "idx_posts_reply",
            Posts::Table,
            vec![Posts::InReplyToId.into_iden()],
            false,
        )
        .await?;
        // Local and federated timelines.
        index(
            manager,
            "idx_posts_visibility",
            Posts::Table,
            vec![
                Posts::Visibility.into_iden(),
                Posts::Local.into_iden(),
                Posts::Id.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PostEdits::Table)
                    .col(id(PostEdits::Id))
                    .col(ColumnDef::new(PostEdits::PostId).big_integer().not_null())
                    .col(ColumnDef::new(PostEdits::Content).text().not_null())
                    .col(ColumnDef::new(PostEdits::Summary).text().not_null())
                    .col(ColumnDef::new(PostEdits::Sensitive).boolean().not_null())
                    .col(ColumnDef::new(PostEdits::MediaJson).text().not_null())
                    .col(tstz(PostEdits::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_post_edits_post",
                        (PostEdits::Table, PostEdits::PostId),
                        (Posts::Table, Posts::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_post_edits_post",
            PostEdits::Table,
            vec![PostEdits::PostId.into_iden(), PostEdits::Id.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Mentions::Table)
                    .col(id(Mentions::Id))
                    .col(ColumnDef::new(Mentions::PostId).big_integer().not_null())
                    .col(ColumnDef::new(Mentions::AccountId).big_integer().not_null())
                    .foreign_key(&mut fk(
                        "fk_mentions_post",
                        (Mentions::Table, Mentions::PostId),
                        (Posts::Table, Posts::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_mentions_account",
                        (Mentions::Table, Mentions::AccountId),
                        (Accounts::Table, Accounts::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_mentions_post_account",
            Mentions::Table,
            vec![
                Mentions::PostId.into_iden(),
                Mentions::AccountId.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "idx_mentions_account",
            Mentions::Table,
            vec![
                Mentions::AccountId.into_iden(),
                Mentions::PostId.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .col(id(Tags::Id))
                    .col(ColumnDef::new(Tags::Name).string_len(256).not_null())
                    .col(ColumnDef::new(Tags::NameKey).string_len(256).not_null())
                    .col(tstz(Tags::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tags_key",
            Tags::Table,
            vec![Tags::NameKey.into_iden()],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PostTags::Table)
                    .col(ColumnDef::new(PostTags::TagId).big_integer().not_null())
                    .col(ColumnDef::new(PostTags::PostId).big_integer().not_null())
                    .primary_key(Index::create().col(PostTags::TagId).col(PostTags::PostId))
                    .foreign_key(&mut fk(
                        "fk_post_tags_post",
                        (PostTags::Table, PostTags::PostId),
                        (Posts::Table, Posts::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_post_tags_tag",
                        (PostTags::Table, PostTags::TagId),
                        (Tags::Table, Tags::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_post_tags_post",
            PostTags::Table,
            vec![PostTags::PostId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Favourites::Table)
                    .col(id(Favourites::Id))
                    .col(
                        ColumnDef::new(Favourites::AccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Favourites::PostId).big_integer().not_null())
                    .col(ColumnDef::new(Favourites::Uri).text().not_null())
                    .col(tstz(Favourites::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_favourites_account",
                        (Favourites::Table, Favourites::AccountId),
                        (Accounts::Table, Accounts::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_favourites_post",
                        (Favourites::Table, Favourites::PostId),
                        (Posts::Table, Posts::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_favourites_pair",
            Favourites::Table,
            vec![
                Favourites::AccountId.into_iden(),
                Favourites::PostId.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "idx_favourites_post",
            Favourites::Table,
            vec![Favourites::PostId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_favourites_uri",
            Favourites::Table,
            vec![Favourites::Uri.into_iden()],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(id(Notifications::Id))
                    .col(
                        ColumnDef::new(Notifications::AccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notifications::FromAccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notifications::Kind)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Notifications::PostId).big_integer().null())
                    .col(tstz(Notifications::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_notifications_account",
                        (Notifications::Table, Notifications::AccountId),
                        (Accounts::Table, Accounts::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_notifications_from",
                        (Notifications::Table, Notifications::FromAccountId),
                        (Accounts::Table, Accounts::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_notifications_post",
                        (Notifications::Table, Notifications::PostId),
                        (Posts::Table, Posts::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_notifications_account",
            Notifications::Table,
            vec![
                Notifications::AccountId.into_iden(),
                Notifications::Id.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tombstones::Table)
                    .col(id(Tombstones::Id))
                    .col(ColumnDef::new(Tombstones::Uri).text().not_null())
                    .col(ColumnDef::new(Tombstones::AccountId).big_integer().null())
                    .col(tstz(Tombstones::DeletedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tombstones_uri",
            Tombstones::Table,
            vec![Tombstones::Uri.into_iden()],
            true,
        )
        .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(MediaAttachments::Table)
                    .add_column(
                        ColumnDef::new(MediaAttachments::Position)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MediaAttachments::Table)
                    .drop_column(MediaAttachments::Position)
                    .to_owned(),
            )
            .await?;
        for table in [
            Tombstones::Table.into_iden(),
            Notifications::Table.into_iden(),
            Favourites::Table.into_iden(),
            PostTags::Table.into_iden(),
            Tags::Table.into_iden(),
            Mentions::Table.into_iden(),
            PostEdits::Table.into_iden(),
            Posts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
