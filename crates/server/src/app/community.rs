//! Households, mentors (with registration on the mentor's phone) and community classes.

use rand::Rng;
use time::OffsetDateTime;

use hocvuso_store::{Assist, Attendee, ClassSession, Household, NewClass, NewConsent, NewUser};
use hocvuso_store::{PersonRow, User};

use crate::app::accounts::{self, PRIVACY_NOTICE_VERSION};
use crate::auth::{Scope, ROLE_LEARNER};
use crate::error::AppError;
use crate::state::AppState;

/// Creates a household in a unit the caller manages.
pub async fn create_household(
    state: &AppState,
    scope: &Scope,
    unit_id: i64,
    code: &str,
    name: &str,
) -> Result<Household, AppError> {
    scope.unit(unit_id)?;
    if !crate::app::units::valid_code(code.trim()) {
        return Err(AppError::unprocessable("invalid_household_code"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::unprocessable("invalid_household_name"));
    }
    state
        .store
        .create_household(unit_id, code.trim(), name, state.clock.now())
        .await
        .map_err(|e| match e {
            hocvuso_store::StoreError::Conflict(_) => AppError::conflict("household_code_taken"),
            other => other.into(),
        })
}

/// Puts a person the caller may see into a household of a unit the caller manages.
pub async fn set_household(
    state: &AppState,
    scope: &Scope,
    household_id: i64,
    person_id: i64,
) -> Result<(), AppError> {
    let h = state
        .store
        .household(household_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    scope.unit(h.unit_id)?;
    crate::app::units::person_to_act_on(state, scope, person_id).await?;
    state.store.set_household(person_id, household_id).await?;
    Ok(())
}

fn require_mentor(scope: &Scope) -> Result<(), AppError> {
    if scope.mentor {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// What a mentor sees of their mentees: names and milestones. Reading the list is audited
/// (a list of people), whichever face asked for it.
pub async fn mentees(state: &AppState, scope: &Scope) -> Result<Vec<PersonRow>, AppError> {
    require_mentor(scope)?;
    let rows = state.store.mentees(scope.user.id).await?;
    crate::app::privacy::audit(
        state,
        &scope.user,
        crate::app::privacy::ACTION_PEOPLE_LIST,
        None,
        None,
        &format!("mentees {}", rows.len()),
    )
    .await?;
    Ok(rows)
}

/// A neighbour's registration as the mentor types it. There is no password: the mentor never
/// chooses or learns one. The account starts without a password and with a one-time sign-in
/// code on a slip the mentor prints or hands over; the neighbour chooses their own password
/// with it on `/reset`.
pub struct AssistedRegistration {
    pub username: String,
    pub display_name: String,
    pub group: String,
    /// As typed (empty: not given).
    pub birth_year: String,
    /// The neighbour read the notice on the mentor's screen and ticked the box.
    pub consent: bool,
    pub guardian_consent: bool,
    /// One of the mentor's own units; when the mentor belongs to exactly one, that one.
    pub unit_id: Option<i64>,
    /// An existing household of that unit, by id …
    pub household_id: Option<i64>,
    /// … or by code (the API's older form) …
    pub household_code: Option<String>,
    /// … or a new one, by its name ("Hộ ông Nguyễn Văn A"); its code is made up.
    pub new_household: Option<String>,
}

/// One problem with one field of the form: the field's name and the error's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub key: &'static str,
}

/// The account made, and its first sign-in code (shown once, on the slip).
pub struct AssistedOutcome {
    pub user: User,
    pub code: String,
    pub expires_at: OffsetDateTime,
    pub unit_name: Option<String>,
}

/// What is decided from a checked form.
struct Checked {
    display_name: String,
    birth_year: Option<i32>,
    unit_id: Option<i64>,
    household_id: Option<i64>,
    new_household: Option<(String, String)>,
}

/// The mentor's own units (their tổ dân phố, their agency …), where a neighbour may join.
pub async fn mentor_units(state: &AppState, scope: &Scope) -> Result<Vec<i64>, AppError> {
    Ok(state.store.user_units(scope.user.id).await?)
}

/// Every problem of the form at once, each with its field (a mentor helping an older
/// neighbour should not fix one thing at a time).
async fn check_assisted(
    state: &AppState,
    scope: &Scope,
    a: &AssistedRegistration,
) -> Result<Result<Checked, Vec<FieldProblem>>, AppError> {
    let mut problems = Vec::new();
    let mut problem = |field, key| problems.push(FieldProblem { field, key });
    let display_name = match crate::auth::policy::display_name(&a.display_name) {
        Ok(n) => n,
        Err(e) => {
            problem("display_name", e.key);
            String::new()
        }
    };
    let username = a.username.trim();
    if !accounts::valid_username(username) {
        problem("username", "invalid_username");
    } else if state.store.user_by_username(username).await?.is_some() {
        problem("username", "username_taken");
    }
    if state.catalog().group(&a.group).is_none() {
        problem("group", "unknown_group");
    }
    let year = state.clock.now().year();
    let birth_year = match a.birth_year.trim() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) if (1900..=year).contains(&y) => Some(y),
            _ => {
                problem("birth_year", "invalid_birth_year");
                None
            }
        },
    };
    if let Some(b) = birth_year {
        if year - b < accounts::GUARDIAN_AGE && !a.guardian_consent {
            problem("guardian_consent", "guardian_consent_required");
        }
    }
    if !a.consent {
        problem("consent", "consent_required");
    }
    // The neighbour joins one of the mentor's own units, never another; the only one when the
    // mentor has one.
    let mine = mentor_units(state, scope).await?;
    let unit_id = match a.unit_id {
        Some(u) if mine.contains(&u) => Some(u),
        Some(_) => {
            problem("unit_id", "unknown_unit");
            None
        }
        None if mine.len() == 1 => mine.first().copied(),
        None => None,
    };
    let mut household_id = None;
    let mut new_household = None;
    let new_name = a
        .new_household
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let code = a
        .household_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    match (a.household_id, code, new_name) {
        (None, None, None) => {}
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
            problem("household", "household_choose_one")
        }
        (id, code, None) => {
            let h = match (id, code) {
                (Some(id), _) => state.store.household(id).await?,
                (None, Some(code)) => state.store.household_by_code(code).await?,
                (None, None) => None,
            };
            match h {
                Some(h) if unit_id.is_some() && unit_id == Some(h.unit_id) => {
                    household_id = Some(h.id)
                }
                _ => problem("household", "unknown_household"),
            }
        }
        (None, None, Some(name)) => match unit_id {
            None => problem("household", "household_needs_unit"),
            Some(_) if name.chars().count() > 200 => problem("household", "invalid_household_name"),
            Some(u) => {
                // Household codes are at most 64 characters (`units::valid_code`).
                let unit_code: String = scope
                    .tree
                    .get(u)
                    .map(|x| x.code.chars().take(50).collect())
                    .unwrap_or_default();
                let suffix: String = {
                    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
                    let mut rng = rand::thread_rng();
                    (0..6)
                        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                        .collect()
                };
                let code = format!("{unit_code}-ho-{suffix}");
                match crate::auth::policy::display_name(name) {
                    Ok(n) => new_household = Some((code, n)),
                    Err(_) => problem("household", "invalid_household_name"),
                }
            }
        },
    }
    Ok(if problems.is_empty() {
        Ok(Checked {
            display_name,
            birth_year,
            unit_id,
            household_id,
            new_household,
        })
    } else {
        Err(problems)
    })
}

