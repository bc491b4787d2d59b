//! Media files that travel with a question bank: the images (and narration) that Moodle XML embeds
//! as base64 `<file>` elements, and that this platform keeps in the course's `media/` folder.
//!
//! A question text refers to a file as `media/<name>` (the content format's path, relative to the
//! course folder); Moodle writes `@@PLUGINFILE@@/<name>`. Only what a course folder can safely
//! serve is accepted, judged by the bytes and not by the name:
//!
//! * PNG, JPEG, GIF and WebP images, recognised by their magic bytes;
//! * MP3 narration (an ID3 tag or an MPEG audio frame), which Moodle's own samples embed;
//! * SVG only when it is inert: no scripts, no event handlers, no `foreignObject`, no links or
//!   styles that fetch anything outside the file. Such an SVG is kept byte for byte; any other is
//!   refused (sanitising it would change the bytes the author exported).
//!
//! A name is reduced to lower-case ASCII letters, digits, `-`, `_` and one `.` before the
//! extension, which must say what the bytes are. A file may be at most [`MAX_FILE_BYTES`], a bank's
//! files together at most [`MAX_TOTAL_BYTES`].

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use roxmltree::{Document, Node};

use crate::model::{Question, QuestionKind, Text};

/// The largest media file a bank may carry (5 MiB), decoded.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The most media a bank may carry in all (20 MiB), decoded.
pub const MAX_TOTAL_BYTES: usize = 20 * 1024 * 1024;
/// The longest file name kept.
const MAX_NAME_CHARS: usize = 80;

/// One media file of a bank: its name inside the course's `media/` folder and its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// A safe name like `logo.jpg` (see the module documentation); the text refers to it as
    /// `media/logo.jpg`.
    pub name: String,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MediaFile({}, {} bytes)", self.name, self.bytes.len())
    }
}

impl MediaFile {
    /// The path a text uses for it: `media/logo.jpg`.
    pub fn path(&self) -> String {
        format!("{MEDIA_PREFIX}{}", self.name)
    }

    /// What the bytes are.
    pub fn kind(&self) -> Option<MediaKind> {
        MediaKind::of(&self.bytes)
    }
}

/// A bank with the media its texts refer to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bank {
    pub questions: Vec<Question>,
    pub media: Vec<MediaFile>,
}

impl Bank {
    /// A bank without media.
    pub fn new(questions: Vec<Question>) -> Self {
        Self {
            questions,
            media: Vec::new(),
        }
    }
}

/// The kinds of media file a bank may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Svg,
    Mp3,
}

impl MediaKind {
    /// The kind the bytes say, by their magic numbers (an SVG by its root element).
    pub fn of(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaKind::Png)
        } else if bytes.starts_with(b"\xff\xd8\xff") {
            Some(MediaKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(MediaKind::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(MediaKind::Webp)
        } else if bytes.starts_with(b"ID3")
            || (bytes.len() >= 2 && bytes[0] == 0xff && bytes[1] & 0xe0 == 0xe0)
        {
            Some(MediaKind::Mp3)
        } else if looks_like_svg(bytes) {
            Some(MediaKind::Svg)
        } else {
            None
        }
    }

    /// The extensions a file of this kind may have; the first is the one given to a name without.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaKind::Png => &["png"],
            MediaKind::Jpeg => &["jpg", "jpeg"],
            MediaKind::Gif => &["gif"],
            MediaKind::Webp => &["webp"],
            MediaKind::Svg => &["svg"],
            MediaKind::Mp3 => &["mp3"],
        }
    }

    /// A short name for people: `PNG`, `JPEG`, ...
    pub fn label(self) -> &'static str {
        match self {
            MediaKind::Png => "PNG",
            MediaKind::Jpeg => "JPEG",
            MediaKind::Gif => "GIF",
            MediaKind::Webp => "WebP",
            MediaKind::Svg => "SVG",
            MediaKind::Mp3 => "MP3",
        }
    }
}

