//! `framework.toml`: the digital competence framework (domains, competences, levels).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: String,
    pub title: String,
    #[serde(default, rename = "level")]
    pub levels: Vec<Level>,
    #[serde(default, rename = "domain")]
    pub domains: Vec<Domain>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub number: u8,
    pub band: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub digcomp: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "competence")]
    pub competences: Vec<Competence>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Competence {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub digcomp: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

impl Framework {
    pub fn competence(&self, code: &str) -> Option<&Competence> {
        self.competences().find(|c| c.code == code)
    }

    pub fn competences(&self) -> impl Iterator<Item = &Competence> {
        self.domains.iter().flat_map(|d| d.competences.iter())
    }

    pub fn level(&self, number: u8) -> Option<&Level> {
        self.levels.iter().find(|l| l.number == number)
    }

    /// Structural checks that do not depend on the rest of the folder.
    pub(crate) fn check(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen_levels = std::collections::BTreeSet::new();
        for l in &self.levels {
            if !(1..=8).contains(&l.number) {
                out.push(format!("level {} is outside 1..8", l.number));
            }
            if !seen_levels.insert(l.number) {
                out.push(format!("level {} is defined twice", l.number));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for d in &self.domains {
            if !seen.insert(d.code.clone()) {
                out.push(format!("domain {} is defined twice", d.code));
            }
            for c in &d.competences {
                if !seen.insert(c.code.clone()) {
                    out.push(format!("competence {} is defined twice", c.code));
                }
                if !c.code.starts_with(&format!("{}.", d.code)) {
                    out.push(format!(
                        "competence {} does not belong to domain {} (its code must start with \"{}.\")",
                        c.code, d.code, d.code
                    ));
                }
            }
        }
        out
    }
}
