//! People search without diacritics: `users.name_fold`, the display name in lower case with its
//! diacritics taken off (`đ` → `d`), so a manager typing "nguyen van a" finds "Nguyễn Văn A".
//! Indexed; existing accounts are filled in here, new ones by the store when they are written.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    DisplayName,
    NameFold,
}

/// A display name as the search compares it: NFD, combining marks dropped, `đ`/`Đ` → `d`,
/// lower case, runs of white space as one space, trimmed.
pub fn fold_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = name
        .nfd()
        .filter(|&c| !unicode_normalization::char::is_combining_mark(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::NameFold)
                        .string_len(400)
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;
        // Fill in every existing account, a batch of ids at a time.
        let db = m.get_connection();
        let backend = m.get_database_backend();
        let mut after = 0_i64;
        loop {
            let select = Query::select()
                .columns([Users::Id, Users::DisplayName])
                .from(Users::Table)
                .and_where(Expr::col(Users::Id).gt(after))
                .order_by(Users::Id, Order::Asc)
                .limit(1000)
                .to_owned();
            let rows = db.query_all(backend.build(&select)).await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let id: i64 = r.try_get("", "id")?;
                let name: String = r.try_get("", "display_name")?;
                after = id;
                let update = Query::update()
                    .table(Users::Table)
                    .value(Users::NameFold, fold_name(&name))
                    .and_where(Expr::col(Users::Id).eq(id))
                    .to_owned();
                let (sql, values) = update.build_any(&*backend.get_query_builder());
                db.execute(Statement::from_sql_and_values(backend, sql, values))
                    .await?;
            }
        }
        m.create_index(
            Index::create()
                .name("idx_users_name_fold")
                .table(Users::Table)
                .col(Users::NameFold)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_users_name_fold")
                .table(Users::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::NameFold)
                .to_owned(),
        )
        .await
    }
}
