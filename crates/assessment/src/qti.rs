//! QTI import: one `assessmentItem` (QTI 2.1, 2.2) or `qti-assessment-item` (QTI 3.0, the same
//! model in kebab-case) with one interaction of a kind this platform has:
//!
//! | QTI interaction | question | marks |
//! |---|---|---|
//! | `choiceInteraction`, `maxChoices="1"` | single choice | a `mapping` scaled by its best value; else the correct choice 100% |
//! | `choiceInteraction`, more choices | multiple choice | a `mapping` scaled by `upperBound` (or the positive values' sum); with `match_correct`, all or nothing (the correct choices marked 1/k); else each correct choice 1/k and any wrong one −100% |
//! | `textEntryInteraction` (string) | short answer | `mapEntry` values scaled by the best; `caseSensitive` kept (QTI's default is case-sensitive) |
//! | `textEntryInteraction` (float, integer) | numerical | exact values |
//! | `matchInteraction` | matching | `directedPair` correct responses, each weighted by its `mapping` value as a share of `upperBound` (or of the pairs' sum); unpaired targets are distractors |
//! | `orderInteraction` | ordering | the correct order, all or nothing (`match_correct`) |
//!
//! The item body becomes the stem (HTML), with a text entry replaced by `_____` as GIFT does, and
//! the interaction's prompt after it. `identifier` is the id, `title` the title.
//!
//! Left out, with a clear error naming the line: other interactions (inline choice, hotspot,
//! graphic, slider, extended text...), items with several interactions, custom response
//! processing beyond the standard templates' meaning, a source matched to several targets.

use std::collections::HashMap;
use std::fmt;

use roxmltree::{Document, Node};

use crate::model::{
    ChoiceOption, MatchPair, NumericAnswer, NumericValue, OrderingGrading, Question, QuestionKind,
    Text, TextAnswer, TextFormat,
};

/// A problem in a QTI item, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QtiError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for QtiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for QtiError {}

fn line(node: Node<'_, '_>) -> usize {
    node.document().text_pos_at(node.range().start).row as usize
}

fn error(node: Node<'_, '_>, message: impl Into<String>) -> QtiError {
    QtiError {
        line: line(node),
        message: message.into(),
    }
}

