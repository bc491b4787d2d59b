//! Evidence: the one pipeline that turns what a learner did into certificates
//! (`record_outcome`), certificates and their public verification, re-issue and revocation.

use hocvuso_assessment::grading::{self, AttemptResult};
use hocvuso_course::{Catalog, Course, Group, LearnerRecord, Quiz, QuizMode, Task};
use hocvuso_credentials::openbadges::{CredentialRequest, EvidenceItem};
use hocvuso_credentials::pdf::{self, CertificateDoc, CertificateLabels};
use hocvuso_credentials::{
    status_list as credential_status, vc_jwt, AchievementKind, AchievementRef, CertificateId,
    Competence, LearnerRef, Level, Verification,
};
use hocvuso_store::{
    Attempt, Certificate, Evidence, GradedBy, Grading, NewCompletion, NewPathCertificate,
    StoreError, TaskAnswer, User,
};
use std::collections::BTreeSet;
use time::OffsetDateTime;

use crate::app::status_list;
use crate::error::AppError;
use crate::state::AppState;

pub fn verify_url(state: &AppState, certificate_id: &str) -> String {
    format!(
        "{}/verify/{certificate_id}",
        state.settings.public_url.trim_end_matches('/')
    )
}

/// What the public may know about a certificate (a course's or a path's).
pub struct Verified {
    pub certificate: Certificate,
    pub learner: User,
    /// The course title, or the path title for a path certificate.
    pub title: String,
    /// The stored credential was signed with a key since retired as lost or leaked: the
    /// certificate is not valid evidence until it is re-issued with the current key.
    pub key_retired: bool,
}

impl Verified {
    pub fn is_path(&self) -> bool {
        self.certificate.kind == AchievementKind::Path
    }

    /// Valid evidence: neither revoked nor signed with a withdrawn key.
    pub fn valid(&self) -> bool {
        self.certificate.revoked_at.is_none() && !self.key_retired
    }
}

/// The title a certificate names: the course's, or the path's for a path certificate (the ids
/// themselves when the content no longer has them).
pub fn certificate_title(state: &AppState, c: &Certificate) -> String {
    match c.kind {
        AchievementKind::Course => state
            .catalog()
            .course(&c.achievement_id)
            .map(|x| x.title.clone())
            .unwrap_or_else(|| c.achievement_id.clone()),
        AchievementKind::Path => state
            .catalog()
            .group(&c.achievement_id)
            .map(path_title)
            .unwrap_or_else(|| c.achievement_id.clone()),
    }
}

/// Whether the key that signed a stored credential has been retired.
pub fn signed_with_retired_key(state: &AppState, c: &Certificate) -> bool {
    c.kid
        .as_deref()
        .and_then(|kid| state.issuer.ring().find(kid).map(|k| k.is_retired()))
        .unwrap_or(false)
}

/// The learner's choice to show their username, birth year and group on the public
/// verification of their certificates.
pub async fn set_verify_shows_details(
    state: &AppState,
    user: &User,
    show: bool,
) -> Result<(), AppError> {
    state.store.set_verify_shows_details(user.id, show).await?;
    Ok(())
}

/// 404 `unknown_certificate`: no certificate has that id (or it is not an id at all).
pub fn unknown_certificate() -> AppError {
    AppError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "unknown_certificate",
    )
}

/// The certificate `id` names, as `lookup` finds it, or `unknown_certificate`: what the
/// certificate's check, credential and PDF answer with.
pub async fn lookup_known(state: &AppState, id: &str) -> Result<Verified, AppError> {
    lookup(state, id).await?.ok_or_else(unknown_certificate)
}

/// Looks a certificate of either kind up by its id; None when no such certificate exists (or
/// the id is not even well-formed).
pub async fn lookup(state: &AppState, id: &str) -> Result<Option<Verified>, AppError> {
    let Some(id) = CertificateId::parse(id) else {
        return Ok(None);
    };
    let Some((certificate, learner)) = state.store.certificate(id.as_str()).await? else {
        return Ok(None);
    };
    Ok(Some(Verified {
        title: certificate_title(state, &certificate),
        key_retired: signed_with_retired_key(state, &certificate),
        certificate,
        learner,
    }))
}

