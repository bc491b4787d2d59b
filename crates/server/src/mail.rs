//! Reminder e-mail. When an SMTP server is configured (`HOCVUSO_SMTP_URL`), the notifications of
//! an assignment (a new assignment, a reminder) also go by e-mail to the learners who gave an
//! address for it on their profile. Sending happens in the background: a slow or failing mail
//! server never delays or fails the manager's request, and a failure is logged (in English,
//! with the learner's id, never the address) and otherwise dropped; the notification on the
//! platform is the record.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use hocvuso_store::{Assignment, Store};

use crate::state::AppState;

/// Where and as whom to send.
#[derive(Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (plain), `smtp://host?tls=required` (STARTTLS), `smtps://host`
    /// (TLS), with `user:password@` when the server wants them: lettre's URL syntax.
    pub smtp_url: String,
    /// The sender, e.g. `Học Vụ Số <nhac-nho@phuong.gov.vn>`.
    pub from: String,
}

/// The SMTP transport and sender, checked.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// Checks the settings (at start, so a mistyped URL stops the server instead of every
    /// reminder failing later). Opens no connection. The error names no secret.
    pub fn new(s: &MailSettings) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&s.smtp_url)
            .map_err(|_| "HOCVUSO_SMTP_URL is not a valid SMTP URL".to_owned())?
            .build();
        let from = s
            .from
            .parse::<Mailbox>()
            .map_err(|_| "HOCVUSO_MAIL_FROM is not a valid mailbox".to_owned())?;
        Ok(Self { transport, from })
    }
}

/// Checks an address a learner gives: one mailbox `local@domain`, no display name, at most 254
/// characters. Returns it trimmed, as it will be stored.
pub fn valid_address(input: &str) -> Option<String> {
    let a = input.trim();
    if a.is_empty()
        || a.len() > 254
        || a.chars().any(|c| c.is_whitespace() || c.is_control())
        || !a.rsplit_once('@').is_some_and(|(_, d)| d.contains('.'))
    {
        return None;
    }
    a.parse::<lettre::Address>().ok().map(|x| x.to_string())
}

/// Which notification the e-mail repeats.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Assigned,
    Reminder,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Assigned => "assigned",
            Kind::Reminder => "reminder",
        }
    }
}

/// The text of one message: subject and body, from `web/locales/vi.toml`.
fn compose(kind: Kind, course: &str, due: &str, public_url: &str) -> (String, String) {
    let t = crate::i18n_global();
    let fill = |key: &str| {
        t.get(key)
            .replace("{course}", course)
            .replace("{date}", due)
            .replace("{url}", public_url.trim_end_matches('/'))
    };
    let subject = fill(&format!("mail.subject_{}", kind.key()));
    let body = format!(
        "{}\n\n{}\n\n-- \n{}\n",
        fill(&format!("due.kind_{}", kind.key())),
        fill("mail.open_due"),
        fill("mail.footer"),
    );
    (subject, body)
}

/// Sends the e-mail copies of an assignment's notifications to those of `user_ids` who gave an
/// address, in the background. Returns at once; does nothing without SMTP settings.
pub fn send_in_background(state: &AppState, kind: Kind, a: &Assignment, user_ids: Vec<i64>) {
    let Some(settings) = state.settings.mail.clone() else {
        return;
    };
    if user_ids.is_empty() {
        return;
    }
    let course = state
        .catalog()
        .course(&a.course_id)
        .map(|c| c.title.clone())
        .unwrap_or_else(|| a.course_id.clone());
    let due = crate::views::date_vi(a.due_at - time::Duration::seconds(1));
    let (subject, body) = compose(kind, &course, &due, &state.settings.public_url);
    let store = state.store.clone();
    let assignment = a.id;
    actix_web::rt::spawn(async move {
        send(&store, &settings, &user_ids, &subject, &body, assignment).await;
    });
}

async fn send(
    store: &Store,
    settings: &MailSettings,
    user_ids: &[i64],
    subject: &str,
    body: &str,
    assignment: i64,
) {
    let mailer = match Mailer::new(settings) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "reminder e-mail not sent");
            return;
        }
    };
    let addresses = match store.reminder_emails(user_ids).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, assignment, "cannot read reminder addresses");
            return;
        }
    };
    let mut sent = 0;
    for (user, address) in addresses {
        let Ok(to) = address.parse::<Mailbox>() else {
            tracing::warn!(user, "stored reminder address does not parse; not sent");
            continue;
        };
        let message = match Message::builder()
            .from(mailer.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
        {
            Ok(m) => m,
            Err(_) => {
                tracing::warn!(user, "cannot build a reminder e-mail; not sent");
                continue;
            }
        };
        match mailer.transport.send(message).await {
            Ok(_) => sent += 1,
            // The server's reply may quote the address, so only its kind and code are logged.
            Err(e) => tracing::warn!(
                user,
                assignment,
                permanent = e.is_permanent(),
                transient = e.is_transient(),
                timeout = e.is_timeout(),
                code = e.status().map(|c| c.to_string()),
                "reminder e-mail not sent"
            ),
        }
    }
    tracing::info!(assignment, sent, "reminder e-mails sent");
}

/// Sends a password-reset code to the address its owner gave, in the background (the same
/// rules as reminders: never waits for the mail server, logs no address, no retry).
pub fn send_reset_code(state: &AppState, user_id: i64, address: String, code: String) {
    let Some(settings) = state.settings.mail.clone() else {
        return;
    };
    let t = crate::i18n_global();
    let url = state.settings.public_url.trim_end_matches('/').to_owned();
    let fill = |key: &str| {
        t.get(key)
            .replace("{code}", &code)
            .replace("{url}", &url)
            .replace(
                "{minutes}",
                &crate::app::recovery::EMAIL_CODE_MINUTES.to_string(),
            )
    };
    let subject = fill("mail.subject_reset");
    let body = format!(
        "{}\n\n{}\n\n-- \n{}\n",
        fill("mail.reset_code"),
        fill("mail.reset_ignore"),
        fill("mail.reset_footer")
    );
    actix_web::rt::spawn(async move {
        let mailer = match Mailer::new(&settings) {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, "reset e-mail not sent");
                return;
            }
        };
        let Ok(to) = address.parse::<Mailbox>() else {
            tracing::warn!(
                user = user_id,
                "stored address does not parse; reset code not sent"
            );
            return;
        };
        let message = Message::builder()
            .from(mailer.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body);
        let Ok(message) = message else {
            tracing::warn!(user = user_id, "cannot build a reset e-mail; not sent");
            return;
        };
        if let Err(e) = mailer.transport.send(message).await {
            tracing::warn!(
                user = user_id,
                permanent = e.is_permanent(),
                code = e.status().map(|c| c.to_string()),
                "reset e-mail not sent"
            );
        }
    });
}