/// The QTI 2 (camelCase) name of an element, whichever version spelled it:
/// `qti-choice-interaction` → `choiceInteraction`.
fn name(node: Node<'_, '_>) -> String {
    let raw = node.tag_name().name();
    match raw.strip_prefix("qti-") {
        Some(kebab) => {
            let mut out = String::with_capacity(kebab.len());
            let mut upper = false;
            for c in kebab.chars() {
                if c == '-' {
                    upper = true;
                } else if upper {
                    out.extend(c.to_uppercase());
                    upper = false;
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => raw.to_owned(),
    }
}

/// An attribute by its QTI 2 name, or its QTI 3 kebab-case name (`maxChoices`, `max-choices`).
fn attr<'a>(node: Node<'a, '_>, camel: &str) -> Option<&'a str> {
    node.attribute(camel).or_else(|| {
        let mut kebab = String::new();
        for c in camel.chars() {
            if c.is_uppercase() {
                kebab.push('-');
                kebab.extend(c.to_lowercase());
            } else {
                kebab.push(c);
            }
        }
        node.attribute(kebab.as_str())
    })
}

fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

fn child<'a, 'i>(node: Node<'a, 'i>, wanted: &str) -> Option<Node<'a, 'i>> {
    elements(node).find(|c| name(*c) == wanted)
}

fn children_named<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    wanted: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    elements(node).filter(move |c| name(*c) == wanted)
}

/// Elements that may stand directly in an item (QTI 2.1/2.2 and their QTI 3 spellings).
const ITEM_CHILDREN: &[&str] = &[
    "responseDeclaration",
    "outcomeDeclaration",
    "templateDeclaration",
    "contextDeclaration",
    "templateProcessing",
    "stylesheet",
    "itemBody",
    "responseProcessing",
    "modalFeedback",
    "feedbackBlock",
    "companionMaterialsInfo",
    "assessmentStimulusRef",
    "catalogInfo",
];

const SUPPORTED: &[&str] = &[
    "choiceInteraction",
    "textEntryInteraction",
    "matchInteraction",
    "orderInteraction",
];

#[derive(Debug, Default)]
struct Declaration {
    cardinality: String,
    base_type: String,
    correct: Vec<String>,
    mapping: Option<Mapping>,
}

#[derive(Debug, Default)]
struct Mapping {
    default: f64,
    upper: Option<f64>,
    /// Key, value, case-sensitive.
    entries: Vec<(String, f64, bool)>,
}

impl Mapping {
    fn value(&self, key: &str) -> f64 {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map_or(self.default, |e| e.1)
    }
}

fn number(s: Option<&str>) -> Option<f64> {
    s.and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|x| x.is_finite())
}

fn declaration(node: Node<'_, '_>) -> Declaration {
    let correct = child(node, "correctResponse")
        .map(|c| {
            children_named(c, "value")
                .map(|v| plain(v))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let mapping = child(node, "mapping").map(|m| Mapping {
        default: number(attr(m, "defaultValue")).unwrap_or(0.0),
        upper: number(attr(m, "upperBound")),
        entries: children_named(m, "mapEntry")
            .filter_map(|e| {
                let key = attr(e, "mapKey")?.trim().to_owned();
                let value = number(attr(e, "mappedValue"))?;
                let sensitive = attr(e, "caseSensitive").is_none_or(|c| c.trim() != "false");
                Some((key, value, sensitive))
            })
            .collect(),
    });
    Declaration {
        cardinality: attr(node, "cardinality").unwrap_or("single").to_owned(),
        base_type: attr(node, "baseType").unwrap_or("").to_owned(),
        correct,
        mapping,
    }
}

/// The text of a node, blanks collapsed.
fn plain(node: Node<'_, '_>) -> String {
    let raw: String = node
        .descendants()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect();
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const VOID: &[&str] = &["br", "img", "hr", "col", "input", "source", "track", "wbr"];

/// Serialises the content of a node as HTML, namespaces dropped, blanks collapsed. `skip` leaves
/// out the interaction (a text entry becomes `_____`, as in GIFT's missing-word questions).
fn html(node: Node<'_, '_>, skip: Option<Node<'_, '_>>, out: &mut String) {
    for c in node.children() {
        if Some(c) == skip {
            if name(c) == "textEntryInteraction" {
                out.push_str("_____");
            }
            continue;
        }
        if c.is_text() {
            let text = c.text().unwrap_or_default();
            let mut collapsed = String::new();
            let mut space = false;
            for ch in text.chars() {
                if ch.is_whitespace() {
                    space = true;
                } else {
                    if space {
                        collapsed.push(' ');
                        space = false;
                    }
                    collapsed.push(ch);
                }
            }
            if space {
                collapsed.push(' ');
            }
            out.push_str(&escape(&collapsed));
        } else if c.is_element() {
            let tag = c.tag_name().name();
            if tag.starts_with("qti-") || name(c) == "prompt" {
                // QTI's own markup inside a body (a rubric block, a prompt): keep its content.
                html(c, skip, out);
                continue;
            }
            out.push('<');
            out.push_str(tag);
            for a in c.attributes() {
                if a.namespace().is_none() {
                    out.push_str(&format!(" {}=\"{}\"", a.name(), escape(a.value())));
                }
            }
            if VOID.contains(&tag) {
                out.push_str("/>");
            } else {
                out.push('>');
                html(c, skip, out);
                out.push_str(&format!("</{tag}>"));
            }
        }
    }
}

/// The content of an element as a text: plain when it has no markup, HTML otherwise.
fn content(node: Node<'_, '_>) -> Text {
    if node.descendants().skip(1).any(|d| d.is_element()) {
        let mut out = String::new();
        html(node, None, &mut out);
        Text::new(TextFormat::Html, tidy(&out))
    } else {
        Text::new(TextFormat::Plain, plain(node))
    }
}

/// Blanks between block elements are layout, not text.
fn tidy(s: &str) -> String {
    let mut out = s.trim().to_owned();
    while out.contains("  ") {
        out = out.replace("  ", " ");
    }
    for tag in [
        "p",
        "div",
        "blockquote",
        "ul",
        "ol",
        "li",
        "table",
        "tr",
        "td",
    ] {
        out = out
            .replace(&format!("> <{tag}"), &format!("><{tag}"))
            .replace(&format!("</{tag}> "), &format!("</{tag}>"))
            .replace(&format!("<{tag}> "), &format!("<{tag}>"))
            .replace(&format!(" </{tag}>"), &format!("</{tag}>"));
    }
    out
}

/// Reads one QTI item as a question, or every problem found.
pub fn parse(src: &str) -> Result<Vec<Question>, Vec<QtiError>> {
    let document = Document::parse(src).map_err(|e| {
        vec![QtiError {
            line: e.pos().row as usize,
            message: format!("not well-formed XML: {e}"),
        }]
    })?;
    let item = document.root_element();
    if name(item) != "assessmentItem" {
        return Err(vec![error(
            item,
            format!(
                "expected a QTI assessmentItem (2.1/2.2) or qti-assessment-item (3.0), found <{}>",
                item.tag_name().name()
            ),
        )]);
    }
    let mut errors = Vec::new();
    for c in elements(item) {
        if !ITEM_CHILDREN.contains(&name(c).as_str()) {
            errors.push(error(
                c,
                format!(
                    "<{}> is not an element of a QTI item (the item is not schema-valid)",
                    c.tag_name().name()
                ),
            ));
        }
    }
    let declarations: HashMap<String, (Declaration, Node<'_, '_>)> =
        children_named(item, "responseDeclaration")
            .filter_map(|d| Some((attr(d, "identifier")?.to_owned(), (declaration(d), d))))
            .collect();
    let Some(body) = child(item, "itemBody") else {
        errors.push(error(item, "the item has no itemBody, so nothing to ask"));
        return Err(errors);
    };
    let interactions: Vec<Node<'_, '_>> = body
        .descendants()
        .filter(|d| d.is_element() && name(*d).ends_with("Interaction"))
        .collect();
    for interaction in &interactions {
        let kind = name(*interaction);
        if !SUPPORTED.contains(&kind.as_str()) {
            errors.push(error(
                *interaction,
                format!(
                    "{kind} is not supported (supported: choice, text entry, match and order \
                     interactions)"
                ),
            ));
        }
    }
    if interactions.len() > 1 {
        errors.push(error(
            interactions[1],
            "only items with one interaction can be imported; split the item",
        ));
    }
    let Some(&interaction) = interactions.first() else {
        errors.push(error(body, "the item body has no interaction to answer"));
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let response = attr(interaction, "responseIdentifier").unwrap_or("RESPONSE");
    let Some((declaration, declared_at)) = declarations.get(response) else {
        return Err(vec![error(
            interaction,
            format!("no responseDeclaration for `{response}`"),
        )]);
    };

    let mut stem = String::new();
    html(body, Some(interaction), &mut stem);
    if let Some(prompt) = child(interaction, "prompt") {
        let mut prompt_html = String::new();
        html(prompt, None, &mut prompt_html);
        let prompt_html = tidy(&prompt_html);
        if prompt_html.starts_with('<') {
            stem.push_str(&prompt_html);
        } else {
            stem.push_str(&format!("<p>{prompt_html}</p>"));
        }
    }
    let text = Text::new(TextFormat::Html, tidy(&stem));

    let kind = match name(interaction).as_str() {
        "choiceInteraction" => choice(interaction, declaration, *declared_at, template(item)),
        "textEntryInteraction" => text_entry(declaration, *declared_at),
        "matchInteraction" => matching(interaction, declaration, *declared_at),
        _ => ordering(interaction, declaration, *declared_at),
    }
    .map_err(|e| vec![e])?;

    Ok(vec![Question {
        id: attr(item, "identifier")
            .map(str::to_owned)
            .filter(|s| !s.is_empty()),
        tags: Vec::new(),
        title: attr(item, "title")
            .map(str::to_owned)
            .filter(|s| !s.is_empty()),
        category: None,
        text,
        general_feedback: None,
        kind,
        line: line(item),
    }])
}

/// The standard response processing template the item names (`match_correct`, `map_response`,
/// ...), from the end of its URL; empty for custom processing.
fn template<'a>(item: Node<'a, '_>) -> &'a str {
    child(item, "responseProcessing")
        .and_then(|rp| attr(rp, "template"))
        .map(|url| {
            url.rsplit('/')
                .next()
                .unwrap_or(url)
                .trim_end_matches(".xml")
        })
        .unwrap_or("")
}

fn choice(
    interaction: Node<'_, '_>,
    declaration: &Declaration,
    declared_at: Node<'_, '_>,
    template: &str,
) -> Result<QuestionKind, QtiError> {
    let max_choices = attr(interaction, "maxChoices")
        .and_then(|m| m.trim().parse::<u32>().ok())
        .unwrap_or(1);
    let multiple = max_choices != 1 || declaration.cardinality == "multiple";
    // `match_correct` scores 1 for exactly the correct set and 0 otherwise.
    let all_or_nothing = multiple && declaration.mapping.is_none() && template == "match_correct";
    let choices: Vec<(String, Text)> = children_named(interaction, "simpleChoice")
        .map(|c| (attr(c, "identifier").unwrap_or("").to_owned(), content(c)))
        .collect();
    if choices.len() < 2 {
        return Err(error(interaction, "a choice interaction needs two choices"));
    }
    let values: Vec<f64> = match &declaration.mapping {
        Some(mapping) => {
            let raw: Vec<f64> = choices.iter().map(|(id, _)| mapping.value(id)).collect();
            let scale = if multiple {
                mapping
                    .upper
                    .unwrap_or_else(|| raw.iter().filter(|v| **v > 0.0).sum())
            } else {
                raw.iter().copied().fold(0.0, f64::max)
            };
            if scale <= 0.0 {
                return Err(error(
                    declared_at,
                    "the mapping gives no choice a positive score",
                ));
            }
            raw.iter().map(|v| (v / scale).clamp(-1.0, 1.0)).collect()
        }
        None => {
            let right = |id: &String| declaration.correct.contains(id);
            let k = choices.iter().filter(|(id, _)| right(id)).count();
            if k == 0 {
                return Err(error(
                    declared_at,
                    "no correctResponse names a choice of the interaction",
                ));
            }
            choices
                .iter()
                .map(|(id, _)| match (right(id), multiple) {
                    (true, false) => 1.0,
                    (false, false) => 0.0,
                    (true, true) => 1.0 / k as f64,
                    // All or nothing needs no penalty: a wrong choice already scores 0.
                    (false, true) if all_or_nothing => 0.0,
                    (false, true) => -1.0,
                })
                .collect()
        }
    };
    let options = choices
        .into_iter()
        .zip(values)
        .map(|((_, text), fraction)| ChoiceOption {
            text,
            fraction,
            feedback: None,
        })
        .collect();
    Ok(QuestionKind::Choice {
        multiple,
        options,
        all_or_nothing,
    })
}

fn text_entry(
    declaration: &Declaration,
    declared_at: Node<'_, '_>,
) -> Result<QuestionKind, QtiError> {
    let numeric = matches!(declaration.base_type.as_str(), "float" | "integer");
    let mut scored: Vec<(String, f64, bool)> = match &declaration.mapping {
        Some(mapping) => mapping.entries.clone(),
        None => declaration
            .correct
            .iter()
            .map(|v| (v.clone(), 1.0, true))
            .collect(),
    };
    scored.retain(|(key, _, _)| !key.is_empty());
    let best = scored.iter().map(|e| e.1).fold(0.0, f64::max);
    if scored.is_empty() || best <= 0.0 {
        return Err(error(
            declared_at,
            "the text entry has no correct response or positive mapping",
        ));
    }
    if numeric {
        let mut answers = Vec::new();
        for (key, value, _) in &scored {
            let Some(number) = number(Some(key)) else {
                return Err(error(declared_at, format!("`{key}` is not a number")));
            };
            answers.push(NumericAnswer {
                value: NumericValue::Exact {
                    number,
                    tolerance: 0.0,
                },
                fraction: (value / best).clamp(-1.0, 1.0),
                feedback: None,
            });
        }
        return Ok(QuestionKind::Numerical { answers });
    }
    let case_sensitive = scored.iter().all(|e| e.2);
    let answers = scored
        .into_iter()
        .map(|(key, value, _)| TextAnswer {
            // A star is Moodle's wildcard; QTI means a star.
            text: key.replace('*', "\\*"),
            fraction: (value / best).clamp(-1.0, 1.0),
            feedback: None,
        })
        .collect();
    Ok(QuestionKind::ShortAnswer {
        answers,
        case_sensitive,
        ignore_diacritics: false,
    })
}

fn matching(
    interaction: Node<'_, '_>,
    declaration: &Declaration,
    declared_at: Node<'_, '_>,
) -> Result<QuestionKind, QtiError> {
    let sets: Vec<Node<'_, '_>> = children_named(interaction, "simpleMatchSet").collect();
    let [sources, targets] = sets.as_slice() else {
        return Err(error(
            interaction,
            "a match interaction needs two simpleMatchSets",
        ));
    };
    let (sources, targets) = (associable(*sources), associable(*targets));
    let correct: Vec<(&str, &str)> = declaration
        .correct
        .iter()
        .filter_map(|pair| {
            let mut parts = pair.split_whitespace();
            Some((parts.next()?, parts.next()?))
        })
        .collect();
    let mut pairs = Vec::new();
    let mut used = Vec::new();
    for (id, node) in &sources {
        let matched: Vec<&str> = correct
            .iter()
            .filter(|(s, _)| s == id)
            .map(|(_, t)| *t)
            .collect();
        let target = match matched.as_slice() {
            [one] => *one,
            [] => {
                return Err(error(
                    *node,
                    format!("`{id}` has no correct match; every item needs one"),
                ))
            }
            _ => {
                return Err(error(
                    *node,
                    format!(
                    "`{id}` matches several targets; a matching question pairs each item with one"
                ),
                ))
            }
        };
        let Some((_, target_node)) = targets.iter().find(|(t, _)| t == target) else {
            return Err(error(declared_at, format!("unknown target `{target}`")));
        };
        used.push(target.to_owned());
        pairs.push(MatchPair {
            left: content(*node),
            right: plain(*target_node),
            weight: declaration
                .mapping
                .as_ref()
                .map(|m| m.value(&format!("{id} {target}"))),
        });
    }
    if let Some(mapping) = &declaration.mapping {
        // The pairs' mapped values as shares of the best score (`upperBound`, or their sum).
        if mapping.default < 0.0 || mapping.entries.iter().any(|e| e.1 < 0.0) {
            return Err(error(
                declared_at,
                "the mapping takes marks off for wrong pairs, which a matching question cannot \
                 do here",
            ));
        }
        let total: f64 = pairs.iter().filter_map(|p| p.weight).sum();
        let scale = mapping.upper.filter(|u| *u > 0.0).unwrap_or(total);
        if scale <= 0.0 {
            return Err(error(
                declared_at,
                "the mapping gives no correct pair a positive score",
            ));
        }
        for pair in &mut pairs {
            pair.weight = pair.weight.map(|w| (w / scale).clamp(0.0, 1.0));
        }
    }
    for (id, node) in &targets {
        if !used.contains(id) {
            pairs.push(MatchPair {
                left: Text::new(TextFormat::Plain, ""),
                right: plain(*node),
                weight: None,
            });
        }
    }
    if pairs.iter().filter(|p| !p.left.text.is_empty()).count() < 2 {
        return Err(error(
            interaction,
            "a matching question needs two items to match",
        ));
    }
    Ok(QuestionKind::Matching { pairs })
}

fn associable<'a, 'i>(set: Node<'a, 'i>) -> Vec<(String, Node<'a, 'i>)> {
    children_named(set, "simpleAssociableChoice")
        .map(|c| (attr(c, "identifier").unwrap_or("").to_owned(), c))
        .collect()
}

fn ordering(
    interaction: Node<'_, '_>,
    declaration: &Declaration,
    declared_at: Node<'_, '_>,
) -> Result<QuestionKind, QtiError> {
    let choices: Vec<(String, Text)> = children_named(interaction, "simpleChoice")
        .map(|c| (attr(c, "identifier").unwrap_or("").to_owned(), content(c)))
        .collect();
    let mut items = Vec::new();
    for id in &declaration.correct {
        match choices.iter().find(|(c, _)| c == id) {
            Some((_, text)) => items.push(text.clone()),
            None => {
                return Err(error(
                    declared_at,
                    format!("unknown choice `{id}` in the correct order"),
                ))
            }
        }
    }
    if items.len() != choices.len() || items.len() < 2 {
        return Err(error(
            declared_at,
            "the correct order must list every choice once (at least two)",
        ));
    }
    Ok(QuestionKind::Ordering {
        items,
        grading: OrderingGrading::AllOrNothing,
    })
}