fn looks_like_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let start = text.trim_start_matches('\u{feff}').trim_start();
    (start.starts_with("<?xml") || start.starts_with("<svg") || start.starts_with("<!--"))
        && text.contains("<svg")
}

/// The prefix of a media path in a text.
pub const MEDIA_PREFIX: &str = "media/";

/// A safe file name for `raw` (a Moodle file name, perhaps with a path): its last segment, lower
/// case, every other character than ASCII letters, digits, `-` and `_` turned into `-`, one
/// extension. `None` when nothing is left.
pub fn safe_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let (stem, extension) = match last.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, Some(extension)),
        _ => (last, None),
    };
    let clean = |part: &str| {
        let mut out = String::new();
        for c in part.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' {
                out.push(c);
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_matches('-').to_owned()
    };
    let stem: String = clean(stem).chars().take(MAX_NAME_CHARS).collect();
    let stem = stem.trim_matches('-').to_owned();
    if stem.is_empty() {
        return None;
    }
    Some(match extension.map(clean).filter(|e| !e.is_empty()) {
        Some(extension) => format!("{stem}.{extension}"),
        None => stem,
    })
}

/// Checks that `bytes` may go into a course's `media/` folder as `name`: a kind this platform
/// serves, within the size limit, named with that kind's extension, and (for SVG) inert. The error
/// says why not, in English for logs and authors' tools.
pub fn check(name: &str, bytes: &[u8]) -> Result<MediaKind, String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{name} is {} bytes; a media file may be at most {MAX_FILE_BYTES} bytes",
            bytes.len()
        ));
    }
    let Some(kind) = MediaKind::of(bytes) else {
        return Err(format!(
            "{name} is not a PNG, JPEG, GIF, WebP, SVG or MP3 file (judged by its bytes)"
        ));
    };
    let extension = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if !kind.extensions().contains(&extension) {
        return Err(format!(
            "{name} holds a {} file; name it .{}",
            kind.label(),
            kind.extensions()[0]
        ));
    }
    if kind == MediaKind::Svg {
        inert_svg(bytes).map_err(|why| format!("{name} is refused: {why}"))?;
    }
    Ok(kind)
}

/// Whether an SVG can do nothing but draw: parsed (no DTD, so no entity expansion), with an `svg`
/// root, and without any element, attribute or style that runs code or fetches something.
fn inert_svg(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the SVG is not UTF-8".to_owned())?;
    let document =
        Document::parse(text).map_err(|e| format!("the SVG is not well-formed XML: {e}"))?;
    if document.root_element().tag_name().name() != "svg" {
        return Err("the file is XML but not an SVG image".into());
    }
    for node in document.descendants() {
        if node.is_element() {
            inert_element(node)?;
        } else if node.is_text() && node.parent().is_some_and(|p| p.has_tag_name("style")) {
            inert_style(node.text().unwrap_or(""))?;
        } else if node.is_pi() {
            return Err("the SVG has a processing instruction (like a style sheet)".into());
        }
    }
    Ok(())
}

/// Elements that run code, embed other documents or animate attributes into links.
const ACTIVE_ELEMENTS: &[&str] = &[
    "script",
    "foreignObject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
    "animate",
    "animateMotion",
    "animateTransform",
    "set",
    "audio",
    "video",
];

fn inert_element(node: Node<'_, '_>) -> Result<(), String> {
    let name = node.tag_name().name();
    if ACTIVE_ELEMENTS.contains(&name) {
        return Err(format!("the SVG has a <{name}> element"));
    }
    for attribute in node.attributes() {
        let attribute_name = attribute.name();
        let value = attribute.value().trim();
        if attribute_name.to_ascii_lowercase().starts_with("on") {
            return Err(format!(
                "the SVG has an event handler ({attribute_name} on <{name}>)"
            ));
        }
        if attribute_name == "href" && !value.starts_with('#') {
            return Err(format!(
                "the SVG links outside itself (<{name} href=\"{}\">)",
                value.chars().take(40).collect::<String>()
            ));
        }
        if attribute_name == "style" {
            inert_style(value)?;
        }
        if value.contains("url(") && !only_local_urls(value) {
            return Err(format!(
                "the SVG fetches something outside itself ({attribute_name} on <{name}>)"
            ));
        }
    }
    Ok(())
}

