//! Development data: a ward (15 tổ dân phố, agencies, schools, enterprises, a cooperative)
//! with learners, households, mentors, community classes and learning progress along the
//! groups' paths, and for every completion a signed credential and its ledger entry (when given
//! the issuer). Deterministic for a given seed and day (credentials: and the same signing key). Bulk inserts, a batch of learners per
//! transaction, so a million learners takes minutes. Used by `hocvuso dev seed`, the dashboard
//! benchmark and a story that checks the dashboard against counts taken from the base tables.

use std::collections::BTreeSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::Value;
use time::{Duration, OffsetDateTime};

use hocvuso_course::{Catalog, Course};
use hocvuso_credentials::ledger::{self, Entry, Issue, Record};
use hocvuso_credentials::{vc_jwt, AchievementKind, CertificateId, KeyRing, LearnerRef};
use hocvuso_store::aggregates::week_of;
use hocvuso_store::{NewUnit, NewUser, Store, StoreError};

use crate::issuer::Issuer;

/// The password of every seeded account (development data only).
pub const DEV_PASSWORD: &str = "mat-khau-dai";

const FAMILY: [&str; 14] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ",
    "Ngô", "Đinh",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thanh", "Đức", "Thu"];
const GIVEN: [&str; 16] = [
    "An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc",
    "Quang", "Tâm", "Yến",
];

struct Ward {
    ward: i64,
    neighbourhoods: Vec<i64>,
    agencies: Vec<i64>,
    schools: Vec<i64>,
    workplaces: Vec<i64>,
}

async fn units(store: &Store, at: OffsetDateTime) -> Result<Ward, StoreError> {
    let mk = |parent: Option<i64>, code: &str, name: &str, kind: &str| NewUnit {
        parent_id: parent,
        code: code.to_owned(),
        name: name.to_owned(),
        kind: kind.to_owned(),
    };
    let province = store
        .create_unit(mk(None, "gia-lai", "Tỉnh Gia Lai", "province"), at)
        .await?;
    let ward = store
        .create_unit(
            mk(
                Some(province.id),
                "hoai-nhon-tay",
                "Phường Hoài Nhơn Tây",
                "ward",
            ),
            at,
        )
        .await?
        .id;
    let mut w = Ward {
        ward,
        neighbourhoods: Vec::new(),
        agencies: Vec::new(),
        schools: Vec::new(),
        workplaces: Vec::new(),
    };
    for i in 1..=15 {
        let u = store
            .create_unit(
                mk(
                    Some(ward),
                    &format!("tdp-{i}"),
                    &format!("Tổ dân phố {i}"),
                    "neighbourhood",
                ),
                at,
            )
            .await?;
        w.neighbourhoods.push(u.id);
    }
    for (code, name) in [
        ("ubnd", "UBND phường Hoài Nhơn Tây"),
        ("cong-an", "Công an phường"),
        ("ttpvhcc", "Trung tâm Phục vụ hành chính công phường"),
    ] {
        w.agencies.push(
            store
                .create_unit(mk(Some(ward), code, name, "agency"), at)
                .await?
                .id,
        );
    }
    for (code, name) in [
        ("th-hoai-nhon-tay", "Trường Tiểu học Hoài Nhơn Tây"),
        ("thcs-hoai-nhon-tay", "Trường THCS Hoài Nhơn Tây"),
        ("thpt-hoai-nhon-tay", "Trường THPT Hoài Nhơn Tây"),
    ] {
        w.schools.push(
            store
                .create_unit(mk(Some(ward), code, name, "school"), at)
                .await?
                .id,
        );
    }
    for (code, name, kind) in [
        ("dn-may-hoai-nhon", "Công ty May Hoài Nhơn", "enterprise"),
        ("dn-go-tay-son", "Công ty Chế biến gỗ Tây Sơn", "enterprise"),
        ("dn-thuy-san", "Công ty Thủy sản Hoài Nhơn", "enterprise"),
        (
            "htx-nong-nghiep",
            "Hợp tác xã Nông nghiệp Hoài Nhơn Tây",
            "cooperative",
        ),
    ] {
        w.workplaces.push(
            store
                .create_unit(mk(Some(ward), code, name, kind), at)
                .await?
                .id,
        );
    }
    Ok(w)
}