/// A mentor registers a neighbour on the mentor's own phone. The neighbour reads the notice and
/// ticks the box on that screen; the record says it was given there ("assisted") and who
/// helped. The account, its unit and household, the mentor link and the first sign-in code are
/// written in one transaction. The mentor stays signed in as themselves.
///
/// `Ok(Err(problems))`: the form had problems (every one, by field); nothing was written.
pub async fn register_assisted(
    state: &AppState,
    scope: &Scope,
    a: AssistedRegistration,
) -> Result<Result<AssistedOutcome, Vec<FieldProblem>>, AppError> {
    require_mentor(scope)?;
    let checked = match check_assisted(state, scope, &a).await? {
        Ok(c) => c,
        Err(problems) => return Ok(Err(problems)),
    };
    let mut consents = vec![NewConsent {
        purpose: "privacy_notice".into(),
        notice_version: PRIVACY_NOTICE_VERSION.into(),
        method: "assisted".into(),
    }];
    if a.guardian_consent {
        consents.push(NewConsent {
            purpose: "guardian".into(),
            notice_version: PRIVACY_NOTICE_VERSION.into(),
            method: "assisted".into(),
        });
    }
    let (code, code_hash) = crate::app::recovery::new_code_and_hash();
    let now = state.clock.now();
    let expires_at = now + time::Duration::hours(crate::app::recovery::HANDED_CODE_HOURS);
    let user = state
        .store
        .register_assisted(
            NewUser {
                username: a.username.trim().to_owned(),
                display_name: checked.display_name,
                // No password: the neighbour chooses one with the code; the mentor never knows it.
                password_hash: hocvuso_store::NO_PASSWORD.into(),
                group: Some(a.group.clone()),
                birth_year: checked.birth_year,
                roles: vec![ROLE_LEARNER.into()],
                created_at: now,
            },
            consents,
            Assist {
                helper_id: scope.user.id,
                unit_id: checked.unit_id,
                household_id: checked.household_id,
                new_household: checked.new_household,
                first_code: Some((code_hash, expires_at)),
            },
        )
        .await
        .map_err(|e| match e {
            hocvuso_store::StoreError::Conflict(_) => AppError::conflict("username_taken"),
            other => other.into(),
        })?;
    tracing::info!(
        user_id = user.id,
        helper = scope.user.id,
        "assisted registration; first sign-in code issued"
    );
    Ok(Ok(AssistedOutcome {
        unit_name: checked
            .unit_id
            .and_then(|u| scope.tree.get(u))
            .map(|u| u.name.clone()),
        user,
        code,
        expires_at,
    }))
}

