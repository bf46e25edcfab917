//! Plain entity models in, sea-orm active models out. The domain builds and edits rows as
//! plain structs; which columns an insert or update writes is decided here, once.

use sea_orm::{ActiveModelTrait, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn};

type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

/// A row to insert with every column of `model`, primary key included (posts carry ids
/// made by the domain).
pub(crate) fn full<A>(model: ModelOf<A>) -> A
where
    A: ActiveModelTrait + From<ModelOf<A>>,
{
    A::from(model).reset_all()
}

/// A row to insert with every column of `model` but the primary key, which the database
/// assigns (whatever id the model carries is ignored).
pub(crate) fn fresh<A>(model: ModelOf<A>) -> A
where
    A: ActiveModelTrait + From<ModelOf<A>>,
{
    let mut row = full::<A>(model);
    for key in <A::Entity as EntityTrait>::PrimaryKey::iter() {
        row.not_set(key.into_column());
    }
    row
}

/// The columns where `after` differs from `before`: an update writes only what the caller
/// changed, so it never undoes a concurrent writer's change to another column.
pub(crate) fn changes<A>(before: ModelOf<A>, after: &ModelOf<A>) -> A
where
    A: ActiveModelTrait + From<ModelOf<A>>,
{
    let mut row = A::from(before);
    for column in <A::Entity as EntityTrait>::Column::iter() {
        row.set_if_not_equals(column, after.get(column));
    }
    row
}

/// Writes the [`changes`] from `before` to `after` of any entity's row and returns the row
/// as stored: one update for every aggregate, so none needs a function of its own.
pub async fn update<M, C>(db: &C, before: M, after: M) -> Result<M, super::StoreError>
where
    M: sea_orm::ModelTrait + sea_orm::IntoActiveModel<ActiveOf<M>>,
    M::Entity: EntityTrait<Model = M>,
    ActiveOf<M>: ActiveModelTrait<Entity = M::Entity> + From<M> + Send,
    C: sea_orm::ConnectionTrait,
{
    let row = changes::<ActiveOf<M>>(before, &after);
    if !row.is_changed() {
        return Ok(after);
    }
    Ok(row.update(db).await?)
}

type ActiveOf<M> = <<M as sea_orm::ModelTrait>::Entity as EntityTrait>::ActiveModel;

/// One cursor page of `query` over its `id` column, newest first, with Mastodon's
/// semantics ([`super::posts::Page`]): every paged list shares this one reading of
/// `max_id`/`since_id`/`min_id`.
pub(crate) async fn page_by_id<E, C>(
    db: &C,
    query: sea_orm::Select<E>,
    id: E::Column,
    page: &super::posts::Page,
) -> Result<Vec<E::Model>, super::StoreError>
where
    E: EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut q = query;
    if let Some(max) = page.max_id {
        q = q.filter(id.lt(max));
    }
    if let Some(since) = page.since_id {
        q = q.filter(id.gt(since));
    }
    if let Some(min) = page.min_id {
        let mut rows = q
            .filter(id.gt(min))
            .order_by_asc(id)
            .limit(page.limit)
            .all(db)
            .await?;
        rows.reverse();
        return Ok(rows);
    }
    Ok(q.order_by_desc(id).limit(page.limit).all(db).await?)
}

/// Inserts `model` as a new row (the database assigns the id) and returns it as stored.
pub async fn insert<M, C>(db: &C, model: M) -> Result<M, super::StoreError>
where
    M: sea_orm::ModelTrait + sea_orm::IntoActiveModel<ActiveOf<M>>,
    M::Entity: EntityTrait<Model = M>,
    ActiveOf<M>: ActiveModelTrait<Entity = M::Entity> + From<M> + Send,
    C: sea_orm::ConnectionTrait,
{
    Ok(fresh::<ActiveOf<M>>(model).insert(db).await?)
}
