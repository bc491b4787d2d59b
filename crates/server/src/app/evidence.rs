//! Certificates and their public verification.

use hocvuso_course::{Catalog, Course};
use hocvuso_credentials::openbadges::CredentialRequest;
use hocvuso_credentials::pdf::{self, CertificateDoc, CertificateLabels};
use hocvuso_credentials::{
    vc_jwt, AchievementKind, AchievementRef, CertificateId, Competence, LearnerRef, Level,
    Verification,
};
use hocvuso_store::{Completion, StoreError, User};
use time::OffsetDateTime;

use crate::error::AppError;
use crate::state::AppState;

pub fn verify_url(state: &AppState, certificate_id: &str) -> String {
    format!(
        "{}/verify/{certificate_id}",
        state.settings.public_url.trim_end_matches('/')
    )
}

/// What the public may know about a certificate.
pub struct Verified {
    pub completion: Completion,
    pub learner: User,
    pub course_title: String,
}

/// Looks a certificate up by its id; None when no such certificate exists (or the id is not
/// even well-formed).
pub async fn lookup(state: &AppState, id: &str) -> Result<Option<Verified>, AppError> {
    let Some(id) = CertificateId::parse(id) else {
        return Ok(None);
    };
    let Some((completion, learner)) = state.store.completion_by_certificate(id.as_str()).await?
    else {
        return Ok(None);
    };
    let course_title = state
        .catalog
        .course(&completion.course_id)
        .map(|c| c.title.clone())
        .unwrap_or_else(|| completion.course_id.clone());
    Ok(Some(Verified {
        completion,
        learner,
        course_title,
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

fn competences_of(catalog: &Catalog, course: &Course) -> Vec<Competence> {
    course
        .competences
        .iter()
        .map(|code| Competence {
            code: code.clone(),
            title: catalog
                .framework
                .competence(code)
                .map(|c| c.title.clone())
                .unwrap_or_else(|| code.clone()),
        })
        .collect()
}

fn level_of(catalog: &Catalog, course: &Course) -> Option<Level> {
    let band = catalog
        .framework
        .level(course.level)
        .map(|l| l.band.clone())?;
    Some(Level {
        number: course.level,
        name: tr("certificate.level_name")
            .replace("{number}", &course.level.to_string())
            .replace("{band}", &band),
    })
}

/// What a course credential says: the course, its competences and level, the learner, when.
/// Shared by the server's completion and `dev seed`, so seeded credentials are real ones.
pub fn course_request(
    catalog: &Catalog,
    issuer_name: &str,
    certificate_id: CertificateId,
    learner: LearnerRef,
    learner_name: &str,
    course: &Course,
    at: OffsetDateTime,
) -> CredentialRequest {
    CredentialRequest {
        certificate_id,
        issuer_name: issuer_name.to_owned(),
        learner,
        learner_name: learner_name.to_owned(),
        achievement: AchievementRef {
            kind: AchievementKind::Course,
            id: course.id.clone(),
            title: course.title.clone(),
        },
        description: course.summary.clone(),
        criteria: tr("certificate.criteria_course"),
        framework: catalog.framework.title.clone(),
        competences: competences_of(catalog, course),
        level: level_of(catalog, course),
        content_version: Some(course.version.clone()),
        awarded_at: at,
        issued_at: at,
    }
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

/// Signs the course credential a completion at `at` would carry. None (logged) when signing
/// fails: the completion is still recorded, without a credential, rather than lost.
pub async fn sign_course(
    state: &AppState,
    user: &User,
    course: &Course,
    at: OffsetDateTime,
) -> Result<Option<Signed>, AppError> {
    let learner = learner_ref(state, user).await?;
    let certificate_id = CertificateId::generate(&mut rand::rngs::OsRng);
    let req = course_request(
        &state.catalog,
        &state.issuer.name,
        certificate_id.clone(),
        learner,
        &user.display_name,
        course,
        at,
    );
    match vc_jwt::issue(&state.issuer.ring(), &state.issuer.base, &req) {
        Ok(issued) => Ok(Some(Signed {
            certificate_id: certificate_id.to_string(),
            jwt: issued.jwt,
            kid: issued.kid,
        })),
        Err(e) => {
            tracing::error!(error = %e, course = %course.id, "cannot sign a credential");
            Ok(None)
        }
    }
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
            match state.store.completion_by_certificate(id.as_str()).await? {
                Some((c, _)) if c.revoked_at.is_none() => {}
                _ => v = v.revoked(),
            }
        }
    }
    Ok(v)
}

/// The printable certificate of a completion.
pub fn certificate_pdf(state: &AppState, v: &Verified) -> Result<Vec<u8>, AppError> {
    let id = CertificateId::parse(&v.completion.certificate_id).ok_or_else(AppError::not_found)?;
    let course = state.catalog.course(&v.completion.course_id);
    let doc = CertificateDoc {
        learner_name: v.learner.display_name.clone(),
        achievement_title: v.course_title.clone(),
        competences: course
            .map(|c| competences_of(&state.catalog, c))
            .unwrap_or_default(),
        level: course.and_then(|c| level_of(&state.catalog, c)),
        date: v
            .completion
            .completed_at
            .to_offset(time::macros::offset!(+7))
            .date(),
        issuer_name: state.issuer.name.clone(),
        verify_url: state.issuer.base.verify_url(&id),
        certificate_id: id,
        labels: CertificateLabels {
            title: tr("certificate.title"),
            awarded_to: tr("certificate.awarded_to"),
            completed: tr("certificate.completed"),
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

/// An admin revokes a certificate: the completion is marked, a ledger entry appended, and the
/// dashboard's counters lowered by what the completion counted for (one transaction).
pub async fn revoke(
    state: &AppState,
    admin: &User,
    id: &str,
    reason: &str,
) -> Result<Completion, AppError> {
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
