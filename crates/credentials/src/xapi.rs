//! xAPI (1.0.3) statements for the ward's learning record store, and a checker for them.
//!
//! A statement per event the platform certifies: `completed` a course, `passed` a quiz (a
//! group's final quiz). The actor is an `account` whose `homePage` is the platform's public URL
//! and whose `name` is the learner's opaque [`LearnerRef`], never the username, so an export
//! names nobody to whoever reads it without our database. The statement `id` is derived from
//! the public URL, the verb and a key the server passes (the certificate id or the attempt id),
//! so exporting twice yields the same ids and an LRS stores each event once.
//!
//! [`check_statement`] applies the xAPI 1.0.3 rules an LRS enforces on what we send (required
//! actor/verb/object, one inverse functional identifier per agent, IRIs, UUIDs, language maps,
//! score ranges, RFC 3339 timestamps, no unknown properties). It accepts the valid ADL
//! conformance templates in `tests/fixtures/xapi-statements` and refuses the `no_*` ones.

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use uuid::Uuid;

use crate::model::is_uuid;
use crate::{Error, LearnerRef, PublicUrl};

pub const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
pub const PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";
pub const COURSE: &str = "http://adlnet.gov/expapi/activities/course";
pub const ASSESSMENT: &str = "http://adlnet.gov/expapi/activities/assessment";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Completed,
    Passed,
}

impl Verb {
    pub fn iri(self) -> &'static str {
        match self {
            Verb::Completed => COMPLETED,
            Verb::Passed => PASSED,
        }
    }

    /// ADL's display name for the verb (part of the vocabulary, not page text).
    fn display(self) -> &'static str {
        match self {
            Verb::Completed => "completed",
            Verb::Passed => "passed",
        }
    }
}

/// The activity a statement is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: String,
    pub activity_type: &'static str,
    /// Vietnamese name (`vi-VN` in the language map).
    pub name: String,
}

impl Activity {
    pub fn course(base: &PublicUrl, course_id: &str, title: &str) -> Self {
        Self {
            id: base.achievement_url(&crate::AchievementRef {
                kind: crate::AchievementKind::Course,
                id: course_id.to_owned(),
                title: title.to_owned(),
            }),
            activity_type: COURSE,
            name: title.to_owned(),
        }
    }

    pub fn quiz(base: &PublicUrl, course_id: &str, quiz_id: &str, title: &str) -> Self {
        Self {
            id: base.quiz_url(course_id, quiz_id),
            activity_type: ASSESSMENT,
            name: title.to_owned(),
        }
    }
}

/// One event to export.
#[derive(Debug, Clone)]
pub struct StatementInput {
    pub verb: Verb,
    pub learner: LearnerRef,
    pub activity: Activity,
    /// Makes the statement id: the certificate id for `completed`, the attempt id for `passed`.
    pub key: String,
    /// 0–100; becomes `score.scaled` (0–1) and `score.raw` with `min` 0, `max` 100.
    pub score_percent: Option<f64>,
    /// `result.success`: true for `passed`, omitted when the event has no pass mark.
    pub success: Option<bool>,
    pub completion: bool,
    pub timestamp: OffsetDateTime,
    /// `context.platform`, e.g. the site name.
    pub platform: Option<String>,
    /// The content version (hash) the learner worked on, as a context extension.
    pub content_version: Option<String>,
}

/// Builds the statement.
pub fn statement(base: &PublicUrl, input: &StatementInput) -> Result<Value, Error> {
    let mut result = Map::new();
    if let Some(p) = input.score_percent {
        let p = p.clamp(0.0, 100.0);
        result.insert(
            "score".into(),
            json!({ "scaled": p / 100.0, "raw": p, "min": 0, "max": 100 }),
        );
    }
    if let Some(success) = input.success {
        result.insert("success".into(), json!(success));
    }
    result.insert("completion".into(), json!(input.completion));

    let mut context = Map::new();
    context.insert("language".into(), json!("vi-VN"));
    if let Some(platform) = &input.platform {
        context.insert("platform".into(), json!(platform));
    }
    if let Some(version) = &input.content_version {
        context.insert(
            "extensions".into(),
            json!({ base.xapi_extension("content-version"): version }),
        );
    }

    let timestamp = input
        .timestamp
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|_| Error::Time)?;
    Ok(json!({
        "id": statement_id(base, input.verb, &input.key),
        "actor": {
            "objectType": "Agent",
            "account": { "homePage": base.as_str(), "name": input.learner.as_str() },
        },
        "verb": { "id": input.verb.iri(), "display": { "en-US": input.verb.display() } },
        "object": {
            "objectType": "Activity",
            "id": input.activity.id,
            "definition": {
                "type": input.activity.activity_type,
                "name": { "vi-VN": input.activity.name },
            },
        },
        "result": result,
        "context": context,
        "timestamp": timestamp,
    }))
}

