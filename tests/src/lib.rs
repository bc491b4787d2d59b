//! Test harness for the HTTP stories: a fresh application on a fresh database per test, on
//! SQLite by default or on PostgreSQL when `HOCVUSO_TEST_DATABASE_URL` names a server (each test
//! then gets its own database on it), with helpers that speak the API and the pages like a
//! client would (Bearer tokens; cookies and CSRF fields for forms).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web;
use rand::Rng;
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;

use hocvuso_server::auth::keys::SessionKeys;
use hocvuso_server::auth::password::Hasher;
use hocvuso_server::clock::Clock;
use hocvuso_server::{AppState, Settings};
use hocvuso_store::Store;

mod locale;
pub use locale::{html_escaped, t, t_with};

pub type Error = Box<dyn std::error::Error>;
pub type TestResult = Result<(), Error>;

type Call = Rc<
    dyn Fn(
        actix_http::Request,
    ) -> Pin<Box<dyn Future<Output = Result<ServiceResponse, actix_web::Error>>>>,
>;

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn fixture_content() -> PathBuf {
    workspace_root().join("tests/fixtures/content")
}

/// The curriculum the platform ships with (`content/`).
pub fn bundled_content() -> PathBuf {
    workspace_root().join("content")
}

/// Copies a folder (a content fixture a story then changes) recursively.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

pub struct TestApp {
    call: Call,
    pub state: AppState,
    pub store: Store,
    /// The database's URL (`sqlite::memory:` or this test's own PostgreSQL database).
    pub database_url: String,
    /// The browser's cookie jar, for page tests.
    cookies: RefCell<HashMap<String, String>>,
    /// Why this story's database may break the invariants at teardown (`tampered`), if it may.
    tampered: std::cell::Cell<Option<&'static str>>,
}

/// Which database the stories run on.
pub fn database_kind() -> &'static str {
    if std::env::var("HOCVUSO_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        "postgres"
    } else {
        "sqlite"
    }
}

async fn fresh_database_url() -> Result<String, Error> {
    match std::env::var("HOCVUSO_TEST_DATABASE_URL") {
        // An SQLite file, as deployed (WAL, synchronous=NORMAL), for the benchmarks: every test
        // of the run shares it, so run one test at a time against a fresh file.
        Ok(file) if file.starts_with("sqlite:") => Ok(file),
        Ok(base) if base.starts_with("postgres") => {
            let name = format!("hvs_test_{:016x}", rand::thread_rng().gen::<u64>());
            let admin = Database::connect(base.clone()).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await?;
            let (prefix, _) = base
                .rsplit_once('/')
                .ok_or("HOCVUSO_TEST_DATABASE_URL needs a /database part")?;
            Ok(format!("{prefix}/{name}"))
        }
        // A named in-memory database in shared-cache mode: the application's pool keeps it
        // alive, and the teardown check (`TestApp`'s `Drop`) opens it again from its own thread.
        _ => Ok(format!(
            "sqlite:file:hvs-{:016x}?mode=memory&cache=shared",
            rand::thread_rng().gen::<u64>()
        )),
    }
}

impl Drop for TestApp {
    /// Every story ends with the invariant checks (`check_invariants`), whether it calls them or
    /// not: here, when its `TestApp` goes, unless the story already failed (a panic) or said it
    /// tampered with the database (`tampered`). The story's runtime cannot be re-entered from
    /// `drop`, so the check runs on a thread of its own, on its own connection to the same
    /// database, and a failure fails the story. Then each test's data folder (its signing keys),
    /// its own temporary directory, goes.
    fn drop(&mut self) {
        if !std::thread::panicking() && self.tampered.get().is_none() {
            let url = self.database_url.clone();
            let ring = self.state.issuer.ring();
            let groups = self.state.catalog().groups.clone();
            let now = self.state.clock.now();
            let checked = std::thread::spawn(move || -> Result<(), String> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                runtime.block_on(async move {
                    let store = Store::connect(&url).await.map_err(|e| e.to_string())?;
                    let checked = invariants(&store, &ring, &groups, now).await;
                    store.connection().clone().close().await.ok();
                    checked
                })
            })
            .join();
            match checked {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    let _ = std::fs::remove_dir_all(&self.state.settings.data_dir);
                    panic!("teardown invariant check failed: {e}");
                }
                Err(_) => panic!("teardown invariant check panicked"),
            }
        }
        let _ = std::fs::remove_dir_all(&self.state.settings.data_dir);
    }
}

