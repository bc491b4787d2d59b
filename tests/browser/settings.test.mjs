// Reading comfort (issue #14) in a real browser, with the keyboard only: a learner reaches the
// settings from the bar on every page, chooses the largest text and high contrast, saves, and
// every page after that (and the same account signed in on another phone) shows them. The
// weekly goal (issue #13) is set the same way and shows on the "Học tiếp" card. Every page
// passes axe-core with the WCAG 2.2 tags (helpers.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, registerLearner, tabTo, unique, visit } from './helpers.mjs';

const rootFontSize = page => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));

test('text size and contrast, chosen with the keyboard only, apply on every page and follow the account', async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const username = unique('st');
    await registerLearner(page, username);
    const normal = await rootFontSize(page);
    assert.match(await page.getAttribute('html', 'class'), /text-0/);

    // From the top of the course list to the settings link, then through the form: Tab, the
    // arrow keys in the radio group, Space on the checkbox, Enter on the button.
    await page.locator('body').focus();
    await tabTo(page, '#settings-link');
    await Promise.all([page.waitForURL(/\/settings\?/), page.keyboard.press('Enter')]);
    await visit(page, 'settings-01-form');
    await tabTo(page, 'input[name="text_size"]');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'text-size-0');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.isChecked('#text-size-2'), true, 'the arrow keys choose "Rất lớn"');
    await tabTo(page, '#contrast');
    await page.keyboard.press('Space');
    assert.equal(await page.isChecked('#contrast'), true);
    await tabTo(page, '#settings-form button[type="submit"]');
    await Promise.all([page.waitForURL(/saved=1/), page.keyboard.press('Enter')]);
    assert.ok(await page.locator('#settings-saved').isVisible());
    await visit(page, 'settings-02-saved');

    const classes = await page.getAttribute('html', 'class');
    assert.match(classes, /text-2/);
    assert.match(classes, /contrast/);
    const large = await rootFontSize(page);
    assert.ok(large >= normal * 1.3, `the text is larger (${normal}px → ${large}px)`);

    // "Quay lại trang trước" goes back to where the learner came from, still large.
    await tabTo(page, '#settings-saved a');
    await Promise.all([page.waitForURL(/\/courses$/), page.keyboard.press('Enter')]);
    for (const path of ['/courses', '/progress', '/tim-kiem', '/hoi-dap', '/offline', '/courses/thu-nghiem/lessons/mat-khau']) {
      await page.goto(`${BASE}${path}`);
      const c = await page.getAttribute('html', 'class');
      assert.match(c, /text-2/, `${path} keeps the text size`);
      assert.match(c, /contrast/, `${path} keeps the contrast`);
      assert.equal(await rootFontSize(page), large, `${path} shows the large text`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 362, `${path} does not scroll sideways at 360 px (${wide} px)`);
    }
    await page.goto(`${BASE}/courses`);
    await visit(page, 'settings-03-courses-large-contrast');
    await page.goto(`${BASE}/courses/thu-nghiem/lessons/mat-khau`);
    await visit(page, 'settings-04-lesson-large-contrast');

    // Another phone (no cookie): signing in brings the settings back from the profile.
    const other = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    await other.goto(`${BASE}/login`);
    assert.match(await other.getAttribute('html', 'class'), /text-0/);
    await other.fill('#username', username);
    await other.fill('#password', 'mat-khau-dai');
    await Promise.all([other.waitForURL(/\/courses/), other.click('main button[type="submit"]')]);
    const restored = await other.getAttribute('html', 'class');
    assert.match(restored, /text-2/, 'the text size follows the account');
    assert.match(restored, /contrast/, 'the contrast follows the account');
  } finally {
    await browser.close();
  }
});

test('a weekly goal set with the keyboard shows its progress on the Học tiếp card', async () => {
  const browser = await launch();
  try {
    const page = await (await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' })).newPage();
    await registerLearner(page, unique('goal'));
    await page.locator('body').focus();
    await tabTo(page, '#weekly-goal a');
    await Promise.all([page.waitForURL(/\/muc-tieu$/), page.keyboard.press('Enter')]);
    await visit(page, 'goal-01-form');
    // Words instead of a number: the message at the form, the text kept.
    await tabTo(page, '#goal-target');
    await page.keyboard.type('hai');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#form-error');
    assert.equal(await page.inputValue('#goal-target'), 'hai');
    assert.equal(await page.getAttribute('#goal-target', 'aria-invalid'), 'true');
    await visit(page, 'goal-02-error');
    await page.fill('#goal-target', '');
    await tabTo(page, '#goal-target');
    await page.keyboard.type('2');
    await tabTo(page, '#goal-form button[type="submit"]');
    await Promise.all([page.waitForURL(/saved=1/), page.keyboard.press('Enter')]);
    assert.equal(await page.locator('#goal-progress').getAttribute('data-done'), '0');
    assert.equal(await page.locator('#goal-progress').getAttribute('data-target'), '2');
    await visit(page, 'goal-03-saved');

    // A lesson read counts on the card.
    await page.goto(`${BASE}/courses/thu-nghiem/lessons/mat-khau`);
    // The lesson page's own address matches /courses/thu-nghiem too: wait until the completion
    // has answered and moved on, or the next goto could cancel the form's request.
    await Promise.all([
      page.waitForURL(u => !u.pathname.endsWith('/lessons/mat-khau')),
      page.locator('form[action$="/complete"] button').click(),
    ]);
    await page.goto(`${BASE}/courses`);
    const card = page.locator('#weekly-goal');
    assert.equal(await card.getAttribute('data-done'), '1');
    assert.equal(await card.getAttribute('data-target'), '2');
    assert.equal(await card.locator('progress').getAttribute('value'), '50');
    await visit(page, 'goal-04-card');
  } finally {
    await browser.close();
  }
});