async fn staff(store: &Store, hash: &str, w: &Ward, at: OffsetDateTime) -> Result<(), StoreError> {
    for (username, name, roles) in [
        ("quan.tri", "Quản trị phường", vec!["admin", "learner"]),
        ("can.bo.phuong", "Cán bộ Văn hóa - Xã hội", vec!["learner"]),
        ("to.truong.1", "Tổ trưởng tổ dân phố 1", vec!["learner"]),
        (
            "giang.vien",
            "Giảng viên lớp cộng đồng",
            vec!["instructor", "learner"],
        ),
    ] {
        let u = store
            .create_user(
                NewUser {
                    username: username.into(),
                    display_name: name.into(),
                    password_hash: hash.into(),
                    group: None,
                    birth_year: None,
                    roles: roles.into_iter().map(str::to_owned).collect(),
                    created_at: at,
                },
                Vec::new(),
            )
            .await?;
        match username {
            "can.bo.phuong" => store.add_manager(u.id, w.ward).await?,
            "to.truong.1" => store.add_manager(u.id, w.neighbourhoods[0]).await?,
            _ => {}
        }
    }
    Ok(())
}

/// Rows of one batch of learners, per table.
#[derive(Default)]
struct Batch {
    users: Vec<Vec<Value>>,
    roles: Vec<Vec<Value>>,
    status: Vec<Vec<Value>>,
    members: Vec<Vec<Value>>,
    households: Vec<Vec<Value>>,
    household_members: Vec<Vec<Value>>,
    mentors: Vec<Vec<Value>>,
    lessons: Vec<Vec<Value>>,
    completions: Vec<Vec<Value>>,
    ledger: Vec<Vec<Value>>,
}

/// Signs seeded completions the way the server does (`app::evidence::course_request`, the
/// active key) and chains their ledger entries after the ledger's head, so a seeded database
/// verifies with `hocvuso ledger verify` and its credentials with any JOSE library.
pub struct Signer<'a> {
    issuer: &'a Issuer,
    ring: std::sync::Arc<KeyRing>,
    head: Option<Record>,
    /// Status indexes: the allocator's next one at the start, and the next this seed gives.
    /// Seeding writes to an empty database alone, so it numbers its credentials itself and
    /// reserves what it used at the end ([`Signer::reserve_used`]).
    first_status: u64,
    next_status: u64,
}

