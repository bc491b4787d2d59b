use actix_web::{web, HttpRequest};

use crate::auth::{PageUser, ROLE_ADMIN};
use crate::error::AppError;
use crate::state::AppState;

use super::{Page, PageResult};

/// The administrator's page: completion exports with filters (the download links go to the API,
/// which accepts the session cookie for GET requests).
pub async fn dashboard(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> PageResult {
    if !user.0.has_role(ROLE_ADMIN) {
        return Err(AppError::forbidden().into());
    }
    Page::new(&req, &state, Some(&user.0))
        .with("groups", &state.catalog.groups)
        .render("admin.html")
}
