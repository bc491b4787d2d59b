//! Lesson narration (issue #14): one Opus file per lesson and language, spoken by an offline
//! speech engine (espeak-ng, encoded by opusenc; Debian packages `espeak-ng` and `opus-tools`).
//!
//! The files are a cache in the data folder, `audio/<course>/<lesson>.<lang>.<hash>.opus`, keyed
//! by a hash of what is said (`hocvuso_course::narration::script`, normalised for Vietnamese),
//! so a lesson is spoken again only when its text changes and the repository stays small.
//! `hocvuso content audio` fills the cache; the server fills what is missing in the background
//! at start when the engine is installed. A human recording named in the lesson's front matter
//! (`audio = "media/…"`, in the course's media folder) always wins. Without the engine nothing
//! fails: the lesson page says narration is not available yet.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hocvuso_course::narration::{normalise_vi, script};
use hocvuso_course::{Catalog, Course, Lesson};
use sha2::{Digest, Sha256};

/// The speech engine's settings, part of the cache key (a change of voice or speed makes the
/// files again).
const ESPEAK_SPEED: &str = "140";
const OPUS_BITRATE: &str = "20";
const ENGINE_ID: &str = "espeak-ng/140wpm/opus20";

/// Where a lesson's narration comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Narration {
    /// A human recording in the course's media folder (a path below the course).
    Recorded(String),
    /// A generated file in the cache: its file name below `audio/<course>/`.
    Generated(String),
    /// Not generated yet (no engine, or not yet reached by the background fill).
    Unavailable,
}

/// The text a lesson's narration in `lang` says, as given to the engine.
pub fn lesson_script(lesson: &Lesson, lang: &str) -> String {
    let (text, actual) = lesson.text(lang);
    let plain = script(&text.title, &text.html);
    if actual == "vi" {
        normalise_vi(&plain)
    } else {
        plain
    }
}

/// The cache file name of a lesson's narration: lesson id, language, and the first 16 hex
/// digits of SHA-256 over the engine settings and the script.
pub fn file_name(lesson: &Lesson, lang: &str, script: &str) -> String {
    let mut h = Sha256::new();
    h.update(ENGINE_ID.as_bytes());
    h.update([0]);
    h.update(lang.as_bytes());
    h.update([0]);
    h.update(script.as_bytes());
    let digest = hex::encode(&h.finalize()[..8]);
    format!("{}.{lang}.{digest}.opus", lesson.id)
}

/// The folder of a course's generated narration.
pub fn course_dir(data_dir: &Path, course_id: &str) -> PathBuf {
    data_dir.join("audio").join(course_id)
}

/// The language a lesson is narrated in for a learner who chose `lang`: the translation's when
/// there is one, else Vietnamese.
fn narrated_lang<'a>(lesson: &'a Lesson, lang: &'a str) -> &'a str {
    lesson.text(lang).1
}

/// Where the narration of a lesson in the learner's language comes from.
pub fn for_lesson(data_dir: &Path, course: &Course, lesson: &Lesson, lang: &str) -> Narration {
    let (text, _) = lesson.text(lang);
    if let Some(recorded) = text.audio {
        return Narration::Recorded(recorded);
    }
    let lang = narrated_lang(lesson, lang);
    let name = file_name(lesson, lang, &lesson_script(lesson, lang));
    if course_dir(data_dir, &course.id).join(&name).is_file() {
        Narration::Generated(name)
    } else {
        Narration::Unavailable
    }
}

/// Whether a name is one `file_name` could have made (the audio route serves nothing else).
pub fn is_cache_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".opus") else {
        return false;
    };
    let parts: Vec<&str> = stem.split('.').collect();
    parts.len() == 3
        && hocvuso_course::ids::is_valid_id(parts[0])
        && crate::preferences::is_language_code(parts[1])
        && parts[2].len() == 16
        && parts[2].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The installed engine: the two programs, found on `PATH`.
#[derive(Debug, Clone)]
pub struct Engine {
    espeak: PathBuf,
    opusenc: PathBuf,
}

