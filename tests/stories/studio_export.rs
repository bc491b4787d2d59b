//! `hocvuso content export COURSE --to gift|moodle-xml` hands a course's question bank to another
//! instance or to Moodle. The round trip: a bundled course exported both ways, each file
//! imported into a new course in the studio of another instance (the same curriculum, so the
//! same framework), gives back the same questions: ids, stems, answers, feedback, tags.
//! `app::studio::export::export` is what the command runs (it only prints the lines).

use std::path::{Path, PathBuf};

use actix_web::http::StatusCode;
use hocvuso_assessment::model::Question;
use hocvuso_server::app::studio::{self, export::Shape};
use hocvuso_server::clock::Clock;
use hocvuso_stories::{copy_tree, workspace_root, TestApp, TestResult};
use rand::Rng;
use serde_json::json;

/// A bundled course whose bank GIFT can hold whole (no ordering or hotspot questions).
const COURSE: &str = "an-toan-tren-mang";

/// A folder under the system's temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let n: u64 = rand::thread_rng().gen();
        Self(std::env::temp_dir().join(format!("hvs-{tag}-{n:016x}")))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A question as the round trip must keep it: everything but where it stood in its file.
fn comparable(q: &Question) -> Question {
    Question {
        line: 0,
        ..q.clone()
    }
}

fn bank_of(dir: &Path) -> Result<Vec<Question>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(dir.join("questions.gift"))?;
    Ok(hocvuso_assessment::gift::parse(&text).map_err(|e| format!("{e:?}"))?)
}

#[actix_web::test]
async fn a_bundled_course_exported_as_gift_and_moodle_xml_imports_back_into_the_studio_unchanged(
) -> TestResult {
    let bundled = workspace_root().join("content");
    let catalog = hocvuso_course::load(&bundled).map_err(|p| p.to_string())?;
    let original: Vec<Question> = catalog
        .course(COURSE)
        .ok_or("the bundled course")?
        .bank
        .iter()
        .map(comparable)
        .collect();
    assert!(original.len() >= 20, "a bank worth the round trip");
    let kinds: std::collections::HashSet<_> = original
        .iter()
        .map(|q| std::mem::discriminant(&q.kind))
        .collect();
    assert!(kinds.len() >= 3, "several question types");

    // The receiving instance: the same curriculum in a folder of its own (the studio makes it
    // a repository, and refuses this checkout's content/).
    let receiving = Scratch::new("export-receiving");
    copy_tree(&bundled, &receiving.0)?;
    let app = TestApp::spawn_with(receiving.0.clone(), Clock::system()).await?;
    let admin = app.admin("quan.tri").await?;
    let out = Scratch::new("export-out");

    for (shape, format, ext) in [
        (Shape::Gift, "gift", "gift"),
        (Shape::MoodleXml, "moodle-xml", "xml"),
    ] {
        let lines = studio::export::export(&bundled, Some(COURSE), shape, Some(out.0.clone()))?;
        let file = out.0.join(format!("{COURSE}.{ext}"));
        assert_eq!(
            lines,
            vec![format!(
                "{COURSE}: {} questions → {}",
                original.len(),
                file.display()
            )]
        );
        let text = std::fs::read_to_string(&file)?;

        // Imported into a new course, as an instructor pastes or uploads it.
        let copy = format!("ban-sao-{format}");
        let created = app
            .post(
                "/api/v1/studio/courses",
                Some(&admin),
                json!({"id": copy, "title": format!("Bản sao {format}")}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let revision = created.json()["revision"].as_i64().ok_or("revision")?;
        let imported = app
            .post(
                &format!("/api/v1/studio/courses/{copy}/questions"),
                Some(&admin),
                json!({"revision": revision, "format": format, "text": text}),
            )
            .await;
        assert_eq!(
            imported.status,
            StatusCode::OK,
            "{format}: {}",
            imported.text()
        );
        let ids: Vec<String> = serde_json::from_value(imported.json()["questions"].clone())?;
        let expected: Vec<String> = original.iter().filter_map(|q| q.id.clone()).collect();
        assert_eq!(ids, expected, "{format}: every id, in the bank's order");

        // The draft's bank, read back as the loader reads it: the same questions.
        let again: Vec<Question> = bank_of(&studio::paths(&app.state).draft(&copy))?
            .iter()
            .map(comparable)
            .collect();
        assert_eq!(again.len(), original.len(), "{format}");
        for (before, after) in original.iter().zip(&again) {
            assert_eq!(
                after, before,
                "{format}: {:?} changed in the round trip",
                before.id
            );
        }
    }
    Ok(())
}