fn inert_style(css: &str) -> Result<(), String> {
    let lower = css.to_ascii_lowercase();
    if lower.contains("@import") || lower.contains("expression(") || !only_local_urls(&lower) {
        return Err("the SVG's style fetches something outside the file".into());
    }
    Ok(())
}

/// Whether every `url(...)` in `value` points inside the document (`url(#gradient)`).
fn only_local_urls(value: &str) -> bool {
    value.split("url(").skip(1).all(|rest| {
        rest.trim_start()
            .trim_start_matches(['"', '\''])
            .starts_with('#')
    })
}

/// Decodes a base64 `<file>` body (line breaks and blanks allowed, as Moodle and others write it),
/// refusing before decoding anything larger than [`MAX_FILE_BYTES`].
pub fn decode_base64(encoded: &str) -> Result<Vec<u8>, String> {
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() / 4 * 3 > MAX_FILE_BYTES + 2 {
        return Err(format!(
            "the file is larger than {MAX_FILE_BYTES} bytes, the most a media file may be"
        ));
    }
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("the file is not valid base64: {e}"))
}

/// `bytes` as base64, as Moodle writes a `<file>` body (one line).
pub fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Every text of a question a learner or an author sees: stem, general feedback, options and their
/// feedback, matching items, ordering items.
pub fn texts(question: &Question) -> Vec<&Text> {
    let mut out = vec![&question.text];
    out.extend(question.general_feedback.as_ref());
    match &question.kind {
        QuestionKind::Description | QuestionKind::Essay | QuestionKind::Hotspot { .. } => {}
        QuestionKind::TrueFalse {
            feedback_wrong,
            feedback_right,
            ..
        } => {
            out.extend(feedback_wrong.as_ref());
            out.extend(feedback_right.as_ref());
        }
        QuestionKind::Choice { options, .. } => {
            for option in options {
                out.push(&option.text);
                out.extend(option.feedback.as_ref());
            }
        }
        QuestionKind::ShortAnswer { answers, .. } => {
            out.extend(answers.iter().filter_map(|a| a.feedback.as_ref()));
        }
        QuestionKind::Numerical { answers } => {
            out.extend(answers.iter().filter_map(|a| a.feedback.as_ref()));
        }
        QuestionKind::Matching { pairs } => out.extend(pairs.iter().map(|p| &p.left)),
        QuestionKind::Ordering { items, .. } => out.extend(items),
    }
    out
}

/// The same texts as [`texts`], to change them in place.
pub fn texts_mut(question: &mut Question) -> Vec<&mut Text> {
    let mut out = vec![&mut question.text];
    out.extend(question.general_feedback.as_mut());
    match &mut question.kind {
        QuestionKind::Description | QuestionKind::Essay | QuestionKind::Hotspot { .. } => {}
        QuestionKind::TrueFalse {
            feedback_wrong,
            feedback_right,
            ..
        } => {
            out.extend(feedback_wrong.as_mut());
            out.extend(feedback_right.as_mut());
        }
        QuestionKind::Choice { options, .. } => {
            for option in options {
                out.push(&mut option.text);
                out.extend(option.feedback.as_mut());
            }
        }
        QuestionKind::ShortAnswer { answers, .. } => {
            out.extend(answers.iter_mut().filter_map(|a| a.feedback.as_mut()));
        }
        QuestionKind::Numerical { answers } => {
            out.extend(answers.iter_mut().filter_map(|a| a.feedback.as_mut()));
        }
        QuestionKind::Matching { pairs } => out.extend(pairs.iter_mut().map(|p| &mut p.left)),
        QuestionKind::Ordering { items, .. } => out.extend(items),
    }
    out
}