/// A learner chooses their mentor (by the mentor's username): they agree that the mentor sees
/// their progress.
pub async fn choose_mentor(
    state: &AppState,
    user: &User,
    mentor_username: &str,
) -> Result<(), AppError> {
    let mentor = state
        .store
        .user_by_username(mentor_username.trim())
        .await?
        .filter(|m| m.has_role(crate::auth::ROLE_MENTOR) && m.id != user.id)
        .ok_or_else(|| AppError::unprocessable("unknown_mentor"))?;
    state
        .store
        .link_mentor(user.id, mentor.id, "chosen", state.clock.now())
        .await?;
    Ok(())
}

fn may_organise(scope: &Scope) -> bool {
    scope.mentor || scope.instructor || scope.is_manager()
}

/// How long after a class it may still be entered (held first, written down later).
const CLASS_RECORDED_UP_TO: time::Duration = time::Duration::days(366);
/// How far ahead a class may be scheduled: a sensible plan, and dates every page can show.
const CLASS_SCHEDULED_UP_TO: time::Duration = time::Duration::days(2 * 366);

pub struct ClassForm {
    pub unit_id: i64,
    pub course_id: String,
    pub place: String,
    pub starts_at: OffsetDateTime,
}

/// Schedules a community class. Instructors may hold one in any unit; mentors in their own
/// units; managers in the units they manage.
pub async fn create_class(
    state: &AppState,
    scope: &Scope,
    f: ClassForm,
) -> Result<ClassSession, AppError> {
    if !may_organise(scope) {
        return Err(AppError::forbidden());
    }
    if scope.tree.get(f.unit_id).is_none() {
        return Err(AppError::unprocessable("unknown_unit"));
    }
    let own = state.store.user_units(scope.user.id).await?;
    if !(scope.instructor || scope.sees_unit(f.unit_id) || own.contains(&f.unit_id)) {
        return Err(AppError::unprocessable("unknown_unit"));
    }
    if state.catalog().course(&f.course_id).is_none() {
        return Err(AppError::unprocessable("unknown_course"));
    }
    let place = f.place.trim();
    if place.is_empty() || place.chars().count() > 200 {
        return Err(AppError::unprocessable("invalid_place"));
    }
    let now = state.clock.now();
    if f.starts_at < now - CLASS_RECORDED_UP_TO || f.starts_at > now + CLASS_SCHEDULED_UP_TO {
        return Err(AppError::unprocessable("class_date_out_of_range"));
    }
    Ok(state
        .store
        .create_class(
            NewClass {
                unit_id: f.unit_id,
                course_id: f.course_id,
                place: place.to_owned(),
                starts_at: f.starts_at,
                organiser_id: scope.user.id,
            },
            state.clock.now(),
        )
        .await?)
}