impl<'a> Signer<'a> {
    pub async fn new(store: &Store, issuer: &'a Issuer) -> Result<Signer<'a>, StoreError> {
        let first_status = store.next_status_index().await?;
        Ok(Self {
            issuer,
            ring: issuer.ring(),
            head: store.ledger_head().await?,
            first_status,
            next_status: first_status,
        })
    }

    /// Reserves the status indexes the seeded credentials took; a conflict if another process
    /// reserved indexes meanwhile (their credentials would share bits with ours).
    pub async fn reserve_used(&self, store: &Store, at: OffsetDateTime) -> Result<(), StoreError> {
        let used = self.next_status - self.first_status;
        if used == 0 {
            return Ok(());
        }
        if store.reserve_status_indexes(used, at).await? != self.first_status {
            return Err(StoreError::Conflict("status_index"));
        }
        Ok(())
    }

    /// The credential (compact JWT and key id) and the ledger row of one completion.
    #[allow(clippy::too_many_arguments)]
    fn sign(
        &mut self,
        catalog: &Catalog,
        certificate_id: &CertificateId,
        user_id: i64,
        learner: &LearnerRef,
        learner_name: &str,
        course: &Course,
        at: OffsetDateTime,
        score: f64,
    ) -> Result<((String, String), Vec<Value>), StoreError> {
        let mut req = crate::app::evidence::request(
            catalog,
            &self.issuer.name,
            learner_name,
            learner.clone(),
            crate::app::evidence::Achievement::Course(course),
            certificate_id.clone(),
            &course.version,
            at,
            at,
            Vec::new(),
        );
        req.status = Some(
            hocvuso_credentials::status_list::StatusIndex::from_global(self.next_status)
                .ok_or_else(|| StoreError::Corrupt("status index beyond the last list".into()))?,
        );
        self.next_status += 1;
        let issued = vc_jwt::issue(&self.ring, &self.issuer.base, &req)
            .map_err(|e| StoreError::Corrupt(format!("cannot sign a seeded credential: {e}")))?;
        let record = ledger::append(
            self.head.as_ref(),
            Entry::Issue(Issue {
                certificate_id: certificate_id.to_string(),
                user_id,
                kind: AchievementKind::Course,
                achievement_id: course.id.clone(),
                content_version: course.version.clone(),
                completed_at: at,
                score_percent: Some(score),
            }),
        );
        let row: Vec<Value> = vec![
            (record.seq as i64).into(),
            record.prev_hash.clone().into(),
            record.hash.clone().into(),
            "issue".into(),
            certificate_id.to_string().into(),
            Some(user_id).into(),
            Some("course".to_owned()).into(),
            Some(course.id.clone()).into(),
            Some(course.version.clone()).into(),
            Some(score).into(),
            at.into(),
        ];
        self.head = Some(record);
        Ok(((issued.jwt, issued.kid), row))
    }
}

/// Per tổ dân phố: the household being filled and the mentor taking mentees.
#[derive(Default, Clone)]
struct Street {
    household: Option<(i64, u32, u32)>,
    mentor: Option<(i64, u32, u32)>,
    sample: Vec<i64>,
}

#[allow(clippy::too_many_arguments)]
fn learner(
    rng: &mut StdRng,
    catalog: &Catalog,
    ward: &Ward,
    streets: &mut [Street],
    b: &mut Batch,
    hash: &str,
    today: OffsetDateTime,
    id: i64,
    next_household: &mut i64,
    mut signer: Option<&mut Signer<'_>>,
) -> Result<(), StoreError> {
    let wanted = match rng.gen_range(0..100) {
        0..=69 => "citizen",
        70..=81 => "student",
        82..=84 => "civil-servant",
        _ => "worker",
    };
    // Content without that group (a test's small fixture) gets its first group instead.
    let group = match catalog.group(wanted) {
        Some(_) => wanted,
        None => catalog
            .groups
            .first()
            .map(|g| g.id.as_str())
            .unwrap_or(wanted),
    };
    let name = format!(
        "{} {} {}",
        FAMILY[rng.gen_range(0..FAMILY.len())],
        MIDDLE[rng.gen_range(0..MIDDLE.len())],
        GIVEN[rng.gen_range(0..GIVEN.len())]
    );
    let birth_year: i32 = match group {
        "student" => rng.gen_range(2006..=2014),
        _ => rng.gen_range(1945..=2005),
    };
    let created = today - Duration::days(rng.gen_range(90..200));
    let user_row = b.users.len();
    b.users.push(vec![
        id.into(),
        format!("hv{id}").into(),
        format!("hv{id}").into(),
        name.clone().into(),
        hash.into(),
        Some(group.to_owned()).into(),
        Some(birth_year).into(),
        created.into(),
        // The opaque reference credentials name; set below with the first credential.
        Option::<String>::None.into(),
        hocvuso_store::fold_name(&name).into(),
    ]);
    b.roles.push(vec![id.into(), "learner".into()]);
    // Everyone lives in a tổ dân phố; students, civil servants and workers also belong to
    // their school, agency or workplace.
    let street = rng.gen_range(0..ward.neighbourhoods.len());
    b.members
        .push(vec![id.into(), ward.neighbourhoods[street].into()]);
    let second = match group {
        "student" => Some(ward.schools[rng.gen_range(0..ward.schools.len())]),
        "civil-servant" => Some(ward.agencies[rng.gen_range(0..ward.agencies.len())]),
        "worker" => Some(ward.workplaces[rng.gen_range(0..ward.workplaces.len())]),
        _ => None,
    };
    if let Some(u) = second {
        b.members.push(vec![id.into(), u.into()]);
    }
    let s = &mut streets[street];
    if s.sample.len() < 30 {
        s.sample.push(id);
    }
    // Households of 1–5 people in the same tổ.
    let household = match s.household {
        Some((h, filled, size)) if filled < size => {
            s.household = Some((h, filled + 1, size));
            h
        }
        _ => {
            let h = *next_household;
            *next_household += 1;
            b.households.push(vec![
                h.into(),
                ward.neighbourhoods[street].into(),
                format!("ho-{h}").into(),
                format!("Hộ {}", FAMILY[rng.gen_range(0..FAMILY.len())]).into(),
                created.into(),
            ]);
            s.household = Some((h, 1, rng.gen_range(1..=5)));
            h
        }
    };
    b.household_members.push(vec![id.into(), household.into()]);
    // One citizen in 20 is a mentor, with 5–8 neighbours of the same tổ.
    if group == "citizen" && rng.gen_range(0..20) == 0 {
        b.roles.push(vec![id.into(), "mentor".into()]);
        s.mentor = Some((id, 0, rng.gen_range(5..=8)));
    } else if let Some((m, taken, cap)) = s.mentor {
        if taken < cap {
            b.mentors
                .push(vec![id.into(), m.into(), "assisted".into(), created.into()]);
            s.mentor = Some((m, taken + 1, cap));
        }
    }
    // Progress along the group's path: one in ten finished it; the others are somewhere on
    // the way, some not started.
    let Some(g) = catalog.group(group) else {
        b.status.push(vec![
            id.into(),
            Some(group.to_owned()).into(),
            Option::<OffsetDateTime>::None.into(),
            Option::<i32>::None.into(),
            Option::<OffsetDateTime>::None.into(),
            Option::<i32>::None.into(),
            Option::<OffsetDateTime>::None.into(),
        ]);
        return Ok(());
    };
    let path: Vec<&hocvuso_course::Course> =
        g.path.iter().filter_map(|c| catalog.course(c)).collect();
    let courses_done = if rng.gen_range(0..10) == 0 {
        path.len()
    } else {
        [0, 0, 1, 2][rng.gen_range(0..4)].min(path.len())
    };
    let mut t = created + Duration::days(rng.gen_range(1..60));
    let mut completed: BTreeSet<String> = BTreeSet::new();
    let mut learner_ref: Option<LearnerRef> = None;
    let mut last = t;
    for (i, course) in path.iter().enumerate() {
        let lessons = if i < courses_done {
            course.lessons.len()
        } else if i == courses_done {
            rng.gen_range(0..=course.lessons.len().saturating_sub(1).min(3))
        } else {
            0
        };
        for l in course.lessons.iter().take(lessons) {
            t += Duration::minutes(rng.gen_range(10..2_000));
            let at = t.min(today);
            b.lessons.push(vec![
                id.into(),
                course.id.clone().into(),
                l.id.clone().into(),
                course.version.clone().into(),
                at.into(),
            ]);
        }
        if i < courses_done {
            let at = t.min(today);
            let certificate_id = CertificateId::generate(rng);
            let score = rng.gen_range(70.0_f64..100.0).round();
            let (kid, credential) = match signer.as_deref_mut() {
                Some(signer) => {
                    let learner = learner_ref.get_or_insert_with(|| LearnerRef::generate(rng));
                    let ((jwt, kid), ledger_row) = signer.sign(
                        catalog,
                        &certificate_id,
                        id,
                        learner,
                        &name,
                        course,
                        at,
                        score,
                    )?;
                    b.ledger.push(ledger_row);
                    (Some(kid), Some(jwt))
                }
                None => (None, None),
            };
            b.completions.push(vec![
                certificate_id.to_string().into(),
                id.into(),
                course.id.clone().into(),
                course.version.clone().into(),
                at.into(),
                Some(score).into(),
                kid.into(),
                credential.into(),
            ]);
            completed.insert(course.id.clone());
            last = at;
        }
    }
    if let Some(r) = learner_ref {
        b.users[user_row][8] = Some(r.as_str().to_owned()).into();
    }
    let path_done = g.path_completed(&completed);
    let certified = g.certifying_course().is_some_and(|c| completed.contains(c));
    let when = |yes: bool| -> (Value, Value) {
        if yes {
            (Some(last).into(), Some(week_of(last)).into())
        } else {
            (
                Option::<OffsetDateTime>::None.into(),
                Option::<i32>::None.into(),
            )
        }
    };
    let (p_at, p_week) = when(path_done);
    let (c_at, c_week) = when(certified);
    // Seeded learners study only their own group's path, so only citizens reach the citizen
    // path's milestone (the one that makes a household a digital family).
    let citizen_at = if group == hocvuso_course::CITIZEN_GROUP {
        p_at.clone()
    } else {
        Option::<OffsetDateTime>::None.into()
    };
    b.status.push(vec![
        id.into(),
        Some(group.to_owned()).into(),
        p_at,
        p_week,
        c_at,
        c_week,
        citizen_at,
    ]);
    Ok(())
}

async fn write(store: &Store, b: Batch) -> Result<(), StoreError> {
    store
        .insert_rows(
            "users",
            &[
                "id",
                "username",
                "username_key",
                "display_name",
                "password_hash",
                "group_id",
                "birth_year",
                "created_at",
                "learner_ref",
                "name_fold",
            ],
            b.users,
        )
        .await?;
    store
        .insert_rows("user_roles", &["user_id", "role"], b.roles)
        .await?;
    store
        .insert_rows(
            "learner_status",
            &[
                "user_id",
                "group_id",
                "path_completed_at",
                "path_week",
                "certified_at",
                "certified_week",
                "citizen_path_at",
            ],
            b.status,
        )
        .await?;
    store
        .insert_rows("unit_members", &["user_id", "unit_id"], b.members)
        .await?;
    store
        .insert_rows(
            "households",
            &["id", "unit_id", "code", "name", "created_at"],
            b.households,
        )
        .await?;
    store
        .insert_rows(
            "household_members",
            &["user_id", "household_id"],
            b.household_members,
        )
        .await?;
    store
        .insert_rows(
            "mentor_links",
            &["mentee_id", "mentor_id", "source", "created_at"],
            b.mentors,
        )
        .await?;
    store
        .insert_rows(
            "lesson_completions",
            &[
                "user_id",
                "course_id",
                "lesson_id",
                "content_version",
                "completed_at",
            ],
            b.lessons,
        )
        .await?;
    store
        .insert_rows(
            "course_completions",
            &[
                "certificate_id",
                "user_id",
                "course_id",
                "content_version",
                "completed_at",
                "score_percent",
                "kid",
                "credential",
            ],
            b.completions,
        )
        .await?;
    store
        .insert_rows(
            "ledger_entries",
            &[
                "seq",
                "prev_hash",
                "hash",
                "entry_type",
                "certificate_id",
                "user_id",
                "achievement_kind",
                "achievement_id",
                "content_version",
                "score_percent",
                "at",
            ],
            b.ledger,
        )
        .await?;
    Ok(())
}

/// Two community classes per tổ dân phố, with attendance kept as evidence.
async fn classes(
    store: &Store,
    rng: &mut StdRng,
    catalog: &Catalog,
    ward: &Ward,
    streets: &[Street],
    today: OffsetDateTime,
) -> Result<(), StoreError> {
    let Some(organiser) = store.user_by_username("giang.vien").await? else {
        return Err(StoreError::NotFound);
    };
    let courses: Vec<&str> = catalog
        .group("citizen")
        .map(|g| g.path.iter().map(String::as_str).collect())
        .unwrap_or_default();
    for (i, unit) in ward.neighbourhoods.iter().enumerate() {
        for k in 0..2 {
            let Some(course) = courses.get((i + k) % courses.len().max(1)) else {
                continue;
            };
            let starts = today - Duration::days(7 * (k as i64 + 1)) - Duration::hours(4);
            let c = store
                .create_class(
                    hocvuso_store::NewClass {
                        unit_id: *unit,
                        course_id: (*course).to_owned(),
                        place: format!("Nhà văn hóa tổ dân phố {}", i + 1),
                        starts_at: starts,
                        organiser_id: organiser.id,
                    },
                    starts - Duration::days(3),
                )
                .await?;
            for &p in &streets[i].sample {
                if rng.gen_range(0..3) > 0 {
                    store
                        .record_attendance(
                            c.id,
                            p,
                            "list",
                            organiser.id,
                            starts + Duration::hours(1),
                        )
                        .await?;
                }
            }
        }
    }
    Ok(())
}

/// What to seed.
pub struct Options<'a> {
    pub learners: u64,
    /// The random seed: the same seed and day give the same data.
    pub seed: u64,
    /// The day progress is measured back from.
    pub today: OffsetDateTime,
    /// Sign a credential for every completion with this issuer's active key (None: leave the
    /// completions without credentials, which is faster).
    pub issuer: Option<&'a Issuer>,
}

