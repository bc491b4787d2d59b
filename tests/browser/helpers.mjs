// Shared by the browser journeys: Debian's Chromium driven by playwright-core, and an axe-core
// check of every page a journey passes (WCAG 2.0, 2.1 and 2.2, A and AA).
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:8080';
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The axe-core rule tags every journey checks: WCAG 2.0, 2.1 and 2.2 at levels A and AA
 * (2.2 adds target size, 2.5.8). */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Fails on any WCAG 2.2 A/AA violation, naming each with the elements it concerns. */
export async function checkAccessibility(page, name) {
  const result = await new AxeBuilder({ page })
    .withTags(WCAG_TAGS)
    .analyze();
  const report = result.violations.map(v =>
    `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map(n => n.target.join(' ')).join('\n  ')}`);
  assert.deepEqual(report, [], `accessibility violations on ${name} (${page.url()})`);
}

/** The interface's Vietnamese texts, `section.key` → text, from web/locales/vi.toml (every line
 * of it is a comment, a [section] or `key = "text"`; TOML's basic strings are JSON strings). */
const VI = (() => {
  const texts = new Map();
  let section = '';
  const file = new URL('../../web/locales/vi.toml', import.meta.url);
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const header = line.match(/^\[([a-z0-9_.]+)\]\s*$/);
    const entry = line.match(/^([a-z0-9_]+) = (".*")\s*$/);
    if (header) section = header[1];
    else if (entry) texts.set(`${section}.${entry[1]}`, JSON.parse(entry[2]));
  }
  return texts;
})();

/** A test looks for stable hooks (ids, data-* attributes, roles), not for wording; where the
 * words themselves are what matters, it asks for the locale's text: `t('task.pass_rule',
 * { pass: 75 })`, placeholders filled as the server fills them. */
export function t(key, args = {}) {
  assert.ok(VI.has(key), `web/locales/vi.toml has no key ${key}`);
  return Object.entries(args).reduce((text, [name, value]) => text.replaceAll(`{${name}}`, String(value)), VI.get(key));
}

/** Checks a page and keeps a screenshot of it for people to look at. */
export async function visit(page, name) {
  await checkAccessibility(page, name);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${process.env.DB ?? 'db'}-${name}.png`, fullPage: true });
}

/** Opens the phone menu (a <details>, no script) and, for a staff tool, its "Quản lý" entry. */
export async function openMenu(page, staff = false) {
  for (const id of staff ? ['#menu', '#staff-p'] : ['#menu']) {
    const d = page.locator(id);
    const summary = page.locator(`${id} > summary`);
    if ((await d.count()) && (await summary.isVisible()) && (await d.getAttribute('open')) === null) {
      await summary.click();
    }
  }
}

/** Follows a link of the signed-in menu, as a person on a phone would. */
export async function menuLink(page, name, staff = false) {
  await openMenu(page, staff);
  await page.getByRole('link', { name }).first().click();
}

/** Presses Tab (Shift+Tab when `back`) until the focused element matches `selector`, as a
 * keyboard-only person moves through a page; fails after `max` presses. Each element reached
 * must show where it is: inside the viewport and not hidden under anything (WCAG 2.4.11). */
export async function tabTo(page, selector, { max = 80, back = false } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const at = await page.evaluate(sel => {
      const el = document.activeElement;
      if (!el || el === document.body) return { match: false };
      const r = el.getBoundingClientRect();
      const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
      const y = Math.min(Math.max(r.top + Math.min(r.height, 20) / 2, 0), innerHeight - 1);
      const top = document.elementFromPoint(x, y);
      return {
        match: el.matches(sel),
        visible: r.bottom > 0 && r.top < innerHeight && r.width > 0 && r.height > 0,
        uncovered: !!top && (top === el || el.contains(top) || top.contains(el) || (el.labels && [...el.labels].some(l => l.contains(top)))),
        what: el.outerHTML.slice(0, 120),
      };
    }, selector);
    if (at.match) {
      assert.ok(at.visible, `the focused element is on screen: ${at.what}`);
      assert.ok(at.uncovered, `the focused element is not hidden under another: ${at.what}`);
      return;
    }
  }
  throw new Error(`${selector} not reached with the keyboard in ${max} presses`);
}

/** Registers a new citizen learner through the form and lands on the course list (of the
 * server at `base`, the journeys' own by default). */
export async function registerLearner(page, username, name = 'Nguyễn Thị Lan', base = BASE) {
  await page.goto(`${base}/register`);
  await page.fill('#display_name', name);
  await page.fill('#username', username);
  await page.fill('#password', 'mat-khau-dai');
  await page.check('#group-citizen');
  await page.check('#consent');
  await Promise.all([page.waitForURL(/\/courses$/), page.click('main button[type="submit"]')]);
}

/** A username no other run of the journeys has used. */
export const unique = (tag = 'hv') => `${tag}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

export async function logout(page) {
  await openMenu(page);
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
}

// The fixture's right answers (tests/fixtures/content), by what each question says.
const RIGHT_CHOICES = [
  'Không đọc mã và gọi lại tổng đài in trên thẻ',
  'Bật xác thực hai bước',
  'Dùng mật khẩu dài',
];

/** Answers every question of a quiz page of the fixture content right, as a learner who studied. */
export async function answer(page) {
  // A tap on a hotspot image saves the form at once (no JavaScript needed), so tap first.
  const hotspot = page.locator('input.hotspot');
  if (await hotspot.count()) {
    await Promise.all([page.waitForNavigation(), hotspot.click({ position: { x: 100, y: 210 } })]);
    assert.ok(await page.locator('main [data-tapped]').count(), 'the tap is saved');
  }
  for (const q of await page.locator('fieldset.question').all()) {
    const text = await q.locator('legend').first().innerText();
    if (text.includes('quét mã QR')) {
      continue;
    } else if (text.includes('Sắp xếp')) {
      for (const [item, pos] of [['Không đọc mã', '1'], ['Cúp máy', '2'], ['Gọi tổng đài in trên thẻ ngân hàng', '3']]) {
        await q.getByLabel(item, { exact: true }).selectOption(pos);
      }
    } else if (text.includes('123456')) {
      await q.getByLabel('Sai', { exact: true }).check();
    } else if (text.includes('định danh')) {
      await q.getByRole('textbox').fill('vneid');
    } else if (text.includes('Ghép số')) {
      for (const [left, right] of [['Công an', '113'], ['Cứu hỏa', '114'], ['Cấp cứu', '115']]) {
        await q.getByLabel(left).selectOption({ label: right });
      }
    } else if (text.includes('số mấy')) {
      await q.getByRole('textbox').fill('113');
    } else {
      for (const label of RIGHT_CHOICES) {
        const box = q.getByLabel(label, { exact: true });
        if (await box.count()) await box.check();
      }
    }
  }
}

