//! Certificates and their public verification.

use hocvuso_course::{Catalog, Course, Group, Quiz, QuizMode};
use std::collections::BTreeSet;

use hocvuso_credentials::openbadges::{CredentialRequest, EvidenceItem};
use hocvuso_credentials::pdf::{self, CertificateDoc, CertificateLabels};
use hocvuso_credentials::{
    vc_jwt, AchievementKind, AchievementRef, CertificateId, Competence, LearnerRef, Level,
    Verification,
};
use hocvuso_store::{Certificate, NewPathCertificate, StoreError, User};
use time::OffsetDateTime;

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
            .catalog
            .course(&c.achievement_id)
            .map(|x| x.title.clone())
            .unwrap_or_else(|| c.achievement_id.clone()),
        AchievementKind::Path => state
            .catalog
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

/// Signs the course credential a completion at `at` would carry, listing the practice tasks
/// passed (and `passing_task`, the one being passed now) as evidence. None (logged) when
/// signing fails: the completion is still recorded, without a credential, rather than lost.
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
    Ok(sign(
        state,
        &request(
            &state.catalog,
            &state.issuer.name,
            &user.display_name,
            learner,
            Achievement::Course(course),
            certificate_id,
            &course.version,
            at,
            at,
            task_evidence(course, &passed),
        ),
    ))
}

/// The path certificate a graded attempt earns, signed now: Some only when the attempt is a
/// passed test-mode attempt at the learner's own group's final quiz. Whether the learner already
/// has one is the store's to check, inside the grading transaction.
pub async fn path_award(
    state: &AppState,
    user: &User,
    course: &Course,
    quiz: &Quiz,
    passed: bool,
    at: OffsetDateTime,
) -> Result<Option<NewPathCertificate>, AppError> {
    if !passed || quiz.mode != QuizMode::Test {
        return Ok(None);
    }
    let Some(group) = user.group.as_deref().and_then(|g| state.catalog.group(g)) else {
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
    let signed = sign(
        state,
        &request(
            &state.catalog,
            &state.issuer.name,
            &user.display_name,
            learner,
            Achievement::Path(group),
            certificate_id.clone(),
            &course.version,
            at,
            at,
            Vec::new(),
        ),
    );
    Ok(Some(NewPathCertificate {
        certificate_id: certificate_id.to_string(),
        group_id: group.id.clone(),
        content_version: course.version.clone(),
        credential: signed.map(|s| (s.kid, s.jwt)),
    }))
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
        let Some(id) = CertificateId::parse(&c.certificate_id) else {
            continue;
        };
        let achievement = match c.kind {
            AchievementKind::Course => state
                .catalog
                .course(&c.achievement_id)
                .map(Achievement::Course),
            AchievementKind::Path => state
                .catalog
                .group(&c.achievement_id)
                .map(Achievement::Path),
        };
        let Some(achievement) = achievement else {
            tracing::warn!(certificate = %c.certificate_id, "cannot re-issue: its course or path is gone from the content");
            continue;
        };
        let Some(user) = state.store.user_by_id(c.user_id).await? else {
            continue;
        };
        let learner = learner_ref(state, &user).await?;
        let evidence = match achievement {
            Achievement::Course(course) if !course.tasks.is_empty() => task_evidence(
                course,
                &state
                    .store
                    .learner_record(user.id, &course.id)
                    .await?
                    .tasks_passed,
            ),
            _ => Vec::new(),
        };
        let req = request(
            &state.catalog,
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
        let Some(signed) = sign(state, &req) else {
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
    let id = CertificateId::parse(&v.certificate.certificate_id).ok_or_else(AppError::not_found)?;
    let (competences, level) = match v.certificate.kind {
        AchievementKind::Course => {
            let course = state.catalog.course(&v.certificate.achievement_id);
            (
                course
                    .map(|c| competences_of(&state.catalog, c))
                    .unwrap_or_default(),
                course.and_then(|c| level_of(&state.catalog, c)),
            )
        }
        AchievementKind::Path => {
            let group = state.catalog.group(&v.certificate.achievement_id);
            (
                group
                    .map(|g| path_competences(&state.catalog, g))
                    .unwrap_or_default(),
                group.and_then(|g| path_level(&state.catalog, g)),
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
    let id = CertificateId::parse(id).ok_or_else(|| {
        AppError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "unknown_certificate",
        )
    })?;
    match state
        .store
        .revoke_certificate(
            id.as_str(),
            reason,
            &format!("user:{}", admin.id),
            state.clock.now(),
            &state.catalog.groups,
        )
        .await
    {
        Ok(c) => Ok(c),
        Err(StoreError::NotFound) => Err(AppError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "unknown_certificate",
        )),
        Err(StoreError::Conflict("revoked")) => Err(AppError::conflict("already_revoked")),
        Err(e) => Err(e.into()),
    }
}