/// Where a reference may start: right after a quote (an HTML attribute) or an opening parenthesis
/// (a markdown link), so that prose mentioning "media/" is left alone.
fn opens_reference(before: Option<char>) -> bool {
    matches!(before, Some('"' | '\'' | '('))
}

/// Where a reference that follows `opening` ends: at the closing quote of an HTML attribute, or at
/// the closing parenthesis or a blank in a markdown link.
fn ends_reference(opening: char, c: char) -> bool {
    match opening {
        '"' | '\'' => c == opening || matches!(c, '<' | '>' | '?' | '#'),
        _ => c == ')' || c.is_whitespace() || matches!(c, '<' | '>' | '?' | '#'),
    }
}

/// Rewrites every `<prefix><name>` reference in `text` (see [`opens_reference`]) with `replace`,
/// which gets the name as written and returns the new reference, or `None` to keep it.
pub(crate) fn rewrite_references(
    text: &str,
    prefix: &str,
    mut replace: impl FnMut(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        out.push_str(&rest[..at]);
        let before = out.chars().next_back();
        let after = &rest[at + prefix.len()..];
        let opening = before.unwrap_or(' ');
        let end = after
            .find(|c| ends_reference(opening, c))
            .unwrap_or(after.len());
        let name = &after[..end];
        match (opens_reference(before) && !name.is_empty())
            .then(|| replace(name))
            .flatten()
        {
            Some(new) => out.push_str(&new),
            None => {
                out.push_str(prefix);
                out.push_str(name);
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The `media/<name>` references of a text, in order, each once.
pub fn references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    rewrite_references(text, MEDIA_PREFIX, |name| {
        if !found.iter().any(|f| f == name) {
            found.push(name.to_owned());
        }
        None
    });
    found
}

/// Percent-decodes a URL path segment as Moodle writes file names (`my%20image.png`); invalid
/// escapes are kept as written.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit();
        if let Some(byte) = escaped
            .then(|| u8::from_str_radix(&s[i + 1..i + 3], 16).ok())
            .flatten()
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Collects a bank's media while it is read: gives each distinct file one safe name, shares a
/// name between equal files, and numbers different files that would share one (`logo-2.jpg`).
#[derive(Debug, Default)]
pub(crate) struct MediaCollector {
    files: Vec<MediaFile>,
    by_name: HashMap<String, usize>,
    total: usize,
}

impl MediaCollector {
    /// Adds a file called `raw_name` in the source; returns its safe name, or why it is refused.
    pub(crate) fn add(&mut self, raw_name: &str, bytes: Vec<u8>) -> Result<String, String> {
        let kind = MediaKind::of(&bytes);
        let mut name = safe_name(raw_name).ok_or_else(|| {
            format!("the file name `{raw_name}` has no letters or digits to keep")
        })?;
        if let Some(kind) = kind.filter(|_| !name.contains('.')) {
            // A name without an extension gets the one its bytes call for.
            name = format!("{name}.{}", kind.extensions()[0]);
        }
        check(&name, &bytes).map_err(|why| format!("{why} (`{raw_name}`)"))?;
        let (stem, extension) = name.rsplit_once('.').unwrap_or((&name, ""));
        let (stem, extension) = (stem.to_owned(), extension.to_owned());
        let mut candidate = name.clone();
        for n in 2.. {
            match self.by_name.get(&candidate) {
                Some(&k) if self.files[k].bytes == bytes => return Ok(candidate),
                Some(_) => candidate = format!("{stem}-{n}.{extension}"),
                None => break,
            }
        }
        if self.total + bytes.len() > MAX_TOTAL_BYTES {
            return Err(format!(
                "the bank's media add up to more than {MAX_TOTAL_BYTES} bytes, the most a bank \
                 may carry"
            ));
        }
        self.total += bytes.len();
        self.by_name.insert(candidate.clone(), self.files.len());
        self.files.push(MediaFile {
            name: candidate.clone(),
            bytes,
        });
        Ok(candidate)
    }

    pub(crate) fn into_files(self) -> Vec<MediaFile> {
        self.files
    }
}