/// What must hold after any story, whatever it did: the dashboard's counters and the learners'
/// milestones (kept by deltas in every write) equal a rebuild from the base tables
/// (`hocvuso dashboard rebuild` finds nothing to change), and `hocvuso ledger verify` passes
/// (the chain holds, and every certificate and stored credential agrees with it).
async fn invariants(
    store: &Store,
    ring: &hocvuso_credentials::KeyRing,
    groups: &[hocvuso_course::Group],
    now: time::OffsetDateTime,
) -> Result<(), String> {
    let e = |e: hocvuso_store::StoreError| e.to_string();
    let milestones = store.rebuild_milestones(groups).await.map_err(e)?;
    if milestones != 0 {
        return Err(format!(
            "a milestone rebuild changed {milestones} learners: the deltas missed something"
        ));
    }
    let before = counters(store).await.map_err(e)?;
    store.rebuild_aggregates().await.map_err(e)?;
    let after = counters(store).await.map_err(e)?;
    if before != after {
        let kept: Vec<_> = before.iter().filter(|c| !after.contains(c)).collect();
        let rebuilt: Vec<_> = after.iter().filter(|c| !before.contains(c)).collect();
        return Err(format!(
            "the counters differ from a rebuild: kept {kept:?}, rebuilt {rebuilt:?}"
        ));
    }
    let report = hocvuso_server::app::ledger::verify(store, Some(ring), now)
        .await
        .map_err(e)?;
    if let Err(b) = &report.chain {
        return Err(format!("ledger verify: the chain breaks: {b:?}"));
    }
    if !report.findings.is_empty() {
        let findings: Vec<String> = report.findings.iter().map(ToString::to_string).collect();
        return Err(format!("ledger verify: {findings:?}"));
    }
    Ok(())
}

/// Every non-zero dashboard counter (totals and weekly), in a stable order: a rebuild drops
/// zeros.
async fn counters(
    store: &Store,
) -> Result<Vec<(i64, String, String, i32, i64)>, hocvuso_store::StoreError> {
    use hocvuso_store::entity::{unit_stat, unit_weekly};
    use sea_orm::EntityTrait;
    let db = store.connection();
    let mut all: Vec<_> = unit_stat::Entity::find()
        .all(db)
        .await
        .map_err(hocvuso_store::StoreError::from)?
        .into_iter()
        .map(|s| (s.unit_id, s.group_id, s.metric, -1, s.value))
        .chain(
            unit_weekly::Entity::find()
                .all(db)
                .await
                .map_err(hocvuso_store::StoreError::from)?
                .into_iter()
                .map(|s| (s.unit_id, s.group_id, s.metric, s.week, s.value)),
        )
        .filter(|c| c.4 != 0)
        .collect();
    all.sort();
    Ok(all)
}

impl TestApp {
    pub async fn spawn() -> Result<Self, Error> {
        Self::spawn_with(fixture_content(), Clock::system()).await
    }

    /// An application serving the bundled curriculum, on the system clock.
    pub async fn spawn_bundled() -> Result<Self, Error> {
        Self::spawn_with(bundled_content(), Clock::system()).await
    }

    pub async fn spawn_with(content: PathBuf, clock: Clock) -> Result<Self, Error> {
        Self::spawn_configured(content, clock, |_| {}).await
    }

    /// An application whose settings `configure` changes first (e.g. to send e-mail).
    pub async fn spawn_configured(
        content: PathBuf,
        clock: Clock,
        configure: impl FnOnce(&mut Settings),
    ) -> Result<Self, Error> {
        Self::spawn_adjusted(content, clock, configure, |_| {}).await
    }

