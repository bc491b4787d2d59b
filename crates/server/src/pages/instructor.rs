use actix_web::{web, HttpRequest};
use serde::Serialize;

use hocvuso_assessment::interchange::{self, Format};
use hocvuso_assessment::media::{self, MediaFile, MediaKind};

use crate::app::instructor;
use crate::auth::{csrf, PageUser};
use crate::render::text_html;
use crate::state::AppState;

use super::form::FormFields;
use super::{Page, PageResult};

#[derive(Serialize)]
struct QuizLink<'a> {
    course_id: &'a str,
    course_title: &'a str,
    quiz_id: &'a str,
    quiz_title: &'a str,
}

pub async fn home(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> PageResult {
    let catalog = state.catalog();
    instructor::require_instructor(&user.0)?;
    let quizzes: Vec<QuizLink<'_>> = catalog
        .courses
        .values()
        .flat_map(|c| {
            c.quizzes.iter().map(move |q| QuizLink {
                course_id: &c.id,
                course_title: &c.title,
                quiz_id: &q.id,
                quiz_title: &q.title,
            })
        })
        .collect();
    Page::new(&req, &state, Some(&user.0))
        .with("quizzes", &quizzes)
        .render("instructor.html")
}

#[derive(Serialize)]
struct StatRow {
    id: String,
    text: String,
    attempts: usize,
    facility: String,
    discrimination: String,
    efficiency: String,
    flags: Vec<String>,
    options: Vec<(String, usize, String, bool)>,
}

pub async fn statistics(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
) -> PageResult {
    let (course_id, quiz_id) = path.into_inner();
    let stats = instructor::quiz_statistics(&state, &user.0, &course_id, &quiz_id).await?;
    let catalog = state.catalog();
    let course = crate::app::learning::course(&catalog, &course_id)?;
    let quiz = course
        .quiz(&quiz_id)
        .ok_or_else(crate::AppError::not_found)?;
    let bank = course.quiz_bank(quiz);
    let num = |v: Option<f64>| {
        v.map(crate::views::format_number_vi)
            .unwrap_or_else(|| "—".into())
    };
    let rows: Vec<StatRow> = stats
        .iter()
        .map(|s| StatRow {
            id: s.id.clone(),
            text: bank
                .iter()
                .find(|q| q.id.as_deref() == Some(&s.id))
                .map(|q| text_html(&q.text))
                .unwrap_or_default(),
            attempts: s.attempts,
            facility: crate::views::format_number_vi(s.facility),
            discrimination: num(s.discrimination_index),
            efficiency: num(s.discriminative_efficiency),
            flags: s
                .flags
                .iter()
                .filter_map(|f| {
                    serde_json::to_value(f).ok().and_then(|v| {
                        v.as_str().map(|k| {
                            crate::i18n_global()
                                .get(&format!("statistics.flag.{k}"))
                                .to_owned()
                        })
                    })
                })
                .collect(),
            options: s
                .options
                .iter()
                .map(|o| {
                    (
                        text_html(&o.text),
                        o.count,
                        crate::views::format_number_vi(o.percent),
                        o.fraction > 0.0,
                    )
                })
                .collect(),
        })
        .collect();
    Page::new(&req, &state, Some(&user.0))
        .with("course", course)
        .with("quiz", quiz)
        .with("rows", &rows)
        .render("statistics.html")
}

#[derive(Serialize, Default)]
pub struct ImportForm {
    from: String,
    text: String,
}

#[derive(Serialize)]
struct Preview {
    id: String,
    kind: String,
    text: String,
}

/// A media file the pasted bank carries, for the instructor to save into the course's `media/`
/// folder (the server never writes course files: content is reviewed like code).
#[derive(Serialize)]
struct MediaPreview {
    path: String,
    kind: &'static str,
    kilobytes: String,
    /// A `data:` URL, to show an image and to download the file.
    data_url: String,
    image: bool,
}

impl MediaPreview {
    fn of(file: &MediaFile) -> Self {
        let kind = file.kind();
        let mime = match kind {
            Some(MediaKind::Png) => "image/png",
            Some(MediaKind::Jpeg) => "image/jpeg",
            Some(MediaKind::Gif) => "image/gif",
            Some(MediaKind::Webp) => "image/webp",
            Some(MediaKind::Svg) => "image/svg+xml",
            Some(MediaKind::Mp3) => "audio/mpeg",
            None => "application/octet-stream",
        };
        Self {
            path: file.path(),
            kind: kind.map_or("?", MediaKind::label),
            kilobytes: crate::views::format_number_vi(file.bytes.len() as f64 / 1024.0),
            data_url: format!("data:{mime};base64,{}", media::encode_base64(&file.bytes)),
            image: kind.is_some_and(|k| k != MediaKind::Mp3),
        }
    }
}

pub async fn import_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> PageResult {
    instructor::require_instructor(&user.0)?;
    Page::new(&req, &state, Some(&user.0))
        .with(
            "form",
            &ImportForm {
                from: "gift".into(),
                ..Default::default()
            },
        )
        .render("bank_import.html")
}

/// The import form's limits: a pasted bank with its embedded images (Moodle XML carries them as
/// base64), read only after the role check. Larger banks go through `hocvuso questions convert`.
const IMPORT_FORM_BYTES: usize = 8 * 1024 * 1024;
const IMPORT_FORM_FIELDS: usize = 4;

/// Reads a pasted bank (GIFT, Moodle XML, QTI), shows every question or every problem with its
/// line and question, gives it back as GIFT for the course's questions.gift, and lists the media
/// files a Moodle XML bank embeds, for the course's media folder.
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    payload: web::Payload,
) -> PageResult {
    instructor::require_instructor(&user.0)?;
    let fields = FormFields::read(payload, IMPORT_FORM_BYTES, IMPORT_FORM_FIELDS).await?;
    csrf::verify(&req, fields.csrf())?;
    let form = ImportForm {
        from: fields.first("from").unwrap_or_default().to_owned(),
        text: fields.first("text").unwrap_or_default().to_owned(),
    };
    let page = Page::new(&req, &state, Some(&user.0));
    let Ok(from) = form.from.parse::<Format>() else {
        return page
            .with("form", &form)
            .error(&crate::AppError::unprocessable("unknown_format"))
            .render("bank_import.html");
    };
    // An empty paste reads as an empty bank: say what to do instead of showing nothing.
    if form.text.trim().is_empty() {
        return page
            .with("form", &form)
            .error(&crate::AppError::unprocessable("bank_empty"))
            .render("bank_import.html");
    }
    match interchange::read_bank(&form.text, from) {
        Ok(bank) => {
            let preview: Vec<Preview> = bank
                .questions
                .iter()
                .map(|q| Preview {
                    id: q.id.clone().unwrap_or_default(),
                    kind: q.type_key().to_owned(),
                    text: text_html(&q.text),
                })
                .collect();
            let media: Vec<MediaPreview> = bank.media.iter().map(MediaPreview::of).collect();
            let gift = interchange::write_bank(&bank, Format::Gift).unwrap_or_default();
            page.with("form", &form)
                .with("preview", &preview)
                .with("media", &media)
                .with("gift", &gift)
                .render("bank_import.html")
        }
        Err(e) => {
            let problems: Vec<String> = e.to_string().lines().map(str::to_owned).collect();
            page.with("form", &form)
                .with("problems", &problems)
                .status(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY)
                .render("bank_import.html")
        }
    }
}