/// A name-based UUID (version 5, RFC 9562): stable for the same certificate and verb, so a
/// re-export does not duplicate statements in an LRS. The namespace is derived from the
/// platform's public URL (itself a version 5 UUID in the URL namespace), so two platforms never
/// mint the same id; the name is the verb's IRI and the key (a certificate id). xAPI client
/// libraries accept only versions 1-5, which is why this is not the custom version 8.
pub fn statement_id(base: &PublicUrl, verb: Verb, key: &str) -> String {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, base.as_str().as_bytes());
    Uuid::new_v5(&namespace, format!("{}\n{key}", verb.iri()).as_bytes()).to_string()
}

/// xAPI 1.0.3 (and its client libraries) take RFC 4122 UUIDs of versions 1 to 5, hyphenated.
fn is_xapi_uuid(s: &str) -> bool {
    is_uuid(s)
        && Uuid::parse_str(s).is_ok_and(|u| {
            matches!(u.get_version_num(), 1..=5) && u.get_variant() == uuid::Variant::RFC4122
        })
}

/// Checks a statement against the xAPI 1.0.3 rules an LRS applies; every problem at once, as
/// `path: problem`.
pub fn check_statement(statement: &Value) -> Result<(), Vec<String>> {
    let mut c = Checker::default();
    c.statement(statement, "statement", false);
    if c.problems.is_empty() {
        Ok(())
    } else {
        Err(c.problems)
    }
}

#[derive(Default)]
struct Checker {
    problems: Vec<String>,
}

impl Checker {
    fn fail(&mut self, at: &str, problem: &str) {
        self.problems.push(format!("{at}: {problem}"));
    }