    /// An application whose settings `configure` changes, and whose state `adjust` changes
    /// before it serves (e.g. a costlier password hasher).
    pub async fn spawn_adjusted(
        content: PathBuf,
        clock: Clock,
        configure: impl FnOnce(&mut Settings),
        adjust: impl FnOnce(&mut AppState),
    ) -> Result<Self, Error> {
        Self::spawn_at(
            fresh_database_url().await?,
            content,
            clock,
            configure,
            adjust,
        )
        .await
    }

    /// An application on an SQLite file of its own (PostgreSQL: as `spawn`), for what an
    /// in-memory database cannot do (an online backup writes into the database's own VFS).
    pub async fn spawn_on_disk() -> Result<Self, Error> {
        let url = match std::env::var("HOCVUSO_TEST_DATABASE_URL") {
            Ok(u) if u.starts_with("postgres") => fresh_database_url().await?,
            _ => format!(
                "sqlite://{}?mode=rwc",
                std::env::temp_dir()
                    .join(format!(
                        "hvs-story-{:016x}.db",
                        rand::thread_rng().gen::<u64>()
                    ))
                    .display()
            ),
        };
        Self::spawn_at(url, fixture_content(), Clock::system(), |_| {}, |_| {}).await
    }

    async fn spawn_at(
        database_url: String,
        content: PathBuf,
        clock: Clock,
        configure: impl FnOnce(&mut Settings),
        adjust: impl FnOnce(&mut AppState),
    ) -> Result<Self, Error> {
        let catalog =
            hocvuso_course::load(&content).map_err(|p| format!("fixture content invalid:\n{p}"))?;
        let search_content = hocvuso_search::content::load(&content, &catalog)
            .map_err(|p| format!("fixture search content invalid:\n{p}"))?;
        let search = hocvuso_server::app::search::SearchHandle::new(&catalog, search_content)?;
        let store = Store::connect(&database_url).await?;
        store.migrate().await?;
        let data_dir = std::env::temp_dir().join(format!(
            "hvs-story-{:016x}",
            rand::thread_rng().gen::<u64>()
        ));
        let issuer = hocvuso_server::issuer::Issuer::open(
            &data_dir,
            "http://hocvuso.test",
            "UBND phường Thử Nghiệm",
            clock.now(),
        )?;
        let mut settings = Settings {
            content_dir: content,
            public_url: "http://hocvuso.test".into(),
            data_dir,
            issuer_name: "UBND phường Thử Nghiệm".into(),
            ..Settings::default()
        };
        configure(&mut settings);
        let mut state = AppState {
            store: store.clone(),
            catalogs: hocvuso_server::state::CatalogHandle::new(catalog),
            keys: SessionKeys::random(),
            hasher: Hasher::for_tests().map_err(|e| e.to_string())?,
            clock,
            settings: Arc::new(settings),
            issuer: Arc::new(issuer),
            search,
        };
        adjust(&mut state);
        let data = web::Data::new(state.clone());
        let service = Rc::new(test::init_service(hocvuso_server::app(data)).await);
        let call: Call = Rc::new(move |req| {
            let s = service.clone();
            Box::pin(async move { s.call(req).await.map(|r| r.map_into_boxed_body()) })
        });
        Ok(Self {
            call,
            state,
            store,
            database_url,
            cookies: RefCell::new(HashMap::new()),
            tampered: std::cell::Cell::new(None),
        })
    }

    /// The invariant checks every story ends with (see `Drop`), run now: for a story that wants
    /// them in its middle too.
    pub async fn check_invariants(&self) -> TestResult {
        let groups = self.state.catalog().groups.clone();
        invariants(
            &self.store,
            &self.state.issuer.ring(),
            &groups,
            self.state.clock.now(),
        )
        .await
        .map_err(Into::into)
    }

