//! Certificates and their public verification.

use hocvuso_credentials::CertificateId;
use hocvuso_store::{Completion, User};

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