/// How many times a completion is retried when another transaction took the ledger's next
/// number first (PostgreSQL, concurrent completions): the loser rolls back and tries again.
pub const LEDGER_RETRIES: usize = 5;

/// A credential signed before the completion's transaction (signing is pure and fast), stored
/// by it if the course turns out complete.
#[derive(Clone)]
pub struct Signed {
    pub certificate_id: String,
    pub jwt: String,
    pub kid: String,
}

fn tr(key: &str) -> String {
    crate::i18n_global().get(key).to_owned()
}

fn competences_of_codes<'a>(
    catalog: &Catalog,
    codes: impl IntoIterator<Item = &'a String>,
) -> Vec<Competence> {
    let mut out: Vec<Competence> = Vec::new();
    for code in codes {
        if out.iter().any(|c| &c.code == code) {
            continue;
        }
        out.push(Competence {
            code: code.clone(),
            title: catalog
                .framework
                .competence(code)
                .map(|c| c.title.clone())
                .unwrap_or_else(|| code.clone()),
        });
    }
    out
}

fn competences_of(catalog: &Catalog, course: &Course) -> Vec<Competence> {
    competences_of_codes(catalog, &course.competences)
}

fn level_named(catalog: &Catalog, number: u8) -> Option<Level> {
    let band = catalog.framework.level(number).map(|l| l.band.clone())?;
    Some(Level {
        number,
        name: tr("certificate.level_name")
            .replace("{number}", &number.to_string())
            .replace("{band}", &band),
    })
}

fn level_of(catalog: &Catalog, course: &Course) -> Option<Level> {
    level_named(catalog, course.level)
}

/// The courses a path certificate speaks for: the group's path, and the course holding its
/// final quiz if the path does not list it.
fn path_courses<'a>(catalog: &'a Catalog, group: &'a Group) -> Vec<&'a Course> {
    let mut ids: Vec<&str> = group.path.iter().map(String::as_str).collect();
    if let Some(c) = group.certifying_course() {
        if !ids.contains(&c) {
            ids.push(c);
        }
    }
    ids.into_iter()
        .filter_map(|id| catalog.course(id))
        .collect()
}

/// A path's competences: the union of its courses', in path order.
fn path_competences(catalog: &Catalog, group: &Group) -> Vec<Competence> {
    competences_of_codes(
        catalog,
        path_courses(catalog, group)
            .into_iter()
            .flat_map(|c| c.competences.iter()),
    )
}

/// A path's level: the highest level among its courses, the level a learner who passed the
/// final quiz over the whole path has shown.
fn path_level(catalog: &Catalog, group: &Group) -> Option<Level> {
    let top = path_courses(catalog, group)
        .into_iter()
        .map(|c| c.level)
        .max()?;
    level_named(catalog, top)
}

/// The Vietnamese title of a group's path, the achievement a path certificate names.
pub fn path_title(group: &Group) -> String {
    tr("certificate.path_title").replace("{group}", &group.title)
}

/// The learner's opaque reference, created on their first credential.
async fn learner_ref(state: &AppState, user: &User) -> Result<LearnerRef, AppError> {
    let stored = match &user.learner_ref {
        Some(r) => r.clone(),
        None => {
            let candidate = LearnerRef::generate(&mut rand::rngs::OsRng);
            state
                .store
                .ensure_learner_ref(user.id, candidate.as_str())
                .await?
        }
    };
    LearnerRef::parse(&stored).ok_or_else(|| {
        tracing::error!(user = user.id, "stored learner reference is malformed");
        AppError::internal()
    })
}