/// What `seed` made.
pub struct Seeded {
    pub learners: u64,
    pub progress_records: u64,
    /// Completions seeded with a signed credential and a ledger entry.
    pub credentials: u64,
}

/// Seeds an empty database: a ward with its units, staff accounts (password `DEV_PASSWORD`),
/// `learners` learners with households, mentors and progress, and classes; then rebuilds the
/// dashboard's counters. `password_hash` is the hash every seeded account shares.
pub async fn seed(
    store: &Store,
    catalog: &Catalog,
    password_hash: &str,
    options: Options<'_>,
    progress: impl Fn(u64),
) -> Result<Seeded, StoreError> {
    let Options {
        learners,
        seed,
        today,
        issuer,
    } = options;
    if !store.units().await?.is_empty() {
        return Err(StoreError::Conflict("already_seeded"));
    }
    let mut signer = match issuer {
        Some(i) => Some(Signer::new(store, i).await?),
        None => None,
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let hash = password_hash;
    let ward = units(store, today).await?;
    staff(store, hash, &ward, today).await?;

    let mut next_user = store.max_id("users").await? + 1;
    let mut next_household = store.max_id("households").await? + 1;
    let mut streets = vec![Street::default(); ward.neighbourhoods.len()];
    let mut records = 0u64;
    let mut credentials = 0u64;
    let batch_size = 5_000;
    let mut done = 0;
    while done < learners {
        let n = batch_size.min(learners - done);
        let mut b = Batch::default();
        for _ in 0..n {
            learner(
                &mut rng,
                catalog,
                &ward,
                &mut streets,
                &mut b,
                hash,
                today,
                next_user,
                &mut next_household,
                signer.as_mut(),
            )?;
            next_user += 1;
        }
        done += n;
        records += (b.lessons.len() + b.completions.len()) as u64;
        credentials += b.ledger.len() as u64;
        write(store, b).await?;
        progress(done);
    }
    if let Some(signer) = &signer {
        signer.reserve_used(store, today).await?;
    }
    store
        .reset_sequences(&["users", "households", "units"])
        .await?;
    classes(store, &mut rng, catalog, &ward, &streets, today).await?;
    store.rebuild_aggregates().await?;
    store.analyze().await?;
    Ok(Seeded {
        learners,
        progress_records: records,
        credentials,
    })
}
