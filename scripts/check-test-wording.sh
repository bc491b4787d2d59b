#!/usr/bin/env bash
# Tests look for stable hooks (ids, data-* attributes, roles, a form's action), never for the
# interface's Vietnamese wording, so that rewording web/locales/vi.toml breaks no test. This
# fails when an assertion in tests/stories/*.rs or tests/browser/*.mjs holds a string literal
# (with a non-ASCII letter) that is locale wording: one that is a whole value of vi.toml or a
# whole piece of one (the text between its {placeholders}) of 8 or more characters, one of 14 or
# more characters found in a value, or one that holds a piece of 14 or more characters. Short
# common words ("Khóa học", "Mật khẩu") inside a longer literal do not count: data a test made
# itself (a learner's name, a course title from the fixtures, a reason it typed) is not a locale
# value and passes. Where the words themselves matter, a story compares with `t("key")` /
# `t_with("key", …)` from tests/src.
#
# Only assertions are read: the arguments of assert!/assert_eq!/assert_ne! and of
# .contains/.starts_with/.ends_with/.matches calls in the stories, and of assert.* calls and
# .includes in the browser tests. A browser test finds controls by role and accessible name
# (getByRole, getByLabel), which is how people find them; those are not assertions on wording.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import glob
import html
import re
import sys
import tomllib
import unicodedata

WHOLE = 8
LONG = 14


def nfc(s):
    return unicodedata.normalize("NFC", s)


def values(table):
    for v in table.values():
        if isinstance(v, dict):
            yield from values(v)
        elif isinstance(v, str):
            yield nfc(v)


with open("web/locales/vi.toml", "rb") as f:
    locale = list(values(tomllib.load(f)))
TRIM = " .,:;!?*"
pieces = set()
for v in locale:
    for piece in re.split(r"\{[a-z_]+\}", v):
        piece = piece.strip(TRIM)
        if len(piece) >= WHOLE and any(ord(c) > 127 for c in piece):
            pieces.add(piece)
long_pieces = [p for p in pieces if len(p) >= LONG]


def wording(literal):
    """The locale text a literal matches, or None."""
    text = nfc(html.unescape(literal)).strip(TRIM)
    if len(text) < WHOLE or not any(ord(c) > 127 for c in text):
        return None
    if text in pieces:
        return text
    if len(text) >= LONG:
        for v in locale:
            if text in v:
                return v
    for p in long_pieces:
        if p in text:
            return p
    return None


RUST_CALLS = re.compile(
    r"\b(?:assert|assert_eq|assert_ne|debug_assert)!\s*\(|\.(?:contains|starts_with|ends_with|matches)\s*\("
)
JS_CALLS = re.compile(r"\bassert\.\w+\s*\(|\.includes\s*\(")
# Finding a control by its role and accessible name is how people find it, not an assertion.
JS_LOCATORS = re.compile(r"\.getBy(?:Role|Label)\s*\(")


def without_locators(args):
    while m := JS_LOCATORS.search(args):
        args = args[: m.start()] + args[m.start() + len(span(args, m.end() - 1)) + (m.end() - 1 - m.start()) :]
    return args


def span(src, open_at):
    """The text from an opening parenthesis to its match, skipping string literals."""
    depth, i, quote = 0, open_at, None
    while i < len(src):
        c = src[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'`":
            # A Rust char literal or lifetime is short; treat ' as a quote in JS only.
            if c != "'" or JS:
                quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return src[open_at : i + 1]
        i += 1
    return src[open_at:]


def rust_literals(text):
    for m in re.finditer(r'r(#*)"(.*?)"\1', text, re.S):
        yield m.group(2)
    for m in re.finditer(r'(?<![r#\w])"((?:[^"\\]|\\.)*)"', text, re.S):
        s = m.group(1)
        s = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda u: chr(int(u.group(1), 16)), s)
        s = re.sub(r"\\(.)", r"\1", s)
        yield s


def js_literals(text):
    for m in re.finditer(r"(['\"`])((?:(?!\1)[^\\]|\\.)*)\1", text, re.S):
        yield re.sub(r"\\(.)", r"\1", m.group(2))
    # Regular expression literals: /…/ after ( or , — their escapes are punctuation.
    for m in re.finditer(r"[(,]\s*/((?:[^/\\\n]|\\.)+)/[a-z]*", text):
        yield re.sub(r"\\(.)", r"\1", m.group(1))


found = []
for pattern, calls, literals, js in (
    ("tests/stories/*.rs", RUST_CALLS, rust_literals, False),
    ("tests/browser/*.mjs", JS_CALLS, js_literals, True),
):
    JS = js
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        # Comments say why in Vietnamese sometimes; they are not assertions.
        code = re.sub(r"^[ \t]*//.*$", "", src, flags=re.M)
        seen = set()
        for m in calls.finditer(code):
            args = span(code, m.end() - 1)
            if js:
                args = without_locators(args)
            for lit in literals(args):
                hit = wording(lit)
                if hit and (lit, hit) not in seen:
                    seen.add((lit, hit))
                    line = code.count("\n", 0, m.start()) + 1
                    found.append(f"{path}:{line}: {lit!r} is locale wording ({hit!r})")

for f in found:
    print(f)
if found:
    print(
        "\nThe assertions above look for the interface's Vietnamese wording. Look for a stable "
        "hook instead (an id, a data-* attribute, a role, a form's action, <main data-error>), "
        "or compare with t(\"key\") from tests/src where the words themselves matter "
        "(tests/README.md, \"Stable hooks, not wording\")."
    )
    sys.exit(1)
PY