/// What a credential is about.
#[derive(Clone, Copy)]
pub enum Achievement<'a> {
    Course(&'a Course),
    Path(&'a Group),
}

/// The credential request for `achievement`, awarded at `awarded_at` and signed at `issued_at`
/// (they differ when a credential is re-issued). Public for `dev seed`, whose credentials are
/// built exactly as the server's.
#[allow(clippy::too_many_arguments)] // each is one fact of the credential; a struct would only rename them
pub fn request(
    catalog: &Catalog,
    issuer_name: &str,
    learner_name: &str,
    learner: LearnerRef,
    achievement: Achievement<'_>,
    certificate_id: CertificateId,
    content_version: &str,
    awarded_at: OffsetDateTime,
    issued_at: OffsetDateTime,
    evidence: Vec<EvidenceItem>,
) -> CredentialRequest {
    let (achievement, description, criteria, competences, level) = match achievement {
        Achievement::Course(course) => (
            AchievementRef {
                kind: AchievementKind::Course,
                id: course.id.clone(),
                title: course.title.clone(),
            },
            course.summary.clone(),
            tr(if course.tasks_required {
                "certificate.criteria_course_tasks"
            } else {
                "certificate.criteria_course"
            }),
            competences_of(catalog, course),
            level_of(catalog, course),
        ),
        Achievement::Path(group) => (
            AchievementRef {
                kind: AchievementKind::Path,
                id: group.id.clone(),
                title: path_title(group),
            },
            group.description.clone(),
            tr("certificate.criteria_path"),
            path_competences(catalog, group),
            path_level(catalog, group),
        ),
    };
    CredentialRequest {
        certificate_id,
        issuer_name: issuer_name.to_owned(),
        learner,
        learner_name: learner_name.to_owned(),
        achievement,
        description,
        criteria,
        framework: catalog.framework.title.clone(),
        competences,
        level,
        content_version: Some(content_version.to_owned()),
        awarded_at,
        issued_at,
        status: None,
        evidence,
    }
}

/// The evidence a course credential lists: the course's practice tasks the learner passed
/// (`passed` holds their ids), in course order.
pub fn task_evidence(course: &Course, passed: &BTreeSet<String>) -> Vec<EvidenceItem> {
    course
        .tasks
        .iter()
        .filter(|t| passed.contains(&t.id))
        .map(|t| EvidenceItem {
            name: t.title.clone(),
            narrative: tr("certificate.task_evidence").replace("{app}", &t.app),
        })
        .collect()
}

/// Where the course credential stands while an outcome is recorded (`record_outcome`).
#[derive(Clone)]
pub(crate) enum Credential {
    /// Not signed yet: a record that completes the course is refused with
    /// `StoreError::SignFirst`, so the score is computed and the credential signed first.
    NotSigned,
    /// Signing failed (logged): the completion is recorded without a credential rather than
    /// lost.
    SigningFailed,
    Signed(Signed),
}

impl From<Option<Signed>> for Credential {
    fn from(signed: Option<Signed>) -> Self {
        signed.map_or(Self::SigningFailed, Self::Signed)
    }
}

fn sign(state: &AppState, req: &CredentialRequest) -> Option<Signed> {
    match vc_jwt::issue(&state.issuer.ring(), &state.issuer.base, req) {
        Ok(issued) => Some(Signed {
            certificate_id: req.certificate_id.to_string(),
            jwt: issued.jwt,
            kid: issued.kid,
        }),
        Err(e) => {
            tracing::error!(error = %e, achievement = %req.achievement.id, "cannot sign a credential");
            None
        }
    }
}

/// Signs the course credential a completion at `at` would carry, with a status index of its
/// own. None (logged) when signing fails: the completion is still recorded, without a
/// credential, rather than lost.
pub async fn sign_course(
    state: &AppState,
    user: &User,
    course: &Course,
    at: OffsetDateTime,
    passing_task: Option<&str>,
) -> Result<Option<Signed>, AppError> {
    let learner = learner_ref(state, user).await?;
    let mut passed = if course.tasks.is_empty() {
        BTreeSet::new()
    } else {
        state
            .store
            .learner_record(user.id, &course.id)
            .await?
            .tasks_passed
    };
    passed.extend(passing_task.map(str::to_owned));
    let certificate_id = CertificateId::generate(&mut rand::rngs::OsRng);
    let mut req = request(
        &state.catalog(),
        &state.issuer.name,
        &user.display_name,
        learner,
        Achievement::Course(course),
        certificate_id,
        &course.version,
        at,
        at,
        task_evidence(course, &passed),
    );
    req.status = Some(status_list::next_index(state).await?);
    Ok(sign(state, &req))
}

/// The path certificate a graded attempt earns, signed now: Some only when the attempt is a
/// passed test-mode attempt at the learner's own group's final quiz. Whether the learner already
/// has one is the store's to check, inside the grading transaction.
pub async fn path_award(
    state: &AppState,
    user: &User,
    course: &Course,
    assessed: Assessed<'_>,
    passed: bool,
    at: OffsetDateTime,
) -> Result<Option<NewPathCertificate>, AppError> {
    let catalog = state.catalog();
    let Assessed::Quiz(quiz) = assessed;
    if !passed || quiz.mode != QuizMode::Test {
        return Ok(None);
    }
    let Some(group) = user.group.as_deref().and_then(|g| catalog.group(g)) else {
        return Ok(None);
    };
    let is_final = group
        .final_quiz
        .as_ref()
        .is_some_and(|f| f.course == course.id && f.quiz == quiz.id);
    if !is_final {
        return Ok(None);
    }
    let learner = learner_ref(state, user).await?;
    let certificate_id = CertificateId::generate(&mut rand::rngs::OsRng);
    let mut req = request(
        &catalog,
        &state.issuer.name,
        &user.display_name,
        learner,
        Achievement::Path(group),
        certificate_id.clone(),
        &course.version,
        at,
        at,
        Vec::new(),
    );
    req.status = Some(status_list::next_index(state).await?);
    let signed = sign(state, &req);
    Ok(Some(NewPathCertificate {
        certificate_id: certificate_id.to_string(),
        group_id: group.id.clone(),
        content_version: course.version.clone(),
        credential: signed.map(|s| (s.kid, s.jwt)),
    }))
}

/// What a graded attempt was at. A quiz today; a practice task (a graded sequence of steps,
/// stored as attempt steps like a quiz) joins here as a variant, saying how it passes and how
/// a pass counts in the learner's record.
#[derive(Clone, Copy)]
pub enum Assessed<'a> {
    Quiz(&'a Quiz),
}

impl<'a> Assessed<'a> {
    fn id(&self) -> &'a str {
        match self {
            Assessed::Quiz(q) => &q.id,
        }
    }

    fn passes(&self, score_percent: f64) -> bool {
        match self {
            Assessed::Quiz(q) => grading::passes(score_percent, u32::from(q.pass_percent)),
        }
    }

    /// Adds a pass to the record the course's completion rule reads.
    fn credit(&self, record: &mut LearnerRecord) {
        match self {
            Assessed::Quiz(q) => {
                record.quizzes_passed.insert(q.id.clone());
            }
        }
    }
}