impl Engine {
    /// The engine when both programs run; None otherwise (the platform runs without it).
    pub fn detect() -> Option<Self> {
        let runs = |program: &str, arg: &str| {
            Command::new(program)
                .arg(arg)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        (runs("espeak-ng", "--version") && runs("opusenc", "--version")).then(|| Self {
            espeak: PathBuf::from("espeak-ng"),
            opusenc: PathBuf::from("opusenc"),
        })
    }

    /// Speaks `text` in `lang` into `out` (Opus, mono, 20 kbit/s). Written to a temporary name
    /// first and renamed, so a half-made file is never served.
    pub fn speak(&self, text: &str, lang: &str, out: &Path) -> Result<(), String> {
        let dir = out.parent().ok_or("no folder")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let wav = out.with_extension("wav.part");
        let part = out.with_extension("opus.part");
        let text_file = out.with_extension("txt.part");
        std::fs::write(&text_file, text).map_err(|e| format!("writing the script: {e}"))?;
        let result = (|| {
            let status = Command::new(&self.espeak)
                .args(["-v", lang, "-s", ESPEAK_SPEED, "-b", "1", "-w"])
                .arg(&wav)
                .arg("-f")
                .arg(&text_file)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .map_err(|e| format!("running espeak-ng: {e}"))?;
            if !status.status.success() {
                return Err(format!(
                    "espeak-ng failed: {}",
                    String::from_utf8_lossy(&status.stderr).trim()
                ));
            }
            let status = Command::new(&self.opusenc)
                .args([
                    "--quiet",
                    "--bitrate",
                    OPUS_BITRATE,
                    "--downmix-mono",
                    "--speech",
                ])
                .arg(&wav)
                .arg(&part)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .map_err(|e| format!("running opusenc: {e}"))?;
            if !status.status.success() {
                return Err(format!(
                    "opusenc failed: {}",
                    String::from_utf8_lossy(&status.stderr).trim()
                ));
            }
            std::fs::rename(&part, out).map_err(|e| format!("renaming: {e}"))
        })();
        for f in [&wav, &part, &text_file] {
            let _ = std::fs::remove_file(f);
        }
        result
    }
}

/// What a fill did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FillReport {
    pub generated: usize,
    pub cached: usize,
    pub recorded: usize,
    pub failed: Vec<String>,
}

/// Makes the narration every lesson of `courses` lacks (every language it is written in), and
/// removes cache files of earlier versions of those lessons. Runs the engine once per missing
/// file, one at a time (the server does this in the background at start).
pub fn fill(engine: &Engine, data_dir: &Path, catalog: &Catalog, only: Option<&str>) -> FillReport {
    let mut report = FillReport::default();
    for course in catalog.courses.values() {
        if only.is_some_and(|id| id != course.id) {
            continue;
        }
        let dir = course_dir(data_dir, &course.id);
        let mut keep: Vec<String> = Vec::new();
        for lesson in &course.lessons {
            let langs = std::iter::once("vi").chain(lesson.translations.keys().map(String::as_str));
            for lang in langs {
                if lesson.text(lang).0.audio.is_some() {
                    report.recorded += 1;
                    continue;
                }
                let text = lesson_script(lesson, lang);
                let name = file_name(lesson, lang, &text);
                let path = dir.join(&name);
                keep.push(name);
                if path.is_file() {
                    report.cached += 1;
                    continue;
                }
                match engine.speak(&text, lang, &path) {
                    Ok(()) => report.generated += 1,
                    Err(e) => {
                        tracing::warn!(course = %course.id, lesson = %lesson.id, %lang, error = %e, "narration failed");
                        report
                            .failed
                            .push(format!("{}/{} ({lang}): {e}", course.id, lesson.id));
                    }
                }
            }
        }
        remove_stale(&dir, &keep);
    }
    report
}

/// Removes narration files of a course that no current lesson text needs.
fn remove_stale(dir: &Path, keep: &[String]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_cache_name(&name) && !keep.contains(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Fills the cache in the background when the engine is installed (the server calls this at
/// start; requests are served meanwhile, lessons without a file say it is not ready yet).
pub fn fill_in_background(data_dir: PathBuf, catalog: std::sync::Arc<Catalog>) {
    let Some(engine) = Engine::detect() else {
        tracing::info!("no speech engine (espeak-ng and opusenc): lessons are not narrated");
        return;
    };
    std::thread::Builder::new()
        .name("narration".into())
        .spawn(move || {
            let report = fill(&engine, &data_dir, &catalog, None);
            tracing::info!(
                generated = report.generated,
                cached = report.cached,
                recorded = report.recorded,
                failed = report.failed.len(),
                "narration cache filled"
            );
        })
        .map(|_| ())
        .unwrap_or_else(|e| tracing::warn!(error = %e, "could not start the narration thread"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_the_cache_makes_are_served() {
        assert!(is_cache_name("bat-may.vi.0123456789abcdef.opus"));
        for bad in [
            "../x.vi.0123456789abcdef.opus",
            "bat-may.vi.0123.opus",
            "bat-may.VI.0123456789abcdef.opus",
            "bat-may.vi.0123456789abcdef.wav",
            "a.b.vi.0123456789abcdef.opus",
        ] {
            assert!(!is_cache_name(bad), "{bad}");
        }
    }
}
