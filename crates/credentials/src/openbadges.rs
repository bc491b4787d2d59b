//! The Open Badges 3.0 credential for a completed course or a passed path.
//!
//! The shape follows 1EdTech's `ob_v3p0_achievementcredential_schema.json` (JSON Schema
//! 2019-09), which the tests check it against:
//!
//! * `@context`: W3C VC 2.0, then OB 3.0.3. `type`: `VerifiableCredential` and
//!   `OpenBadgeCredential` (the spec's name for the `AchievementCredential` class, the one
//!   wallets look for).
//! * `issuer`: a `Profile` whose `id` is [`PublicUrl::issuer_id`] and `name` the configured
//!   issuing unit.
//! * `validFrom`: when this credential was signed; `awardedDate`: when the learner completed.
//!   Re-issuing after a key is retired keeps `id` and `awardedDate` and moves `validFrom`, which
//!   is how OB 3.0 marks the newer version of the same credential.
//! * `credentialSubject.id`: `urn:uuid:<learner ref>`, an opaque id, never the username. The
//!   learner's name is only there as a salted SHA-256 `IdentityObject` (`identityType: name`,
//!   salt = the certificate id): whoever knows the name on the printed certificate can check the
//!   credential is that person's, and nobody can read the name out of it.
//! * `achievement`: the course (`achievementType: Course`) or path (`LearningProgram`), with the
//!   Vietnamese name, description and criteria narrative, `inLanguage: vi`, the content version,
//!   and one `Alignment` per competence (`targetType: ceasn:Competency`, `targetCode` = the
//!   framework code) plus one for the level (`targetType: ext:ProficiencyLevel`, `targetCode` =
//!   the level number). The issue asks for the level as an alignment; the schema also allows a
//!   `ResultDescription`, which needs a result per learner and says nothing more here.
//! * `credentialStatus`: a W3C Bitstring Status List entry ([`crate::status_list`]), so a
//!   verifier who follows it sees a revocation without asking about this one credential.
//! * no `proof`: the VC-JWT around the credential is the proof ([`crate::vc_jwt`]). A
//!   `credentialSchema` entry names the schema, as the spec's examples do.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use unicode_normalization::UnicodeNormalization;

use crate::status_list::{self, StatusIndex};
use crate::{
    AchievementKind, AchievementRef, CertificateId, Competence, Error, LearnerRef, Level, PublicUrl,
};

pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
pub const OB_SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

/// Everything a credential says, filled by the server from the completion record, the content
/// and the settings. Texts are Vietnamese and come from content files or translations.
#[derive(Debug, Clone)]
pub struct CredentialRequest {
    pub certificate_id: CertificateId,
    /// The issuing unit (configured), e.g. `UBND phường Bến Thành`.
    pub issuer_name: String,
    pub learner: LearnerRef,
    /// The learner's display name: only its salted hash goes into the credential.
    pub learner_name: String,
    pub achievement: AchievementRef,
    /// The course summary or the group's description.
    pub description: String,
    /// What had to be done, e.g. `Hoàn thành mọi bài học và bài kiểm tra của khóa học.`
    pub criteria: String,
    /// The framework's title, each alignment's `targetFramework`.
    pub framework: String,
    pub competences: Vec<Competence>,
    pub level: Option<Level>,
    /// The content version (hash) the learner completed.
    pub content_version: Option<String>,
    /// When the learner completed (the completion record's time).
    pub awarded_at: OffsetDateTime,
    /// When this credential is signed: `validFrom` and the JWT's `nbf`.
    pub issued_at: OffsetDateTime,
    /// Its bit in the revocation status lists (`credentialStatus`); None only for documents
    /// that are never served as evidence (tests, benchmarks).
    pub status: Option<StatusIndex>,
    /// What the learner did that shows the achievement, beyond the criteria: the practice tasks
    /// passed (`evidence`, one `Evidence` object each). Empty: no `evidence` property.
    pub evidence: Vec<EvidenceItem>,
}