/// Something a learner did that may count as evidence.
pub enum Outcome<'a> {
    /// A lesson read to the end.
    Lesson { lesson_id: &'a str },
    /// An attempt graded: a quiz submitted, its essays graded by an instructor.
    Graded(GradedAttempt<'a>),
    /// An answer to a practice task's current step, graded by the course crate's step rules;
    /// the last one finishes the attempt, and a passed task may complete the course.
    TaskAnswer { task: &'a Task, answer: TaskAnswer },
}

pub struct GradedAttempt<'a> {
    pub attempt: &'a Attempt,
    pub assessed: Assessed<'a>,
    pub by: GradedBy,
    /// The result as graded (the score not yet rounded).
    pub result: AttemptResult,
    /// Some of it waits for a person to grade: recorded as submitted, it neither passes nor
    /// fails yet.
    pub pending: bool,
}

/// What `record_outcome` recorded.
#[derive(Debug, Default)]
pub struct Recorded {
    /// A graded attempt's result, with the score as recorded (one decimal).
    pub result: Option<AttemptResult>,
    /// A graded attempt's final verdict; None for a lesson or while grading is pending.
    pub passed: Option<bool>,
    /// The course completion (with its certificate) the outcome caused.
    pub completion: Option<Certificate>,
    /// The path certificate the outcome earned.
    pub path_certificate: Option<Certificate>,
}

/// The one place certificates are awarded. Computes the course score, signs the course
/// credential and any path credential before the transaction (signing is pure and fast; an
/// unused signature costs microseconds), then makes one store call that records the outcome
/// and, if the course's completion rule says so, the completion and the path certificate, all
/// in one transaction; retried whole when another completion took the ledger's next number
/// first (`LEDGER_RETRIES`).
pub async fn record_outcome(
    state: &AppState,
    learner: &User,
    course: &Course,
    outcome: Outcome<'_>,
) -> Result<Recorded, AppError> {
    let now = state.clock.now();
    let (evidence, recorded, assessed, passing_task) = match outcome {
        Outcome::Lesson { lesson_id } => (
            Evidence::Lesson {
                lesson_id: lesson_id.to_owned(),
                content_version: course.version.clone(),
            },
            Recorded::default(),
            None,
            None,
        ),
        Outcome::TaskAnswer { task, answer } => {
            let passed = answer.finish.as_ref().map(|f| f.passed);
            (
                Evidence::TaskAnswer(answer),
                Recorded {
                    passed,
                    ..Recorded::default()
                },
                None,
                (passed == Some(true)).then_some(task),
            )
        }
        Outcome::Graded(g) => {
            let score = grading::rounded_score(g.result.score_percent);
            let passed = (!g.pending).then(|| g.assessed.passes(score));
            let result = AttemptResult {
                score_percent: score,
                ..g.result
            };
            let path = match passed {
                Some(true) => path_award(state, learner, course, g.assessed, true, now).await?,
                _ => None,
            };
            let evidence = Evidence::Graded(Grading {
                attempt_id: g.attempt.id.clone(),
                quiz_id: g.assessed.id().to_owned(),
                by: g.by,
                result: serde_json::to_string(&result)
                    .map_err(|e| AppError::internal_because("cannot serialise a result", e))?,
                score_percent: score,
                passed,
                path,
            });
            let recorded = Recorded {
                result: Some(result),
                passed,
                ..Recorded::default()
            };
            (evidence, recorded, Some((g.assessed, passed, score)), None)
        }
    };
    // A pass, counted in the score and the record it is about to join.
    let pass = assessed.and_then(|(a, passed, score)| (passed == Some(true)).then_some((a, score)));
    // The course score and the credential are made only once the store's transaction finds
    // the course complete (`StoreError::SignFirst`: rolled back, then recorded again with
    // them). Most lessons read and quizzes passed complete nothing, and signing (with the
    // score's reads of every attempt and a status index) was most of what they cost.
    let mut score = None;
    let mut credential = Credential::NotSigned;
    let mut tries = 0;
    let stored = loop {
        let decide = |record: &LearnerRecord| {
            let mut record = record.clone();
            if let Some((a, _)) = pass {
                a.credit(&mut record);
            }
            // The task being passed is not yet visible as passed inside the record.
            if let Some(task) = passing_task {
                record.tasks_passed.insert(task.id.clone());
            }
            completion_rule(state, learner, course, score, credential.clone())(&record)
        };
        match state
            .store
            .record_evidence(learner.id, &course.id, now, evidence.clone(), decide)
            .await
        {
            Err(StoreError::SignFirst) if matches!(credential, Credential::NotSigned) => {
                score =
                    course_score(state, learner, course, pass.map(|(a, s)| (a.id(), s))).await?;
                let task = passing_task.map(|t| t.id.as_str());
                credential = sign_course(state, learner, course, now, task).await?.into();
            }
            Err(StoreError::Conflict("ledger")) if tries < LEDGER_RETRIES => tries += 1,
            // Two completions at once may deadlock on the counters they both update
            // (PostgreSQL aborts one); running the transaction again is the cure.
            Err(e) if e.is_transient() && tries < LEDGER_RETRIES => {
                tracing::warn!(error = %e, "evidence transaction retried after a deadlock");
                tries += 1
            }
            done => break done?,
        }
    };
    crate::metrics::evidence(match evidence {
        Evidence::Lesson { .. } => "lesson",
        Evidence::Graded(_) => "quiz",
        Evidence::TaskAnswer(_) => "task",
    });
    if stored.completion.is_some() {
        crate::metrics::credential("course");
    }
    if stored.path_certificate.is_some() {
        crate::metrics::credential("path");
    }
    Ok(Recorded {
        completion: stored.completion,
        path_certificate: stored.path_certificate,
        ..recorded
    })
}

/// Decides, inside the store's transaction, whether a record completes the course. A
/// credential signed beforehand gives the completion its certificate id; if signing failed the
/// completion is recorded without one; not signed yet, a record that completes the course is
/// refused with `StoreError::SignFirst`.
pub(crate) fn completion_rule<'a>(
    state: &'a AppState,
    user: &'a User,
    course: &'a Course,
    score_percent: Option<f64>,
    credential: Credential,
) -> impl FnOnce(&LearnerRecord) -> Result<Option<NewCompletion>, StoreError> + 'a {
    let catalog = state.catalog();
    move |record| {
        if !course.status(record).completed {
            return Ok(None);
        }
        let (certificate_id, credential) = match credential {
            Credential::NotSigned => return Err(StoreError::SignFirst),
            Credential::Signed(s) => (s.certificate_id, Some((s.kid, s.jwt))),
            Credential::SigningFailed => (
                CertificateId::generate(&mut rand::thread_rng()).to_string(),
                None,
            ),
        };
        Ok(Some(NewCompletion {
            certificate_id,
            content_version: course.version.clone(),
            score_percent,
            credential,
            group: user
                .group
                .as_deref()
                .and_then(|g| catalog.group(g))
                .cloned(),
            citizen: catalog.group(hocvuso_course::CITIZEN_GROUP).cloned(),
        }))
    }
}

