//! The Vietnamese wording of the interface, as the stories may compare against it. A story
//! looks for stable hooks (ids, `data-*` attributes, roles); where the words themselves are what
//! matters (an e-mail's subject, a PDF's text, a message the law requires), it asks for the
//! locale file's value by key, so rewording `web/locales/vi.toml` breaks no test.

use std::sync::OnceLock;

use hocvuso_server::i18n::Translations;

fn vietnamese() -> &'static Translations {
    static VI: OnceLock<Translations> = OnceLock::new();
    VI.get_or_init(|| match Translations::vietnamese() {
        Ok(t) => t,
        Err(e) => panic!("web/locales/vi.toml is invalid: {e}"),
    })
}

/// The Vietnamese text of `key` (dotted, as templates name it: `"errors.not_found"`). A key the
/// locale file lacks fails the story, rather than matching the key itself as the server would
/// show it.
pub fn t(key: &str) -> String {
    let vi = vietnamese();
    assert!(vi.contains(key), "web/locales/vi.toml has no key {key}");
    vi.get(key).to_owned()
}

/// The Vietnamese text of `key` with its `{name}` placeholders filled, as the templates' `t()`
/// and the server fill them.
pub fn t_with(key: &str, args: &[(&str, &str)]) -> String {
    args.iter().fold(t(key), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

/// `text` as Tera's autoescaping writes it into HTML (its own `escape_html`), to find a locale
/// value in a page.
pub fn html_escaped(text: &str) -> String {
    tera::escape_html(text)
}
