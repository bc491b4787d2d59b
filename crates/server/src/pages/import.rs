//! The import page: a file (CSV or XLSX) and a dry-run box; the report lists every problem
//! with its row and column. A file that passed the check is kept for an hour
//! (`pending_imports`), so the manager imports it with one button instead of choosing it again.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::app::import::{self, FileKind};
use crate::auth::{csrf, PageUser, Scoped};
use crate::error::AppError;
use crate::state::AppState;

use super::{Page, PageResult};

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
) -> PageResult {
    scope.require_manager()?;
    Page::new(&req, &state, Some(&scope.user))
        .with("units", &scope.visible_units())
        .with("groups", &state.catalog().groups)
        .render("import.html")
}

pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    mut body: Multipart,
) -> PageResult {
    scope.require_manager()?;
    let mut token = String::new();
    let mut pending = String::new();
    let mut dry_run = false;
    let mut file: Vec<u8> = Vec::new();
    let mut kind = None;
    while let Some(field) = body.next().await {
        let mut field = field.map_err(|_| AppError::bad_request("invalid_form"))?;
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("")
            .to_owned();
        let content_type = field
            .content_type()
            .map(|m| m.essence_str().to_owned())
            .unwrap_or_default();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| AppError::bad_request("invalid_form"))?;
            if data.len() + chunk.len() > crate::app::import::MAX_FILE {
                return Err(AppError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                )
                .into());
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => token = String::from_utf8_lossy(&data).into_owned(),
            "dry_run" => dry_run = true,
            "pending" => pending = String::from_utf8_lossy(&data).trim().to_owned(),
            "file" => {
                kind = FileKind::detect(&content_type, &file_name);
                file = data;
            }
            _ => {}
        }
    }
    csrf::verify(&req, &token)?;
    let now = state.clock.now();
    if kind.is_none() && !pending.is_empty() {
        // The file checked a moment ago: imported now, or the form again when it is gone.
        let kept = state
            .store
            .take_pending_import(
                scope.user.id,
                &token_hash(&pending),
                now - time::Duration::minutes(PENDING_MINUTES),
            )
            .await
            .map_err(AppError::from)?;
        let Some(kept) = kept else {
            return Page::new(&req, &state, Some(&scope.user))
                .with("units", &scope.visible_units())
                .with("groups", &state.catalog().groups)
                .with("dry_next", &true)
                .error(&AppError::unprocessable("pending_import_gone"))
                .render("import.html");
        };
        kind = Some(if kept.kind == "xlsx" {
            FileKind::Xlsx
        } else {
            FileKind::Csv
        });
        file = kept.bytes;
        dry_run = false;
    }
    let Some(kind) = kind else {
        // The form again, with the choice the person made and why the file was refused.
        return Page::new(&req, &state, Some(&scope.user))
            .with("units", &scope.visible_units())
            .with("groups", &state.catalog().groups)
            .with("dry_next", &dry_run)
            .error(&AppError::unprocessable("unsupported_file"))
            .render("import.html");
    };
    let report = import::import(&state, &scope, &file, kind, dry_run).await?;
    // A clean check: the file is kept, named by a token only this page shows.
    let mut pending_token = None;
    if dry_run && report.problems.is_empty() && report.rows > 0 {
        let t = new_token();
        state
            .store
            .keep_pending_import(
                scope.user.id,
                &token_hash(&t),
                if kind == FileKind::Xlsx {
                    "xlsx"
                } else {
                    "csv"
                },
                file,
                now,
                now - time::Duration::minutes(PENDING_MINUTES),
            )
            .await
            .map_err(AppError::from)?;
        pending_token = Some(t);
    }
    let status = if report.problems.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Page::new(&req, &state, Some(&scope.user))
        .with("units", &scope.visible_units())
        .with("groups", &state.catalog().groups)
        .with("report", &report)
        .with("pending", &pending_token)
        // After a clean check, the next upload imports; otherwise it checks again.
        .with("dry_next", &(dry_run && !report.problems.is_empty()))
        .status(status)
        .render("import.html")
}

/// How long a checked file is kept for its one-button import.
const PENDING_MINUTES: i64 = 60;

fn new_token() -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