/// One piece of evidence: a practice task the learner passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceItem {
    /// The task's title.
    pub name: String,
    /// What was done, in Vietnamese, e.g. `Thực hành trên màn hình mô phỏng: …`.
    pub narrative: String,
}

/// The `AchievementCredential` JSON (unsigned).
pub fn achievement_credential(base: &PublicUrl, req: &CredentialRequest) -> Result<Value, Error> {
    let achievement_id = base.achievement_url(&req.achievement);
    let mut alignment: Vec<Value> = req
        .competences
        .iter()
        .map(|c| {
            json!({
                "type": ["Alignment"],
                "targetName": c.title,
                "targetCode": c.code,
                "targetFramework": req.framework,
                "targetType": "ceasn:Competency",
                "targetUrl": base.competence_url(&c.code),
            })
        })
        .collect();
    if let Some(level) = &req.level {
        alignment.push(json!({
            "type": ["Alignment"],
            "targetName": level.name,
            "targetCode": level.number.to_string(),
            "targetFramework": req.framework,
            "targetType": "ext:ProficiencyLevel",
            "targetUrl": base.level_url(level.number),
        }));
    }
    let mut achievement = json!({
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": match req.achievement.kind {
            AchievementKind::Course => "Course",
            AchievementKind::Path => "LearningProgram",
        },
        "name": req.achievement.title,
        "description": req.description,
        "criteria": { "narrative": req.criteria },
        "inLanguage": "vi",
        "alignment": alignment,
    });
    if let (Some(version), Some(map)) = (&req.content_version, achievement.as_object_mut()) {
        map.insert("version".into(), json!(version));
    }
    let salt = req.certificate_id.as_str();
    let mut credential = json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": base.verify_url(&req.certificate_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": req.achievement.title,
        "description": req.description,
        "issuer": issuer_profile(base, &req.issuer_name),
        "validFrom": rfc3339_seconds(req.issued_at)?,
        "awardedDate": rfc3339_seconds(req.awarded_at)?,
        "credentialSubject": {
            "id": req.learner.subject_id(),
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": true,
                "identityHash": name_identity_hash(&req.learner_name, salt),
                "salt": salt,
            }],
            "achievement": achievement,
        },
        "credentialSchema": [{ "id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019" }],
    });
    if let (Some(index), Some(map)) = (req.status, credential.as_object_mut()) {
        map.insert("credentialStatus".into(), status_list::entry(base, index));
    }
    if let (false, Some(map)) = (req.evidence.is_empty(), credential.as_object_mut()) {
        let evidence: Vec<Value> = req
            .evidence
            .iter()
            .map(|e| json!({ "type": ["Evidence"], "name": e.name, "narrative": e.narrative }))
            .collect();
        map.insert("evidence".into(), Value::Array(evidence));
    }
    Ok(credential)
}

/// The issuer `Profile`, embedded in every credential and served at [`PublicUrl::issuer_id`].
pub fn issuer_profile(base: &PublicUrl, issuer_name: &str) -> Value {
    json!({
        "id": base.issuer_id(),
        "type": ["Profile"],
        "name": issuer_name,
        "url": base.as_str(),
    })
}

/// OB 3.0's `IdentityHash` of a name: `sha256$` + hex SHA-256 of the NFC, trimmed name followed
/// by the salt. A verifier who knows the name recomputes it.
pub fn name_identity_hash(name: &str, salt: &str) -> String {
    let name: String = name.trim().nfc().collect();
    let digest = Sha256::digest(format!("{name}{salt}").as_bytes());
    format!("sha256${}", hex::encode(digest))
}

/// RFC 3339 in UTC at whole seconds: the precision of the JWT's `nbf`, which must equal it.
pub(crate) fn rfc3339_seconds(t: OffsetDateTime) -> Result<String, Error> {
    let t = t
        .to_offset(UtcOffset::UTC)
        .replace_nanosecond(0)
        .map_err(|_| Error::Time)?;
    t.format(&Rfc3339).map_err(|_| Error::Time)
}
