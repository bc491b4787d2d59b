//! Certificates as a learner's list and the public check show them.

use serde::Serialize;

use hocvuso_credentials::AchievementKind;
use hocvuso_store::{Certificate, User};

use crate::app::evidence::{certificate_title, signed_with_retired_key, verify_url, Verified};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{date_vi, rfc3339};

/// `course` for a completed course, `path` for a passed group's final quiz.
pub fn kind_key(kind: AchievementKind) -> &'static str {
    match kind {
        AchievementKind::Course => "course",
        AchievementKind::Path => "path",
    }
}

/// One of a learner's certificates.
#[derive(Serialize)]
pub struct CertificateView {
    pub id: String,
    pub kind: &'static str,
    /// A path certificate (passed the group's final quiz) rather than a course's.
    pub path: bool,
    /// The course completed; for a path certificate, the course holding the final quiz.
    pub course_id: String,
    /// The group whose path was passed (path certificates only).
    pub group_id: Option<String>,
    /// The course title, or the path title.
    pub title: String,
    /// RFC 3339.
    pub issued_at: String,
    /// The date in Vietnamese.
    pub issued_on: String,
    pub verify_url: String,
    pub revoked: bool,
    /// Signed with a key since withdrawn: not valid until re-issued.
    pub key_retired: bool,
}

impl CertificateView {
    pub fn of(state: &AppState, c: Certificate) -> Self {
        let path = c.kind == AchievementKind::Path;
        Self {
            kind: kind_key(c.kind),
            path,
            verify_url: verify_url(state, &c.certificate_id),
            title: certificate_title(state, &c),
            key_retired: signed_with_retired_key(state, &c),
            group_id: path.then(|| c.achievement_id.clone()),
            issued_at: rfc3339(c.completed_at),
            issued_on: date_vi(c.completed_at),
            revoked: c.revoked_at.is_some(),
            id: c.certificate_id,
            course_id: c.course_id,
        }
    }
}

/// The learner's certificates of both kinds, oldest first.
pub async fn my_certificate_views(
    state: &AppState,
    user: &User,
) -> Result<Vec<CertificateView>, AppError> {
    Ok(state
        .store
        .certificates_for_user(user.id)
        .await?
        .into_iter()
        .map(|c| CertificateView::of(state, c))
        .collect())
}

/// What the public check of a certificate shows: valid, revoked or signed with a retired key,
/// the learner's display name and nothing else about them (unless they chose to, `details`).
#[derive(Serialize)]
pub struct VerifiedView {
    pub valid: bool,
    pub kind: &'static str,
    pub path: bool,
    /// The learner's display name (never the username).
    pub learner: String,
    /// The course title, or the path title.
    pub title: String,
    pub course_id: String,
    pub group_id: Option<String>,
    pub issued_at: String,
    pub issued_on: String,
    pub revoked: bool,
    pub revoked_at: Option<String>,
    pub revoked_on: Option<String>,
    pub revoked_reason: Option<String>,
    pub key_retired: bool,
    /// Shown only when the learner chose to (off by default).
    pub details: Option<Details>,
}

#[derive(Serialize)]
pub struct Details {
    pub username: String,
    pub birth_year: Option<i32>,
    /// The group's title.
    pub group: Option<String>,
}

impl VerifiedView {
    pub fn of(state: &AppState, v: Verified) -> Self {
        let valid = v.valid();
        let path = v.is_path();
        let c = v.certificate;
        let learner = v.learner;
        Self {
            valid,
            kind: kind_key(c.kind),
            path,
            title: v.title,
            group_id: path.then(|| c.achievement_id.clone()),
            course_id: c.course_id,
            issued_at: rfc3339(c.completed_at),
            issued_on: date_vi(c.completed_at),
            revoked: c.revoked_at.is_some(),
            revoked_at: c.revoked_at.map(rfc3339),
            revoked_on: c.revoked_at.map(date_vi),
            revoked_reason: c.revoked_reason,
            key_retired: v.key_retired,
            details: learner.verify_shows_details.then(|| Details {
                group: learner
                    .group
                    .as_deref()
                    .and_then(|g| state.catalog().group(g).map(|g| g.title.clone())),
                username: learner.username.clone(),
                birth_year: learner.birth_year,
            }),
            learner: learner.display_name,
        }
    }
}
