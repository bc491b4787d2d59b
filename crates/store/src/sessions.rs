//! Server-side sessions: one row per sign-in, named by the session token. A token is honoured
//! only while its row is neither revoked nor expired; signing out, a password change and "sign
//! out everywhere" revoke rows. The row is read together with its account in one query, so
//! checking it costs a request nothing beyond the account lookup it already made, and the
//! account's roles come in the same query.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, QueryFilter, QueryOrder, Set, Statement,
};
use time::OffsetDateTime;

use crate::entity::{session, user};
use crate::{Result, Store, User};

/// A sign-in, as a later "your active sessions" page would list it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub user_id: i64,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

fn from_model(m: session::Model) -> Session {
    Session {
        id: m.id,
        user_id: m.user_id,
        created_at: m.created_at,
        last_seen_at: m.last_seen_at,
        expires_at: m.expires_at,
    }
}

/// `alias.column AS alias_column, …` for every column of an entity, quoted (`group_id` and
/// the like are safe, but a future `group` would not be), so one row can carry two models.
fn select_list<C: Iterable + IdenStatic>(alias: &str) -> String {
    C::iter()
        .map(|c| format!("{alias}.\"{0}\" AS \"{alias}_{0}\"", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a request asks along with its session ([`Store::session_read`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionExtras<'a> {
    /// The user's unread notifications (the pages' menu badge).
    pub unread: bool,
    /// Whether the user completed this lesson (course id, lesson id): the lesson page's one
    /// question of its own.
    pub completion: Option<(&'a str, &'a str)>,
}

/// A live session, its account, and the answers to [`SessionExtras`].
#[derive(Debug, Clone)]
pub struct SessionRead {
    pub session: Session,
    pub user: User,
    /// 0 when not asked.
    pub unread: u64,
    /// None when not asked.
    pub completed: Option<bool>,
}

/// The session query for one backend and set of extras, built once: every signed-in request
/// runs one of these four statements per backend.
fn session_sql(postgres: bool, extras: SessionExtras<'_>) -> &'static str {
    static SQL: [std::sync::OnceLock<String>; 8] = [const { std::sync::OnceLock::new() }; 8];
    let slot = usize::from(postgres) * 4
        + usize::from(extras.unread) * 2
        + usize::from(extras.completion.is_some());
    SQL[slot].get_or_init(|| {
        let mut n = 0;
        let mut param = || {
            n += 1;
            if postgres {
                format!("${n}")
            } else {
                "?".to_owned()
            }
        };
        let completed = if extras.completion.is_some() {
            // At most one row (`uq_lesson_completions`); COUNT(*) is a BIGINT on both backends.
            format!(
                ", (SELECT COUNT(*) FROM lesson_completions c WHERE c.user_id = u.id \
                 AND c.course_id = {} AND c.lesson_id = {}) AS completed",
                param(),
                param()
            )
        } else {
            String::new()
        };
        let unread = if extras.unread {
            "(SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL)"
        } else {
            // BIGINT as COUNT(*) is on PostgreSQL, so one decoder reads both.
            "CAST(0 AS BIGINT)"
        };
        let roles = if postgres {
            "string_agg(r.role, ',')"
        } else {
            "group_concat(r.role, ',')"
        };
        format!(
            "SELECT {}, {}, (SELECT {roles} FROM user_roles r WHERE r.user_id = u.id) AS roles, \
             {unread} AS unread{completed} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id = {} AND s.user_id = {} AND s.revoked_at IS NULL AND s.expires_at > {}",
            select_list::<session::Column>("s"),
            select_list::<user::Column>("u"),
            param(),
            param(),
            param(),
        )
    })
}

/// How long ended sessions are kept before they are deleted (enough for a person to see
/// "signed out an hour ago" on a sessions page; nothing needs them longer).
const KEEP_ENDED: time::Duration = time::Duration::days(7);

impl Store {
    /// Records a new sign-in, and deletes sessions that ended long ago so the table stays small.
    pub async fn create_session(
        &self,
        id: &str,
        user_id: i64,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let _turn = self.turn().await;
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(now - KEEP_ENDED))
            .exec(&self.db)
            .await?;
        session::ActiveModel {
            id: Set(id.to_owned()),
            user_id: Set(user_id),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// The account behind a live session, with the account's roles: one query, as every
    /// signed-in request asks it (before, the roles took a second round trip). None when the
    /// session is unknown, revoked, expired or belongs to someone else.
    pub async fn session_user(
        &self,
        id: &str,
        user_id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<(Session, User)>> {
        Ok(self
            .session_user_unread(id, user_id, now, false)
            .await?
            .map(|(s, u, _)| (s, u)))
    }

    /// As [`Self::session_user`], and, when `unread` is asked, how many notifications the user
    /// has not read (the pages' menu badge) in the same query: a page request makes one round
    /// trip fewer.
    pub async fn session_user_unread(
        &self,
        id: &str,
        user_id: i64,
        now: OffsetDateTime,
        unread: bool,
    ) -> Result<Option<(Session, User, u64)>> {
        let extras = SessionExtras {
            unread,
            completion: None,
        };
        Ok(self
            .session_read(id, user_id, now, extras)
            .await?
            .map(|r| (r.session, r.user, r.unread)))
    }

    /// The live session with its account and roles, and what `extras` asks for, in one query:
    /// each further question a page asks in it is a round trip saved (on SQLite, a hand-off to
    /// the connection's worker thread and back).
    pub async fn session_read(
        &self,
        id: &str,
        user_id: i64,
        now: OffsetDateTime,
        extras: SessionExtras<'_>,
    ) -> Result<Option<SessionRead>> {
        let backend = self.db.get_database_backend();
        let sql = session_sql(backend == DbBackend::Postgres, extras);
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(5);
        // In the order the parameters appear in the statement.
        if let Some((course, lesson)) = extras.completion {
            values.push(course.into());
            values.push(lesson.into());
        }
        values.extend([id.into(), user_id.into(), now.into()]);
        let stmt = Statement::from_sql_and_values(backend, sql, values);
        let Some(row) = self.db.query_one(stmt).await? else {
            return Ok(None);
        };
        let live = session::Model::from_query_result(&row, "s_")?;
        let account = user::Model::from_query_result(&row, "u_")?;
        let mut roles: Vec<String> = row
            .try_get::<Option<String>>("", "roles")?
            .map(|r| r.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        // As `with_roles` gives them: in order.
        roles.sort_unstable();
        let unread = row.try_get::<i64>("", "unread")?;
        let completed = match extras.completion {
            Some(_) => Some(row.try_get::<i64>("", "completed")? > 0),
            None => None,
        };
        Ok(Some(SessionRead {
            session: from_model(live),
            user: crate::people::user_from(account, roles),
            unread: u64::try_from(unread).unwrap_or(0),
            completed,
        }))
    }

    /// Notes activity on a session and slides its expiry. Callers do this at most every few
    /// minutes, not per request.
    pub async fn touch_session(
        &self,
        id: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let _turn = self.turn().await;
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(session::Column::ExpiresAt, Expr::value(expires_at))
            .filter(session::Column::Id.eq(id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Ends one session (signing out). False when it was already ended.
    pub async fn revoke_session(&self, id: &str, now: OffsetDateTime) -> Result<bool> {
        let _turn = self.turn().await;
        let r = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::Id.eq(id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// Ends every live session of an account except `keep` (None: all of them). Returns how
    /// many ended.
    pub async fn revoke_sessions_of(
        &self,
        user_id: i64,
        keep: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let _turn = self.turn().await;
        let mut q = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null());
        if let Some(k) = keep {
            q = q.filter(session::Column::Id.ne(k));
        }
        Ok(q.exec(&self.db).await?.rows_affected)
    }

    /// An account's live sessions, most recently used first.
    pub async fn active_sessions(&self, user_id: i64, now: OffsetDateTime) -> Result<Vec<Session>> {
        Ok(session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .order_by_desc(session::Column::LastSeenAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_model)
            .collect())
    }
}