    /// Leaves out the teardown check: the story changed the database behind the platform's back
    /// on purpose (an edited ledger, a revocation the counters never saw) and says why.
    pub fn tampered(&self, why: &'static str) {
        self.tampered.set(Some(why));
    }

    pub async fn send(&self, req: TestRequest) -> Reply {
        self.send_from("127.0.0.1:50000", req).await
    }

    /// Sends a request as a client at `peer` (`"203.0.113.5:4000"`).
    pub async fn send_from(&self, peer: &str, req: TestRequest) -> Reply {
        let req = req.peer_addr(peer.parse().expect("address")).to_request();
        let resp = match (self.call)(req).await {
            Ok(r) => r,
            Err(e) => ServiceResponse::new(
                actix_web::test::TestRequest::default().to_http_request(),
                e.error_response(),
            ),
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        for c in resp.response().cookies() {
            let mut jar = self.cookies.borrow_mut();
            if c.value().is_empty() {
                jar.remove(c.name());
            } else {
                jar.insert(c.name().to_owned(), c.value().to_owned());
            }
        }
        let body = test::read_body(resp).await.to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    // ---- API ----

    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = TestRequest::default().method(method).uri(path);
        if let Some(t) = token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
        }
        if let Some(b) = body {
            req = req.set_json(b);
        }
        self.send(req).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.api(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.api(Method::POST, path, token, Some(body)).await
    }

    pub async fn register(&self, username: &str, group: &str) -> Reply {
        self.post(
            "/api/v1/auth/register",
            None,
            serde_json::json!({"username": username, "password": "mat-khau-dai", "display_name": format!("Người {username}"), "group": group}),
        )
        .await
    }

    /// Registers a learner and returns a session token.
    pub async fn learner(&self, username: &str) -> Result<String, Error> {
        let r = self.register(username, "citizen").await;
        if r.status != StatusCode::CREATED {
            return Err(format!("register {username}: {} {}", r.status, r.text()).into());
        }
        self.login(username, "mat-khau-dai").await
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<String, Error> {
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                serde_json::json!({"username": username, "password": password}),
            )
            .await;
        if r.status != StatusCode::OK {
            return Err(format!("login {username}: {} {}", r.status, r.text()).into());
        }
        Ok(r.json()["token"].as_str().ok_or("no token")?.to_owned())
    }

    /// An administrator created directly in the store (as `hocvuso user add` does).
    pub async fn admin(&self, username: &str) -> Result<String, Error> {
        let hash = self
            .state
            .hasher
            .hash("mat-khau-quan-tri")
            .map_err(|e| e.to_string())?;
        self.store
            .create_user(
                hocvuso_store::NewUser {
                    username: username.into(),
                    display_name: "Quản trị".into(),
                    password_hash: hash,
                    group: None,
                    birth_year: None,
                    roles: vec!["admin".into(), "learner".into()],
                    created_at: self.state.clock.now(),
                },
                Vec::new(),
            )
            .await?;
        self.login(username, "mat-khau-quan-tri").await
    }

    /// An account with the given roles, created in the store; returns its id and a token.
    pub async fn account(
        &self,
        username: &str,
        group: Option<&str>,
        roles: &[&str],
    ) -> Result<(i64, String), Error> {
        let hash = self
            .state
            .hasher
            .hash("mat-khau-dai")
            .map_err(|e| e.to_string())?;
        let user = self
            .store
            .create_user(
                hocvuso_store::NewUser {
                    username: username.into(),
                    display_name: format!("Người {username}"),
                    password_hash: hash,
                    group: group.map(str::to_owned),
                    birth_year: None,
                    roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                    created_at: self.state.clock.now(),
                },
                Vec::new(),
            )
            .await?;
        Ok((user.id, self.login(username, "mat-khau-dai").await?))
    }

    /// Completes a course through the API as a learner who studied: every lesson, then every
    /// quiz answered from the key.
    pub async fn complete_course(
        &self,
        token: &str,
        user_id: i64,
        course_id: &str,
    ) -> Result<(), Error> {
        let catalog = self.state.catalog().clone();
        let course = catalog.course(course_id).ok_or("no such course")?;
        for l in &course.lessons {
            self.post(
                &format!("/api/v1/courses/{course_id}/lessons/{}/complete", l.id),
                Some(token),
                serde_json::json!({}),
            )
            .await;
        }
        for q in &course.quizzes {
            let a = self
                .post(
                    &format!("/api/v1/courses/{course_id}/quizzes/{}/attempts", q.id),
                    Some(token),
                    serde_json::json!({}),
                )
                .await
                .json();
            let id = a["attempt_id"].as_str().ok_or("no attempt")?.to_owned();
            let key = self.key_for(&id, user_id).await?;
            let r = self
                .post(
                    &format!("/api/v1/attempts/{id}/submit"),
                    Some(token),
                    serde_json::json!({ "answers": key }),
                )
                .await;
            if r.status != StatusCode::OK {
                return Err(format!("submit: {} {}", r.status, r.text()).into());
            }
        }
        Ok(())
    }

    /// The answers that score 100% on an attempt, read from the stored paper as only the server
    /// can.
    pub async fn key_for(
        &self,
        attempt_id: &str,
        user_id: i64,
    ) -> Result<BTreeMap<String, Value>, Error> {
        let attempt = self
            .store
            .attempt::<hocvuso_store::Attempt>(attempt_id, user_id)
            .await?
            .ok_or("no such attempt")?;
        let paper = &attempt.paper;
        let catalog = self.state.catalog();
        let course = catalog.course(&attempt.course_id).ok_or("no course")?;
        let quiz = course.quiz(&attempt.quiz_id).ok_or("no quiz")?;
        Ok(hocvuso_assessment::grading::answer_key(
            paper,
            course.quiz_bank(quiz),
        ))
    }

    /// Plays every practice task of `course_id` through the API as a learner who knows each
    /// step (the answers come from the server's own catalog, never the API), every step right at
    /// the first try. Returns the last answer's reply of each task, in course order (its
    /// `attempt` is graded and passed; `course_completed` and `certificate_id` say what the
    /// task's pass did to the course).
    pub async fn pass_tasks(&self, token: &str, course_id: &str) -> Result<Vec<Value>, Error> {
        use hocvuso_course::task::{shown_order, Action};
        let catalog = self.state.catalog().clone();
        let course = catalog.course(course_id).ok_or("no such course")?;
        let mut replies = Vec::new();
        for task in &course.tasks {
            let started = self
                .post(
                    &format!("/api/v1/courses/{course_id}/tasks/{}/attempts", task.id),
                    Some(token),
                    serde_json::json!({}),
                )
                .await;
            if started.status != StatusCode::OK {
                return Err(
                    format!("start {}: {} {}", task.id, started.status, started.text()).into(),
                );
            }
            let id = started.json()["attempt_id"]
                .as_str()
                .ok_or("task attempt id")?
                .to_owned();
            let mut last = Value::Null;
            for (index, step) in task.steps.iter().enumerate() {
                let answer = match &step.action {
                    Action::Tap(targets) => {
                        serde_json::json!({ "tap": targets.first().ok_or("tap")? })
                    }
                    Action::Type { accepted, .. } => {
                        serde_json::json!({ "text": accepted.first().ok_or("accepted")? })
                    }
                    Action::Choose(options) => serde_json::json!({
                        "choice": options.iter().position(|o| o.correct).ok_or("correct option")?
                    }),
                    Action::Order(items) => {
                        // The item shown at position p belongs at rank shown[p].
                        let shown = shown_order(items);
                        let order: Vec<usize> = (0..items.len())
                            .map(|rank| shown.iter().position(|&i| i == rank).unwrap_or(0))
                            .collect();
                        serde_json::json!({ "order": order })
                    }
                    Action::Nothing => return Err("a step that asks nothing".into()),
                };
                let r = self
                    .post(
                        &format!("/api/v1/task-attempts/{id}/answers"),
                        Some(token),
                        serde_json::json!({ "step": index, "answer": answer }),
                    )
                    .await;
                if r.status != StatusCode::OK {
                    return Err(format!("{}/{index}: {} {}", task.id, r.status, r.text()).into());
                }
                last = r.json();
                if last["correct"] != true {
                    return Err(format!("{}/{index} graded wrong: {last}", task.id).into());
                }
            }
            replies.push(last);
        }
        Ok(replies)
    }

    /// Completes the fixture course `thu-nghiem` as a learner who studied (every lesson, the quiz
    /// with the key) and returns the certificate id.
    pub async fn complete_fixture_course(&self, token: &str) -> Result<String, Error> {
        let me = self.user_id(token).await?;
        for l in ["mat-khau", "ma-otp"] {
            self.post(
                &format!("/api/v1/courses/thu-nghiem/lessons/{l}/complete"),
                Some(token),
                serde_json::json!({}),
            )
            .await;
        }
        let attempt = self
            .post(
                "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
                Some(token),
                serde_json::json!({}),
            )
            .await
            .json();
        let id = attempt["attempt_id"]
            .as_str()
            .ok_or("attempt id")?
            .to_owned();
        let key = self.key_for(&id, me).await?;
        let graded = self
            .post(
                &format!("/api/v1/attempts/{id}/submit"),
                Some(token),
                serde_json::json!({"answers": key}),
            )
            .await
            .json();
        Ok(graded["certificate_id"]
            .as_str()
            .ok_or("certificate id")?
            .to_owned())
    }

    pub async fn user_id(&self, token: &str) -> Result<i64, Error> {
        self.get("/api/v1/me", Some(token)).await.json()["id"]
            .as_i64()
            .ok_or_else(|| "no id".into())
    }

    // ---- pages ----

    fn with_cookies(&self, mut req: TestRequest) -> TestRequest {
        for (k, v) in self.cookies.borrow().iter() {
            req = req.cookie(actix_web::cookie::Cookie::new(k.clone(), v.clone()));
        }
        req
    }

    pub async fn page(&self, path: &str) -> Reply {
        self.send(self.with_cookies(TestRequest::get().uri(path)))
            .await
    }

    pub fn csrf(&self) -> String {
        self.cookies
            .borrow()
            .get("hvs_csrf")
            .cloned()
            .unwrap_or_default()
    }

    /// The browser's cookies, by name.
    pub fn cookie_jar(&self) -> HashMap<String, String> {
        self.cookies.borrow().clone()
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.borrow().contains_key(name)
    }

    /// Drops a cookie from the browser's jar (another phone, or a cleared browser).
    pub fn forget_cookie(&self, name: &str) {
        self.cookies.borrow_mut().remove(name);
    }

    /// Signs the browser (this app's cookie jar) in on the login page, as a person would: the
    /// login form's answer (303 on to the next page when the password was right).
    pub async fn page_login(&self, username: &str, password: &str) -> Reply {
        self.page("/login").await;
        self.submit_form("/login", &[("username", username), ("password", password)])
            .await
    }

    /// Signs the browser in on the login page as an account made with the stories' password
    /// (`learner`, `account`); an error when the page did not let them in.
    pub async fn sign_in_browser(&self, username: &str) -> TestResult {
        let r = self.page_login(username, "mat-khau-dai").await;
        if r.status != StatusCode::SEE_OTHER {
            return Err(format!("page sign-in {username}: {} {}", r.status, r.text()).into());
        }
        Ok(())
    }

    /// Posts a form as a browser would, with the CSRF field filled from the cookie.
    pub async fn submit_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let csrf = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// Posts any body with the browser's cookies (for multipart forms).
    pub async fn post_raw_with_cookies(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let req = TestRequest::post()
            .uri(path)
            .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
            .set_payload(body);
        self.send(self.with_cookies(req)).await
    }

    /// Sends any request with the browser's cookies.
    pub async fn send_with_cookies(&self, req: TestRequest) -> Reply {
        self.send(self.with_cookies(req)).await
    }

    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body: String = form_encode(fields);
        let req = TestRequest::post()
            .uri(path)
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body);
        self.send(self.with_cookies(req)).await
    }
}