/// The best passing score of each quiz, averaged: the score a completion record carries.
/// `current` is a pass being recorded now, not yet among the stored attempts.
pub(crate) async fn course_score(
    state: &AppState,
    user: &User,
    course: &Course,
    current: Option<(&str, f64)>,
) -> Result<Option<f64>, AppError> {
    if course.quizzes.is_empty() {
        return Ok(None);
    }
    let mut total = 0.0;
    for quiz in &course.quizzes {
        let mut best = state
            .store
            .attempts::<hocvuso_store::Attempt>(user.id, &course.id, &quiz.id)
            .await?
            .iter()
            .filter(|a| a.passed == Some(true))
            .filter_map(|a| a.score_percent)
            .fold(0.0_f64, f64::max);
        if let Some((qid, s)) = current {
            if qid == quiz.id {
                best = best.max(s);
            }
        }
        total += best;
    }
    Ok(Some(
        (total / course.quizzes.len() as f64 * 10.0).round() / 10.0,
    ))
}

/// Re-signs, with the current active key, every credential of either kind that `kid` signed,
/// once `kid` has been retired: same certificate id and award date, a new `validFrom` (how
/// Open Badges 3.0 marks a newer version of the same credential). Returns the certificates
/// re-issued. Refused (409) while `kid` is not retired: a key still in use needs no re-issue.
pub async fn reissue_signed_by(state: &AppState, kid: &str) -> Result<Vec<Certificate>, AppError> {
    let ring = state.issuer.refresh();
    let retired = ring.find(kid).ok_or_else(AppError::not_found)?.clone();
    if !retired.is_retired() {
        return Err(AppError::conflict("key_not_retired"));
    }
    let now = state.clock.now();
    let mut done = Vec::new();
    for c in state.store.certificates_signed_by(&retired.kid).await? {
        let Some(signed) = resign(state, &c, now).await? else {
            continue;
        };
        if state
            .store
            .replace_credential(&c.certificate_id, &retired.kid, &signed.kid, &signed.jwt)
            .await?
        {
            done.push(Certificate {
                kid: Some(signed.kid),
                credential: Some(signed.jwt),
                ..c
            });
        }
    }
    tracing::info!(kid = %retired.kid, count = done.len(), "credentials re-issued");
    Ok(done)
}