/// A class the caller organised, or one held in a unit they manage; 404 otherwise.
pub async fn class(state: &AppState, scope: &Scope, id: i64) -> Result<ClassSession, AppError> {
    let c = state
        .store
        .class(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if c.organiser_id == scope.user.id || scope.sees_unit(c.unit_id) {
        Ok(c)
    } else {
        Err(AppError::not_found())
    }
}

pub async fn classes(state: &AppState, scope: &Scope) -> Result<Vec<ClassSession>, AppError> {
    if !may_organise(scope) {
        return Err(AppError::forbidden());
    }
    Ok(state
        .store
        .classes(Some(scope.user.id), &scope.visible_ids())
        .await?)
}

pub async fn attendance(
    state: &AppState,
    scope: &Scope,
    id: i64,
) -> Result<(ClassSession, Vec<Attendee>), AppError> {
    let c = class(state, scope, id).await?;
    let list = state.store.attendance(c.id).await?;
    Ok((c, list))
}

/// Who may be ticked on a class's list: the organiser's mentees and the people of the class's
/// unit the caller may see (the first page of them).
pub async fn candidates(
    state: &AppState,
    scope: &Scope,
    c: &ClassSession,
) -> Result<Vec<PersonRow>, AppError> {
    let mut out = if scope.mentor {
        state.store.mentees(scope.user.id).await?
    } else {
        Vec::new()
    };
    if scope.sees_unit(c.unit_id) {
        let rows = state
            .store
            .people_in(&scope.tree.subtree(c.unit_id), None, 0, 200)
            .await?;
        for r in rows {
            if !out.iter().any(|o| o.id == r.id) {
                out.push(r);
            }
        }
    }
    Ok(out)
}

/// People ticked at once: a class list, not a ward's register.
pub const MAX_TICKED: usize = 500;

/// Ticks people on the list: each must be someone the caller may see, and exist (an
/// administrator sees every id, including ids nobody has).
pub async fn tick(
    state: &AppState,
    scope: &Scope,
    class_id: i64,
    people: &[i64],
) -> Result<usize, AppError> {
    let c = class(state, scope, class_id).await?;
    if people.len() > MAX_TICKED {
        return Err(AppError::unprocessable("too_many_people"));
    }
    // Everyone first, so one unknown id records nobody.
    for &p in people {
        if !scope.sees_person(state, p).await? || state.store.user_by_id(p).await?.is_none() {
            return Err(AppError::unprocessable("unknown_person"));
        }
    }
    let mut added = 0;
    for &p in people {
        if state
            .store
            .record_attendance(c.id, p, "list", scope.user.id, state.clock.now())
            .await?
        {
            added += 1;
        }
    }
    Ok(added)
}

/// Records attendance from a learner's code (typed, or read from the QR code on their profile):
/// showing the code is the learner's own act, so anyone may be recorded this way.
pub async fn check_in(
    state: &AppState,
    scope: &Scope,
    class_id: i64,
    code: &str,
) -> Result<i64, AppError> {
    let c = class(state, scope, class_id).await?;
    let code = normalise_code(code);
    let person = state
        .store
        .user_by_attendance_code(&code)
        .await?
        .ok_or_else(|| AppError::unprocessable("unknown_attendance_code"))?;
    state
        .store
        .record_attendance(c.id, person, "code", scope.user.id, state.clock.now())
        .await?;
    Ok(person)
}

const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Codes are read aloud and typed: Crockford's alphabet, case and look-alikes forgiven.
pub fn normalise_code(code: &str) -> String {
    code.trim()
        .to_uppercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// The learner's attendance code, created on first use.
pub async fn my_code(state: &AppState, user: &User) -> Result<String, AppError> {
    let fresh: String = {
        let mut rng = rand::thread_rng();
        (0..10)
            .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
            .collect()
    };
    Ok(state.store.attendance_code(user.id, fresh).await?)
}