pub async fn essays(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> PageResult {
    let queue = instructor::essay_queue(&state, &user.0).await?;
    // One form per attempt, its essays together.
    let mut attempts: Vec<(String, String, Vec<&instructor::EssayItem>)> = Vec::new();
    for e in &queue {
        match attempts.iter_mut().find(|(id, _, _)| id == &e.attempt_id) {
            Some((_, _, list)) => list.push(e),
            None => attempts.push((e.attempt_id.clone(), e.course_title.clone(), vec![e])),
        }
    }
    Page::new(&req, &state, Some(&user.0))
        .with("attempts", &attempts)
        .render("essays.html")
}

/// The grading form's limits: a few essays per attempt, each a grade and a comment.
const GRADE_FORM_BYTES: usize = 128 * 1024;
const GRADE_FORM_FIELDS: usize = 401;

/// The grading form: `f:<question>` in percent and `c:<question>` comments. The role is
/// checked before the body is read, and the comments are found through the form's index.
pub async fn grade(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> PageResult {
    instructor::require_instructor(&user.0)?;
    let form = FormFields::read(payload, GRADE_FORM_BYTES, GRADE_FORM_FIELDS).await?;
    csrf::verify(&req, form.csrf())?;
    let mut grades = std::collections::BTreeMap::new();
    for (k, v) in form.pairs() {
        if let Some(qid) = k.strip_prefix("f:") {
            let percent: f64 = v
                .trim()
                .replace(',', ".")
                .parse()
                .map_err(|_| crate::AppError::unprocessable("invalid_grade"))?;
            let comment = form
                .first(&format!("c:{qid}"))
                .unwrap_or_default()
                .to_owned();
            grades.insert(
                qid.to_owned(),
                instructor::EssayGrade {
                    fraction: percent / 100.0,
                    comment,
                },
            );
        }
    }
    instructor::grade_essays(&state, &user.0, &path, grades).await?;
    Ok(super::redirect("/instructor/essays"))
}