    fn object<'a>(&mut self, v: &'a Value, at: &str) -> Option<&'a Map<String, Value>> {
        let o = v.as_object();
        if o.is_none() {
            self.fail(at, "must be an object");
        }
        o
    }

    fn only(&mut self, o: &Map<String, Value>, at: &str, allowed: &[&str]) {
        for k in o.keys() {
            if !allowed.contains(&k.as_str()) {
                self.fail(at, &format!("unknown property {k:?}"));
            }
        }
    }

    fn statement(&mut self, v: &Value, at: &str, sub: bool) {
        let Some(o) = self.object(v, at) else { return };
        let allowed: &[&str] = if sub {
            &[
                "objectType",
                "actor",
                "verb",
                "object",
                "result",
                "context",
                "timestamp",
                "attachments",
            ]
        } else {
            &[
                "id",
                "actor",
                "verb",
                "object",
                "result",
                "context",
                "timestamp",
                "stored",
                "authority",
                "version",
                "attachments",
            ]
        };
        self.only(o, at, allowed);
        if let Some(id) = o.get("id") {
            self.uuid(id, &format!("{at}.id"));
        }
        match o.get("actor") {
            Some(a) => self.agent_or_group(a, &format!("{at}.actor")),
            None => self.fail(at, "actor is required"),
        }
        let verb_id = match o.get("verb") {
            Some(verb) => self.verb(verb, &format!("{at}.verb")),
            None => {
                self.fail(at, "verb is required");
                None
            }
        };
        let object_type = match o.get("object") {
            Some(obj) => self.statement_object(obj, &format!("{at}.object"), sub),
            None => {
                self.fail(at, "object is required");
                None
            }
        };
        if verb_id.as_deref() == Some("http://adlnet.gov/expapi/verbs/voided")
            && object_type.as_deref() != Some("StatementRef")
        {
            self.fail(at, "a voiding statement's object must be a StatementRef");
        }
        if let Some(r) = o.get("result") {
            self.result(r, &format!("{at}.result"));
        }
        if let Some(ctx) = o.get("context") {
            self.context(ctx, &format!("{at}.context"), object_type.as_deref());
        }
        for key in ["timestamp", "stored"] {
            if let Some(t) = o.get(key) {
                self.timestamp(t, &format!("{at}.{key}"));
            }
        }
        if let Some(a) = o.get("authority") {
            self.agent_or_group(a, &format!("{at}.authority"));
        }
        if let Some(version) = o.get("version") {
            if !version.as_str().is_some_and(|s| s.starts_with("1.0")) {
                self.fail(&format!("{at}.version"), "must be a 1.0.x version");
            }
        }
        if let Some(att) = o.get("attachments") {
            if !att.is_array() {
                self.fail(&format!("{at}.attachments"), "must be an array");
            }
        }
    }

    fn uuid(&mut self, v: &Value, at: &str) {
        if !v.as_str().is_some_and(is_xapi_uuid) {
            self.fail(at, "must be a UUID of version 1 to 5");
        }
    }

    fn iri(&mut self, v: &Value, at: &str) {
        let ok = v.as_str().is_some_and(|s| {
            s.split_once(':').is_some_and(|(scheme, rest)| {
                !rest.is_empty()
                    && scheme
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic())
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            }) && !s.chars().any(char::is_whitespace)
        });
        if !ok {
            self.fail(at, "must be an absolute IRI");
        }
    }

    fn string(&mut self, v: &Value, at: &str) {
        if !v.is_string() {
            self.fail(at, "must be a string");
        }
    }

    fn language_map(&mut self, v: &Value, at: &str) {
        let Some(o) = self.object(v, at) else { return };
        for (tag, text) in o {
            let tag_ok = !tag.is_empty()
                && tag.split('-').all(|p| {
                    !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if !tag_ok {
                self.fail(at, &format!("{tag:?} is not a language tag"));
            }
            if !text.is_string() {
                self.fail(&format!("{at}.{tag}"), "must be a string");
            }
        }
    }

    fn extensions(&mut self, v: &Value, at: &str) {
        let Some(o) = self.object(v, at) else { return };
        for key in o.keys() {
            self.iri(&Value::String(key.clone()), &format!("{at}[{key:?}]"));
        }
    }

    fn agent_or_group(&mut self, v: &Value, at: &str) {
        let Some(o) = self.object(v, at) else { return };
        match o.get("objectType").and_then(Value::as_str) {
            None | Some("Agent") => self.agent(o, at),
            Some("Group") => {
                self.only(
                    o,
                    at,
                    &[
                        "objectType",
                        "name",
                        "member",
                        "mbox",
                        "mbox_sha1sum",
                        "openid",
                        "account",
                    ],
                );
                let ifis = self.ifis(o, at);
                match o.get("member") {
                    Some(Value::Array(members)) => {
                        for (i, m) in members.iter().enumerate() {
                            let m_at = format!("{at}.member[{i}]");
                            if let Some(mo) = self.object(m, &m_at) {
                                if mo.get("objectType").is_some_and(|t| t != "Agent") {
                                    self.fail(&m_at, "a group member must be an Agent");
                                }
                                self.agent(mo, &m_at);
                            }
                        }
                    }
                    Some(_) => self.fail(at, "member must be an array"),
                    None if ifis == 0 => self.fail(at, "an anonymous group needs members"),
                    None => {}
                }
                if ifis > 1 {
                    self.fail(at, "has more than one inverse functional identifier");
                }
            }
            Some(other) => self.fail(at, &format!("objectType {other:?} is not Agent or Group")),
        }
    }

    fn agent(&mut self, o: &Map<String, Value>, at: &str) {
        self.only(
            o,
            at,
            &[
                "objectType",
                "name",
                "mbox",
                "mbox_sha1sum",
                "openid",
                "account",
            ],
        );
        if self.ifis(o, at) != 1 {
            self.fail(
                at,
                "an agent needs exactly one of mbox, mbox_sha1sum, openid, account",
            );
        }
        if let Some(name) = o.get("name") {
            self.string(name, &format!("{at}.name"));
        }
    }

    /// Checks the inverse functional identifiers present and returns how many there are.
    fn ifis(&mut self, o: &Map<String, Value>, at: &str) -> usize {
        let mut n = 0;
        if let Some(m) = o.get("mbox") {
            n += 1;
            if !m
                .as_str()
                .is_some_and(|s| s.starts_with("mailto:") && s.len() > 7)
            {
                self.fail(&format!("{at}.mbox"), "must be a mailto: IRI");
            }
        }
        if let Some(m) = o.get("mbox_sha1sum") {
            n += 1;
            if !m
                .as_str()
                .is_some_and(|s| s.len() == 40 && s.chars().all(|c| c.is_ascii_hexdigit()))
            {
                self.fail(&format!("{at}.mbox_sha1sum"), "must be 40 hex digits");
            }
        }
        if let Some(openid) = o.get("openid") {
            n += 1;
            self.iri(openid, &format!("{at}.openid"));
        }
        if let Some(account) = o.get("account") {
            n += 1;
            let a_at = format!("{at}.account");
            if let Some(a) = self.object(account, &a_at) {
                self.only(a, &a_at, &["homePage", "name"]);
                match a.get("homePage") {
                    Some(h) => self.iri(h, &format!("{a_at}.homePage")),
                    None => self.fail(&a_at, "homePage is required"),
                }
                match a.get("name") {
                    Some(name) => self.string(name, &format!("{a_at}.name")),
                    None => self.fail(&a_at, "name is required"),
                }
            }
        }
        n
    }

    fn verb(&mut self, v: &Value, at: &str) -> Option<String> {
        let o = self.object(v, at)?;
        self.only(o, at, &["id", "display"]);
        if let Some(display) = o.get("display") {
            self.language_map(display, &format!("{at}.display"));
        }
        match o.get("id") {
            Some(id) => {
                self.iri(id, &format!("{at}.id"));
                id.as_str().map(str::to_owned)
            }
            None => {
                self.fail(at, "id is required");
                None
            }
        }
    }

    /// Checks the statement's object and returns its objectType.
    fn statement_object(&mut self, v: &Value, at: &str, in_sub: bool) -> Option<String> {
        let o = self.object(v, at)?;
        let object_type = o
            .get("objectType")
            .and_then(Value::as_str)
            .unwrap_or("Activity")
            .to_owned();
        match object_type.as_str() {
            "Activity" => self.activity(o, at),
            "Agent" | "Group" => self.agent_or_group(v, at),
            "StatementRef" => {
                self.only(o, at, &["objectType", "id"]);
                match o.get("id") {
                    Some(id) => self.uuid(id, &format!("{at}.id")),
                    None => self.fail(at, "id is required"),
                }
            }
            "SubStatement" if !in_sub => self.statement(v, at, true),
            "SubStatement" => self.fail(at, "a SubStatement cannot contain a SubStatement"),
            other => self.fail(at, &format!("unknown objectType {other:?}")),
        }
        Some(object_type)
    }

    fn activity(&mut self, o: &Map<String, Value>, at: &str) {
        self.only(o, at, &["objectType", "id", "definition"]);
        match o.get("id") {
            Some(id) => self.iri(id, &format!("{at}.id")),
            None => self.fail(at, "id is required"),
        }
        let Some(def) = o.get("definition") else {
            return;
        };
        let d_at = format!("{at}.definition");
        let Some(d) = self.object(def, &d_at) else {
            return;
        };
        self.only(
            d,
            &d_at,
            &[
                "name",
                "description",
                "type",
                "moreInfo",
                "extensions",
                "interactionType",
                "correctResponsesPattern",
                "choices",
                "scale",
                "source",
                "target",
                "steps",
            ],
        );
        for key in ["name", "description"] {
            if let Some(m) = d.get(key) {
                self.language_map(m, &format!("{d_at}.{key}"));
            }
        }
        for key in ["type", "moreInfo"] {
            if let Some(iri) = d.get(key) {
                self.iri(iri, &format!("{d_at}.{key}"));
            }
        }
        if let Some(e) = d.get("extensions") {
            self.extensions(e, &format!("{d_at}.extensions"));
        }
        if let Some(t) = d.get("interactionType") {
            const TYPES: &[&str] = &[
                "true-false",
                "choice",
                "fill-in",
                "long-fill-in",
                "matching",
                "performance",
                "sequencing",
                "likert",
                "numeric",
                "other",
            ];
            if !t.as_str().is_some_and(|t| TYPES.contains(&t)) {
                self.fail(
                    &format!("{d_at}.interactionType"),
                    "unknown interaction type",
                );
            }
        }
        if let Some(p) = d.get("correctResponsesPattern") {
            if !p.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                self.fail(
                    &format!("{d_at}.correctResponsesPattern"),
                    "must be an array of strings",
                );
            }
        }
    }

    fn result(&mut self, v: &Value, at: &str) {
        let Some(o) = self.object(v, at) else { return };
        self.only(
            o,
            at,
            &[
                "score",
                "success",
                "completion",
                "response",
                "duration",
                "extensions",
            ],
        );
        if let Some(score) = o.get("score") {
            let s_at = format!("{at}.score");
            if let Some(s) = self.object(score, &s_at) {
                self.only(s, &s_at, &["scaled", "raw", "min", "max"]);
                let num = |k: &str| s.get(k).map(Value::as_f64);
                for k in ["scaled", "raw", "min", "max"] {
                    if num(k) == Some(None) {
                        self.fail(&format!("{s_at}.{k}"), "must be a number");
                    }
                }
                if let Some(Some(scaled)) = num("scaled") {
                    if !(-1.0..=1.0).contains(&scaled) {
                        self.fail(&format!("{s_at}.scaled"), "must be between -1 and 1");
                    }
                }
                let (min, max, raw) = (
                    num("min").flatten(),
                    num("max").flatten(),
                    num("raw").flatten(),
                );
                if let (Some(min), Some(max)) = (min, max) {
                    if min >= max {
                        self.fail(&s_at, "min must be below max");
                    }
                }
                if let Some(raw) = raw {
                    if min.is_some_and(|m| raw < m) || max.is_some_and(|m| raw > m) {
                        self.fail(&format!("{s_at}.raw"), "must be between min and max");
                    }
                }
            }
        }
        for k in ["success", "completion"] {
            if o.get(k).is_some_and(|b| !b.is_boolean()) {
                self.fail(&format!("{at}.{k}"), "must be true or false");
            }
        }
        if let Some(r) = o.get("response") {
            self.string(r, &format!("{at}.response"));
        }
        if let Some(d) = o.get("duration") {
            let ok = d.as_str().is_some_and(|s| {
                s.len() > 1
                    && s.starts_with('P')
                    && s[1..]
                        .chars()
                        .all(|c| c.is_ascii_digit() || "YMWDTHS.".contains(c))
            });
            if !ok {
                self.fail(&format!("{at}.duration"), "must be an ISO 8601 duration");
            }
        }
        if let Some(e) = o.get("extensions") {
            self.extensions(e, &format!("{at}.extensions"));
        }
    }

    fn context(&mut self, v: &Value, at: &str, object_type: Option<&str>) {
        let Some(o) = self.object(v, at) else { return };
        self.only(
            o,
            at,
            &[
                "registration",
                "instructor",
                "team",
                "contextActivities",
                "revision",
                "platform",
                "language",
                "statement",
                "extensions",
            ],
        );
        if let Some(r) = o.get("registration") {
            self.uuid(r, &format!("{at}.registration"));
        }
        if let Some(i) = o.get("instructor") {
            self.agent_or_group(i, &format!("{at}.instructor"));
        }
        if let Some(t) = o.get("team") {
            if t.get("objectType").and_then(Value::as_str) != Some("Group") {
                self.fail(&format!("{at}.team"), "must be a Group");
            }
            self.agent_or_group(t, &format!("{at}.team"));
        }
        for k in ["revision", "platform"] {
            if let Some(s) = o.get(k) {
                self.string(s, &format!("{at}.{k}"));
                if object_type.is_some_and(|t| t != "Activity") {
                    self.fail(
                        &format!("{at}.{k}"),
                        "only allowed when the object is an Activity",
                    );
                }
            }
        }
        if let Some(l) = o.get("language") {
            self.string(l, &format!("{at}.language"));
        }
        if let Some(s) = o.get("statement") {
            self.statement_object(s, &format!("{at}.statement"), true);
            if s.get("objectType").and_then(Value::as_str) != Some("StatementRef") {
                self.fail(&format!("{at}.statement"), "must be a StatementRef");
            }
        }
        if let Some(ca) = o.get("contextActivities") {
            let ca_at = format!("{at}.contextActivities");
            if let Some(map) = self.object(ca, &ca_at) {
                self.only(map, &ca_at, &["parent", "grouping", "category", "other"]);
                for (k, acts) in map {
                    let list: Vec<&Value> = match acts {
                        Value::Array(a) => a.iter().collect(),
                        one => vec![one],
                    };
                    for (i, act) in list.into_iter().enumerate() {
                        let a_at = format!("{ca_at}.{k}[{i}]");
                        if let Some(ao) = self.object(act, &a_at) {
                            if ao.get("objectType").is_some_and(|t| t != "Activity") {
                                self.fail(&a_at, "must be an Activity");
                            }
                            self.activity(ao, &a_at);
                        }
                    }
                }
            }
        }
        if let Some(e) = o.get("extensions") {
            self.extensions(e, &format!("{at}.extensions"));
        }
    }

    fn timestamp(&mut self, v: &Value, at: &str) {
        let parsed = v.as_str().map(|s| OffsetDateTime::parse(s, &Rfc3339));
        if !matches!(parsed, Some(Ok(_))) {
            self.fail(at, "must be an RFC 3339 timestamp with a time zone");
        }
    }
}
