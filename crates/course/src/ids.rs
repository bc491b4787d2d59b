//! Content ids (course, lesson, quiz, question, group): stable forever, because learner records
//! point at them. One rule for all of them keeps URLs and database keys predictable.

/// Lower-case ASCII letters, digits and '-', not starting or ending with '-', 1–64 characters.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lower_case_slugs() {
        assert!(is_valid_id("an-toan-tren-mang"));
        assert!(is_valid_id("q1"));
        assert!(!is_valid_id("An-toan"));
        assert!(!is_valid_id("-x"));
        assert!(!is_valid_id("a b"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("đ"));
    }
}