/// A stored certificate's credential signed anew with the active key at `now`: same
/// certificate id, award date and status index (a new one if the old credential had none, set
/// at once for a revoked certificate), a new `validFrom`. None (logged) when its course or path is gone from the content or signing
/// fails.
async fn resign(
    state: &AppState,
    c: &Certificate,
    now: OffsetDateTime,
) -> Result<Option<Signed>, AppError> {
    let catalog = state.catalog();
    let Some(id) = CertificateId::parse(&c.certificate_id) else {
        return Ok(None);
    };
    let achievement = match c.kind {
        AchievementKind::Course => catalog.course(&c.achievement_id).map(Achievement::Course),
        AchievementKind::Path => catalog.group(&c.achievement_id).map(Achievement::Path),
    };
    let Some(achievement) = achievement else {
        tracing::warn!(certificate = %c.certificate_id, "cannot re-sign: its course or path is gone from the content");
        return Ok(None);
    };
    let Some(user) = state.store.user_by_id(c.user_id).await? else {
        return Ok(None);
    };
    let learner = learner_ref(state, &user).await?;
    // A course credential keeps listing the practice tasks passed (as `sign_course` does).
    let evidence = match &achievement {
        Achievement::Course(course) if !course.tasks.is_empty() => {
            let passed = state
                .store
                .learner_record(user.id, &course.id)
                .await?
                .tasks_passed;
            task_evidence(course, &passed)
        }
        _ => Vec::new(),
    };
    let mut req = request(
        &catalog,
        &state.issuer.name,
        &user.display_name,
        learner,
        achievement,
        id,
        &c.content_version,
        c.completed_at,
        now,
        evidence,
    );
    let index = match c
        .credential
        .as_deref()
        .and_then(credential_status::index_in_jwt)
    {
        Some(index) => index,
        None => {
            let index = status_list::next_index(state).await?;
            if let Some(at) = c.revoked_at {
                // Revoked while its credential had no status entry: the new entry must say so
                // from the start.
                state
                    .store
                    .set_status_revoked(index, &c.certificate_id, at)
                    .await?;
            }
            index
        }
    };
    req.status = Some(index);
    Ok(sign(state, &req))
}

