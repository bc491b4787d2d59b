//! Reading one text file of the content folder: UTF-8, NFC, and a byte-offset → line mapping so
//! that TOML spans become line numbers.

use std::path::Path;

use unicode_normalization::{is_nfc_quick, IsNormalized};

use crate::problems::Problems;

pub(crate) struct Source {
    pub text: String,
    line_starts: Vec<usize>,
}

impl Source {
    pub fn new(text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, line_starts }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// Reads `root/rel` as UTF-8 text; records a problem (and returns None) if it cannot. Text that is
/// not NFC is a problem too: the same word in two normal forms would not match in searches.
pub(crate) fn read(root: &Path, rel: &Path, problems: &mut Problems) -> Option<Source> {
    let bytes = match std::fs::read(root.join(rel)) {
        Ok(b) => b,
        Err(e) => {
            problems.push(rel, None, format!("cannot read file: {e}"));
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
            problems.push(rel, Some(line), "file is not valid UTF-8");
            return None;
        }
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text);
    let source = Source::new(text);
    if is_nfc_quick(source.text.chars()) != IsNormalized::Yes {
        if let Some(line) = first_non_nfc_line(&source.text) {
            problems.push(rel, Some(line), "text is not NFC-normalised");
        }
    }
    Some(source)
}

fn first_non_nfc_line(text: &str) -> Option<usize> {
    use unicode_normalization::UnicodeNormalization;
    text.lines()
        .position(|l| l.nfc().ne(l.chars()))
        .map(|i| i + 1)
}