/// An export's text without its first line when that line is the ledger's head (every export
/// starts with it: `# ledger_head …` in CSV, `{"ledger_head": …}` in JSON Lines and xAPI), so
/// what is left is the header and the records.
pub fn without_ledger_head(text: &str) -> &str {
    let text = text.trim_start_matches('\u{feff}');
    match text.split_once('\n') {
        Some((first, rest))
            if first.starts_with("# ledger_head ") || first.starts_with("{\"ledger_head\"") =>
        {
            rest
        }
        _ => text,
    }
}

pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One message a `FakeSmtp` received: the envelope and the raw message (headers and body,
/// dot-stuffing undone, lines ending in CRLF).
#[derive(Debug, Clone)]
pub struct SentMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl SentMail {
    /// A header's raw value, continuation lines unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut out: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(v) = out.as_mut() {
                    v.push_str(line);
                }
            } else if out.is_some() {
                break;
            } else if let Some((n, v)) = line.split_once(':') {
                if n.eq_ignore_ascii_case(name) {
                    out = Some(v.trim_start().to_owned());
                }
            }
        }
        out
    }
}

/// A minimal SMTP server on a random local port, enough for one client to hand over messages
/// (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), for stories that check what the platform
/// e-mails. Every message received comes out of `next`.
pub struct FakeSmtp {
    pub url: String,
    received: tokio::sync::mpsc::UnboundedReceiver<SentMail>,
}