/// The credential to serve for a certificate: the stored one, or, for a credential signed
/// before credentials carried a `credentialStatus`, the same credential re-signed once with a
/// status index (stored in its place; its bit set at once if the certificate was revoked).
/// A credential signed with a retired key is served as it is: re-issue is the administrator's
/// decision (`hocvuso keys reissue`).
pub async fn served_credential(state: &AppState, v: &Verified) -> Result<Option<String>, AppError> {
    let c = &v.certificate;
    let (Some(jwt), Some(kid)) = (c.credential.as_deref(), c.kid.as_deref()) else {
        return Ok(c.credential.clone());
    };
    if v.key_retired || credential_status::index_in_jwt(jwt).is_some() {
        return Ok(Some(jwt.to_owned()));
    }
    let Some(signed) = resign(state, c, state.clock.now()).await? else {
        return Ok(Some(jwt.to_owned()));
    };
    if !state
        .store
        .replace_credential(&c.certificate_id, kid, &signed.kid, &signed.jwt)
        .await?
    {
        // Another request re-signed it a moment ago: serve what is stored now.
        return Ok(state
            .store
            .certificate(&c.certificate_id)
            .await?
            .and_then(|(c, _)| c.credential));
    }
    // A revocation that read the old credential (no entry) while this one was being signed
    // could not set the bit: look again now that the new credential is stored.
    if let (Some((now, _)), Some(index)) = (
        state.store.certificate(&c.certificate_id).await?,
        credential_status::index_in_jwt(&signed.jwt),
    ) {
        if let Some(at) = now.revoked_at {
            state
                .store
                .set_status_revoked(index, &c.certificate_id, at)
                .await?;
        }
    }
    tracing::info!(certificate = %c.certificate_id, "credential re-signed with a status entry");
    Ok(Some(signed.jwt))
}

