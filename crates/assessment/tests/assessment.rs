//! The crate's one integration-test binary (link time is the bottleneck on two cores).
//!
//! * `gift_pegjs`: every gift-pegjs fixture reads to its expected parse tree.
//! * `moodle_gift`: Moodle's own fixture files read as Moodle's importer test expects.
//! * `round_trip`: write() then parse() gives the same questions, for every fixture.
//! * `reading`: how the reader treats what the fixtures do not spell out.
//! * `errors`: malformed GIFT is reported with the right lines, all problems at once.
//! * `drawing` and `grading`: attempts, step by step.
//! * `interchange`: the JSON shape and `convert` (GIFT → JSON → GIFT for every fixture).
//! * `moodle_xml`: Moodle XML import and export.
//! * `conversions`: Moodle's own exports with embedded images and sound kept both ways, categories
//!   through every format, errors naming the question, ranges without float noise.
//! * `new_types`: ordering, hotspot and the short-answer options.
//! * `statistics`: item statistics against a hand-computed example, and mastery.
//! * `qti`: QTI 2.1, 2.2 and 3.0 items.
//! * `toml_bank`: `questions.toml`, the extension file.
//! * `properties`: proptest for the parser, the writer, drawing and grading.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// The fixtures ask for pi to three places: the approximation is the point.
#![allow(clippy::approx_constant)]

#[path = "assessment/conversions.rs"]
mod conversions;
#[path = "assessment/drawing.rs"]
mod drawing;
#[path = "assessment/errors.rs"]
mod errors;
#[path = "assessment/gift_pegjs.rs"]
mod gift_pegjs;
#[path = "assessment/grading.rs"]
mod grading;
#[path = "assessment/interchange.rs"]
mod interchange;
#[path = "assessment/moodle_gift.rs"]
mod moodle_gift;
#[path = "assessment/moodle_xml.rs"]
mod moodle_xml;
#[path = "assessment/new_types.rs"]
mod new_types;
#[path = "assessment/properties.rs"]
mod properties;
#[path = "assessment/qti.rs"]
mod qti;
#[path = "assessment/reading.rs"]
mod reading;
#[path = "assessment/round_trip.rs"]
mod round_trip;
#[path = "assessment/statistics.rs"]
mod statistics;
#[path = "assessment/toml_bank.rs"]
mod toml_bank;

/// Shared helpers.
mod support {
    use std::path::PathBuf;

    use hocvuso_assessment::gift;
    use hocvuso_assessment::model::Question;

    /// The repository's copies of other projects' files (`tests/fixtures/SOURCES.md` names
    /// each one's origin and licence).
    pub fn fixtures() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"))
    }

    pub fn read(relative: &str) -> String {
        let path = fixtures().join(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn parse_ok(src: &str) -> Vec<Question> {
        gift::parse(src).unwrap_or_else(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("unexpected GIFT errors:\n{}", lines.join("\n"))
        })
    }

    /// Questions compared without their source line, which a rewrite changes.
    pub fn without_lines(mut questions: Vec<Question>) -> Vec<Question> {
        for q in &mut questions {
            q.line = 0;
        }
        questions
    }

    /// A small bank with one question of every type.
    pub const BANK: &str = "\
// [id:tf] [tag:safety]
The sun rises in the east.{T#It does rise in the east.#Right.}

// [id:single] [tag:safety]
::Capital::Capital of Vietnam?{
  =Hà Nội#Đúng
  ~Huế#Sai, đó là cố đô
  ~%-50%Đà Nẵng#Sai
}

// [id:multi] [tag:phone]
Colours between orange and green?{
  ~%50%yellow#half there
  ~%-100%red#no
  ~%50%off-beige#half there
  ~%-100%blue#no
}

// [id:short]
Best animal?{=Frog#Good! =%50%Cat#Cats? =%0%*#Completely wrong####Frogs, obviously.}

// [id:num]
Pi to 3 places?{#3.1415:0.0005#close enough =%50%3.1..3.2#roughly ~#Wrong}

// [id:match]
Match the capitals.{
  =Canada -> Ottawa
  =Italy -> Rome
  =Japan -> Tokyo
  = -> Paris
}

// [id:essay]
Write about it.{}

// [id:desc]
Just a description.

No id here.{T}
";

    pub fn bank() -> Vec<Question> {
        parse_ok(BANK)
    }

    pub fn rng(seed: u64) -> rand::rngs::StdRng {
        rand::SeedableRng::seed_from_u64(seed)
    }

    /// Every GIFT fixture: the 34 gift-pegjs files and Moodle's two.
    pub fn all_gift_fixtures() -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(fixtures().join("gift-pegjs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".gift"))
            .map(|n| format!("gift-pegjs/{n}"))
            .collect();
        names.sort();
        names.push("moodle-gift/questions.gift.txt".into());
        names.push("moodle-gift/questions_in_category.gift.txt".into());
        names
    }
}
