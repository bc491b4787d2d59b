//! The plan's community models: households ("Gia đình số"), mentors and their mentees ("Đại sứ
//! số", with registration on the mentor's phone), and community classes with their attendance.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use crate::aggregates::{
    household_created, lock_household, lock_person, with_household_change, with_mentor_change,
};
use crate::entity::{
    assisted_registration, attendance_code, class_attendance, class_session, household,
    household_member, learner_status, mentor_link,
};
use crate::instant::utc;
use crate::people::insert_user;
use crate::units::{add_member_in, PersonRow};
use crate::{NewConsent, NewUser, Result, Store, StoreError, User};

pub use crate::entity::class_session::Model as ClassSession;
pub use crate::entity::household::Model as Household;

pub struct NewClass {
    pub unit_id: i64,
    pub course_id: String,
    pub place: String,
    pub starts_at: OffsetDateTime,
    pub organiser_id: i64,
}

#[derive(Debug, Clone)]
pub struct Attendee {
    pub user_id: i64,
    pub display_name: String,
    pub username: String,
    pub method: String,
    pub recorded_at: OffsetDateTime,
}

/// Where an assisted registration puts the new person.
pub struct Assist {
    pub helper_id: i64,
    pub unit_id: Option<i64>,
    pub household_id: Option<i64>,
    /// A household to create in `unit_id` and put the person in: (code, name).
    pub new_household: Option<(String, String)>,
    /// The first sign-in code, recorded with the account so that no account is left without
    /// one: (hash of the code, when it expires). Issued by the helper (`mentor` channel).
    pub first_code: Option<(String, OffsetDateTime)>,
}

impl Store {
    pub async fn create_household(
        &self,
        unit_id: i64,
        code: &str,
        name: &str,
        at: OffsetDateTime,
    ) -> Result<Household> {
        let tx = self.begin_write().await?;
        let h = create_household_in(&tx, unit_id, code, name, at).await?;
        tx.commit().await?;
        Ok(h)
    }

    pub async fn household(&self, id: i64) -> Result<Option<Household>> {
        Ok(household::Entity::find_by_id(id).one(&self.db).await?)
    }

    pub async fn household_by_code(&self, code: &str) -> Result<Option<Household>> {
        Ok(household::Entity::find()
            .filter(household::Column::Code.eq(code))
            .one(&self.db)
            .await?)
    }

    pub async fn households_in(&self, unit_ids: &[i64]) -> Result<Vec<Household>> {
        Ok(household::Entity::find()
            .filter(household::Column::UnitId.is_in(unit_ids.to_vec()))
            .order_by_asc(household::Column::Code)
            .all(&self.db)
            .await?)
    }