/// Checks a compact VC-JWT: signature, key, claims, then the ledger's word on revocation.
pub async fn verify_jwt(state: &AppState, jwt: &str) -> Result<Verification, AppError> {
    let now = state.clock.now();
    let mut v = vc_jwt::verify(jwt, &state.issuer.ring(), now);
    if v.reason == Some(hocvuso_credentials::Reason::UnknownKey) {
        // Another process may have rotated the keys a moment ago.
        v = vc_jwt::verify(jwt, &state.issuer.refresh(), now);
    }
    if v.valid {
        if let Some(id) = &v.certificate_id {
            match state.store.certificate(id.as_str()).await? {
                Some((c, _)) if c.revoked_at.is_none() => {}
                _ => v = v.revoked(),
            }
        }
    }
    Ok(v)
}

/// The printable certificate of a course completion or a passed path.
pub fn certificate_pdf(state: &AppState, v: &Verified) -> Result<Vec<u8>, AppError> {
    let catalog = state.catalog();
    let id = CertificateId::parse(&v.certificate.certificate_id).ok_or_else(AppError::not_found)?;
    let (competences, level) = match v.certificate.kind {
        AchievementKind::Course => {
            let course = catalog.course(&v.certificate.achievement_id);
            (
                course
                    .map(|c| competences_of(&catalog, c))
                    .unwrap_or_default(),
                course.and_then(|c| level_of(&catalog, c)),
            )
        }
        AchievementKind::Path => {
            let group = catalog.group(&v.certificate.achievement_id);
            (
                group
                    .map(|g| path_competences(&catalog, g))
                    .unwrap_or_default(),
                group.and_then(|g| path_level(&catalog, g)),
            )
        }
    };
    let doc = CertificateDoc {
        learner_name: v.learner.display_name.clone(),
        achievement_title: v.title.clone(),
        competences,
        level,
        date: crate::views::in_vietnam(v.certificate.completed_at).date(),
        issuer_name: state.issuer.name.clone(),
        verify_url: state.issuer.base.verify_url(&id),
        certificate_id: id,
        revoked: v.certificate.revoked_at.map(|at| pdf::RevokedStamp {
            stamp: tr("certificate.revoked_stamp"),
            note: tr("certificate.revoked_note").replace("{date}", &crate::views::date_vi(at)),
        }),
        labels: CertificateLabels {
            title: tr("certificate.title"),
            awarded_to: tr("certificate.awarded_to"),
            completed: tr(if v.is_path() {
                "certificate.completed_path"
            } else {
                "certificate.completed"
            }),
            competences: tr("certificate.competences"),
            level: tr("certificate.level"),
            date: tr("certificate.date"),
            certificate_id: tr("certificate.certificate_id"),
            verify: tr("certificate.verify"),
        },
    };
    pdf::render_certificate(&doc).map_err(|e| {
        tracing::error!(error = %e, "cannot render a certificate");
        AppError::internal()
    })
}

/// An admin revokes a certificate of either kind: it is marked, a ledger entry appended, and the
/// dashboard's counters lowered by what a course completion counted for (one transaction).
pub async fn revoke(
    state: &AppState,
    admin: &User,
    id: &str,
    reason: &str,
) -> Result<Certificate, AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::unprocessable("invalid_revoke_reason"));
    }
    let id = CertificateId::parse(id).ok_or_else(unknown_certificate)?;
    match state
        .store
        .revoke_certificate(
            id.as_str(),
            reason,
            &format!("user:{}", admin.id),
            state.clock.now(),
            &state.catalog().groups,
        )
        .await
    {
        Ok(c) => Ok(c),
        Err(StoreError::NotFound) => Err(unknown_certificate()),
        Err(StoreError::Conflict("revoked")) => Err(AppError::conflict("already_revoked")),
        Err(e) => Err(e.into()),
    }
}