impl FakeSmtp {
    pub async fn start() -> Result<Self, Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let (tx, received) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let _ = smtp_session(socket, tx).await;
                });
            }
        });
        Ok(Self {
            url: format!("smtp://127.0.0.1:{port}"),
            received,
        })
    }

    /// The next message received within `within`, if any.
    pub async fn next(&mut self, within: std::time::Duration) -> Option<SentMail> {
        tokio::time::timeout(within, self.received.recv())
            .await
            .ok()
            .flatten()
    }
}

async fn smtp_session(
    socket: tokio::net::TcpStream,
    tx: tokio::sync::mpsc::UnboundedSender<SentMail>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (r, mut w) = socket.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 fake.test ESMTP\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let path = |arg: &str| {
        arg.split_once('<')
            .and_then(|(_, rest)| rest.split_once('>'))
            .map(|(p, _)| p.to_owned())
            .unwrap_or_default()
    };
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_owned();
        let verb = cmd
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => w.write_all(b"250-fake.test\r\n250 8BITMIME\r\n").await?,
            "HELO" | "NOOP" => w.write_all(b"250 OK\r\n").await?,
            "RSET" => {
                from.clear();
                to.clear();
                w.write_all(b"250 OK\r\n").await?
            }
            "MAIL" => {
                from = path(&cmd);
                to.clear();
                w.write_all(b"250 OK\r\n").await?
            }
            "RCPT" => {
                to.push(path(&cmd));
                w.write_all(b"250 OK\r\n").await?
            }
            "DATA" => {
                w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if r.read_line(&mut l).await? == 0 {
                        return Ok(());
                    }
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                let _ = tx.send(SentMail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
                w.write_all(b"250 OK queued\r\n").await?
            }
            "QUIT" => {
                w.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => w.write_all(b"502 not implemented\r\n").await?,
        }
    }
}

/// Whether a page works without JavaScript as far as its markup shows: no inline script, and
/// any script it names is the site's own, deferred, progressive enhancement (`/static/…`), so
/// the page is whole before (or without) it.
pub fn needs_no_script(html: &str) -> bool {
    html.match_indices("<script").all(|(at, _)| {
        let tag = &html[at..html[at..].find('>').map_or(html.len(), |end| at + end)];
        tag.starts_with("<script src=\"/static/") && tag.contains(" defer")
    })
}