    /// Puts a person in a household (moving them out of another one), keeping the digital
    /// family counts right.
    pub async fn set_household(&self, user_id: i64, household_id: i64) -> Result<()> {
        let tx = self.begin_write().await?;
        set_household_in(&tx, user_id, household_id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn household_of(&self, user_id: i64) -> Result<Option<Household>> {
        let Some(link) = household_member::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        self.household(link.household_id).await
    }

    /// Links a mentee to a mentor (replacing an earlier mentor).
    pub async fn link_mentor(
        &self,
        mentee_id: i64,
        mentor_id: i64,
        source: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        link_mentor_in(&tx, mentee_id, mentor_id, source, at).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn mentor_of(&self, mentee_id: i64) -> Result<Option<i64>> {
        Ok(mentor_link::Entity::find_by_id(mentee_id)
            .one(&self.db)
            .await?
            .map(|l| l.mentor_id))
    }

    /// A mentor's mentees with their milestones, by name.
    pub async fn mentees(&self, mentor_id: i64) -> Result<Vec<PersonRow>> {
        let ids: Vec<i64> = mentor_link::Entity::find()
            .filter(mentor_link::Column::MentorId.eq(mentor_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.mentee_id)
            .collect();
        let mut statuses = Vec::new();
        for chunk in ids.chunks(500) {
            statuses.extend(
                learner_status::Entity::find()
                    .filter(learner_status::Column::UserId.is_in(chunk.to_vec()))
                    .all(&self.db)
                    .await?,
            );
        }
        let mut rows = self.person_rows(statuses, &ids).await?;
        rows.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(rows)
    }

    /// A mentor registers a neighbour on the mentor's own phone: the account, the neighbour's
    /// consent (given on that screen), the note of who helped, the mentor link, and the unit and
    /// household, all in one transaction.
    pub async fn register_assisted(
        &self,
        new: NewUser,
        consents: Vec<NewConsent>,
        assist: Assist,
    ) -> Result<User> {
        let at = new.created_at;
        let tx = self.begin_write().await?;
        let user = insert_user(&tx, new, consents).await?;
        assisted_registration::ActiveModel {
            user_id: Set(user.id),
            helper_id: Set(assist.helper_id),
            at: Set(at),
        }
        .insert(&tx)
        .await?;
        if let Some(u) = assist.unit_id {
            add_member_in(&tx, user.id, u).await?;
        }
        if let Some(h) = assist.household_id {
            set_household_in(&tx, user.id, h).await?;
        }
        if let (Some((code, name)), Some(u)) = (assist.new_household, assist.unit_id) {
            let h = create_household_in(&tx, u, &code, &name, at).await?;
            set_household_in(&tx, user.id, h.id).await?;
        }
        link_mentor_in(&tx, user.id, assist.helper_id, "assisted", at).await?;
        if let Some((code_hash, expires_at)) = assist.first_code {
            crate::entity::password_reset::ActiveModel {
                user_id: Set(user.id),
                code_hash: Set(code_hash),
                channel: Set("mentor".to_owned()),
                issued_by: Set(Some(assist.helper_id)),
                created_at: Set(at),
                expires_at: Set(expires_at),
                used_at: Set(None),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
        }
        tx.commit().await?;
        Ok(user)
    }

    /// Who helped a person register, if someone did.
    pub async fn assisted_by(&self, user_id: i64) -> Result<Option<i64>> {
        Ok(assisted_registration::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map(|a| a.helper_id))
    }

    pub async fn create_class(&self, new: NewClass, at: OffsetDateTime) -> Result<ClassSession> {
        let _turn = self.turn().await;
        Ok(class_session::ActiveModel {
            unit_id: Set(new.unit_id),
            course_id: Set(new.course_id),
            place: Set(new.place),
            starts_at: Set(utc(new.starts_at)),
            organiser_id: Set(new.organiser_id),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(&self.db)
        .await?)
    }

    pub async fn class(&self, id: i64) -> Result<Option<ClassSession>> {
        Ok(class_session::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// Sessions organised by someone or held in some units, newest first.
    pub async fn classes(
        &self,
        organiser: Option<i64>,
        unit_ids: &[i64],
    ) -> Result<Vec<ClassSession>> {
        use sea_orm::Condition;
        let mut cond = Condition::any().add(class_session::Column::UnitId.is_in(unit_ids.to_vec()));
        if let Some(o) = organiser {
            cond = cond.add(class_session::Column::OrganiserId.eq(o));
        }
        Ok(class_session::Entity::find()
            .filter(cond)
            .order_by_desc(class_session::Column::StartsAt)
            .limit(200)
            .all(&self.db)
            .await?)
    }

    /// Records that a person attended (idempotent: false when already recorded). Attendance is
    /// evidence: it is never changed or deleted.
    pub async fn record_attendance(
        &self,
        session_id: i64,
        user_id: i64,
        method: &str,
        recorded_by: i64,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let _turn = self.turn().await;
        let r = class_attendance::Entity::insert(class_attendance::ActiveModel {
            session_id: Set(session_id),
            user_id: Set(user_id),
            method: Set(method.to_owned()),
            recorded_by: Set(recorded_by),
            recorded_at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([
                class_attendance::Column::SessionId,
                class_attendance::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .do_nothing()
        .exec(&self.db)
        .await?;
        Ok(matches!(r, sea_orm::TryInsertResult::Inserted(_)))
    }

    pub async fn attendance(&self, session_id: i64) -> Result<Vec<Attendee>> {
        let rows = class_attendance::Entity::find()
            .filter(class_attendance::Column::SessionId.eq(session_id))
            .order_by_asc(class_attendance::Column::RecordedAt)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        let users: std::collections::HashMap<i64, User> = self
            .users_by_ids(&ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let u = users.get(&r.user_id)?;
                Some(Attendee {
                    user_id: r.user_id,
                    display_name: u.display_name.clone(),
                    username: u.username.clone(),
                    method: r.method,
                    recorded_at: r.recorded_at,
                })
            })
            .collect())
    }

    /// A learner's attendance code (shown with a QR code on their profile), created with
    /// `fresh` the first time.
    pub async fn attendance_code(&self, user_id: i64, fresh: String) -> Result<String> {
        if let Some(c) = attendance_code::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
        {
            return Ok(c.code);
        }
        let _turn = self.turn().await;
        attendance_code::Entity::insert(attendance_code::ActiveModel {
            user_id: Set(user_id),
            code: Set(fresh),
        })
        .on_conflict(
            OnConflict::column(attendance_code::Column::UserId)
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(&self.db)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "attendance_code"))?;
        attendance_code::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map(|c| c.code)
            .ok_or(StoreError::NotFound)
    }

    pub async fn user_by_attendance_code(&self, code: &str) -> Result<Option<i64>> {
        Ok(attendance_code::Entity::find()
            .filter(attendance_code::Column::Code.eq(code))
            .one(&self.db)
            .await?
            .map(|c| c.user_id))
    }
}

pub(crate) async fn create_household_in<C: sea_orm::ConnectionTrait>(
    c: &C,
    unit_id: i64,
    code: &str,
    name: &str,
    at: OffsetDateTime,
) -> Result<Household> {
    let h = household::ActiveModel {
        unit_id: Set(unit_id),
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(c)
    .await
    .map_err(|e| StoreError::unique_or_db(e, "household_code"))?;
    household_created(c, unit_id).await?;
    Ok(h)
}

pub(crate) async fn set_household_in<C: sea_orm::ConnectionTrait>(
    c: &C,
    user_id: i64,
    household_id: i64,
) -> Result<()> {
    let old = household_member::Entity::find_by_id(user_id).one(c).await?;
    if old.as_ref().map(|o| o.household_id) == Some(household_id) {
        return Ok(());
    }
    // Both households, in id order, before either changes: two moves in opposite directions
    // then wait for each other instead of deadlocking.
    let mut both: Vec<i64> = old.iter().map(|o| o.household_id).collect();
    both.push(household_id);
    both.sort_unstable();
    for h in both {
        lock_household(c, h).await?;
    }
    if let Some(o) = old {
        with_household_change(c, o.household_id, || async {
            household_member::Entity::delete_by_id(user_id)
                .exec(c)
                .await?;
            Ok(())
        })
        .await?;
    }
    with_household_change(c, household_id, || async {
        household_member::ActiveModel {
            user_id: Set(user_id),
            household_id: Set(household_id),
        }
        .insert(c)
        .await?;
        Ok(())
    })
    .await
}

pub(crate) async fn link_mentor_in<C: sea_orm::ConnectionTrait>(
    c: &C,
    mentee_id: i64,
    mentor_id: i64,
    source: &str,
    at: OffsetDateTime,
) -> Result<()> {
    if mentee_id == mentor_id {
        return Err(StoreError::Conflict("self_mentor"));
    }
    let old = mentor_link::Entity::find_by_id(mentee_id).one(c).await?;
    if old.as_ref().map(|o| o.mentor_id) == Some(mentor_id) {
        return Ok(());
    }
    // Both mentors, in id order, before either changes (as for households).
    let mut both: Vec<i64> = old.iter().map(|o| o.mentor_id).collect();
    both.push(mentor_id);
    both.sort_unstable();
    for m in both {
        lock_person(c, m).await?;
    }
    if let Some(o) = old {
        with_mentor_change(c, o.mentor_id, || async {
            mentor_link::Entity::delete_by_id(mentee_id).exec(c).await?;
            Ok(())
        })
        .await?;
    }
    with_mentor_change(c, mentor_id, || async {
        mentor_link::ActiveModel {
            mentee_id: Set(mentee_id),
            mentor_id: Set(mentor_id),
            source: Set(source.to_owned()),
            created_at: Set(at),
        }
        .insert(c)
        .await?;
        Ok(())
    })
    .await
}
