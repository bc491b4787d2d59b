// Issue 18's journeys on a cheap phone (360×740) with the text at 200%: a keyboard-only learner
// answers a hotspot question from its list of places, a number typed with words comes back with
// the error at the field and the answer kept, and a placement check ends with the lessons that
// may be skipped. Every page passes axe-core (helpers.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, answer, launch, menuLink, visit } from './helpers.mjs';

const PASSWORD = 'mot cau mat khau dai';

/** A phone with the browser's text size doubled (Chromium's font-size setting, as a person
 * who needs large text sets it), and a new learner signed in. */
async function largeTextLearner(browser, tag) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
  await page.goto(`${BASE}/register`);
  await page.getByLabel('Họ và tên *').fill('Lê Thị Hoa');
  await page.getByLabel('Tên đăng nhập *').fill(`ux${tag}${Date.now()}`);
  await page.getByLabel('Mật khẩu *').fill(PASSWORD);
  await page.getByLabel(/Người dân/).check();
  await page.getByLabel(/Tôi đã đọc và đồng ý/).check();
  await page.getByRole('button', { name: 'Đăng ký' }).click();
  await page.waitForURL(`${BASE}/courses`);
  return page;
}

/** Nothing may scroll sideways at 360 px: WCAG 1.4.10 (tables scroll in their own box). */
async function noSidewaysScroll(page, name) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 362, `${name} is ${wide} px wide`);
}

/** Starts the final quiz of the review course until its paper has a question whose fieldset
 * matches `selector`; papers without one are submitted empty (through the confirmation). */
async function startUntil(page, selector) {
  for (let i = 0; i < 25; i++) {
    await page.goto(`${BASE}/courses/on-tap`);
    await page.locator('form[action$="/quizzes/cuoi-lo-trinh/start"] button').click();
    await page.waitForURL(/\/attempts\/[0-9a-f]+$/);
    if (await page.locator(selector).count()) return;
    await page.getByRole('button', { name: 'Nộp bài', exact: true }).click();
    await page.locator('#confirm-submit').click();
    await page.waitForURL(/\/attempts\/[0-9a-f]+$/);
  }
  throw new Error(`no paper with ${selector}`);
}

test('a keyboard-only learner answers a hotspot question from its list of places', async () => {
  const browser = await launch();
  try {
    const page = await largeTextLearner(browser, 'kb');
    await visit(page, 'ux-01-courses-large-text');
    await noSidewaysScroll(page, 'the course list');
    await startUntil(page, 'fieldset[data-type="hotspot"]');
    await visit(page, 'ux-02-quiz-hotspot');
    const places = page.locator('fieldset.places input[type="radio"]');
    assert.equal(await places.count(), 2);
    // The image is out of the tab order; the places are the keyboard's way.
    assert.equal(await page.locator('input.hotspot').getAttribute('tabindex'), '-1');
    await places.first().focus();
    await page.keyboard.press('ArrowDown'); // the second place: "Nút Quét QR (ở dưới)"
    await page.keyboard.press('Enter'); // the form's default button saves
    await page.waitForURL(/#saved$/);
    assert.equal(await places.nth(1).isChecked(), true, 'the choice is kept');
    await page.getByRole('button', { name: 'Nộp bài', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#unanswered');
    await visit(page, 'ux-03-unanswered');
    await page.locator('#confirm-submit').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#result-summary');
    await visit(page, 'ux-04-result');
    await noSidewaysScroll(page, 'the result page');
    assert.equal(await page.locator('li[id^="r-"][data-correct="true"]').count() >= 1, true);
    assert.ok(await page.locator('#retake').count(), 'Làm lại');
  } finally {
    await browser.close();
  }
});

test('a number typed with words comes back with the error at the field and the answer kept', async () => {
  const browser = await launch();
  try {
    const page = await largeTextLearner(browser, 'num');
    await startUntil(page, 'fieldset[data-type="numerical"]');
    const field = page.locator('fieldset[data-type="numerical"] input');
    await field.fill('12 số');
    await page.getByRole('button', { name: 'Nộp bài', exact: true }).click();
    await page.waitForSelector('#form-error');
    await visit(page, 'ux-05-number-error');
    assert.equal(await field.inputValue(), '12 số');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
  } finally {
    await browser.close();
  }
});

test('a placement check ends with the list of lessons that may be skipped', async () => {
  const browser = await launch();
  try {
    const page = await largeTextLearner(browser, 'pl');
    await page.locator('form[action$="/quizzes/dau-vao/start"] button').click();
    await page.waitForURL(/\/attempts\/[0-9a-f]+$/);
    await visit(page, 'ux-06-placement');
    assert.equal(await page.locator('[data-mode="placement"]').count(), 1);
    await answer(page);
    await page.getByRole('button', { name: 'Nộp bài', exact: true }).click();
    await page.waitForSelector('#placement-result');
    await visit(page, 'ux-07-placement-result');
    assert.ok(await page.locator('#skippable [data-lesson="ma-otp"]').count(), 'the OTP lesson may be skipped');
    await menuLink(page, 'Tiến độ');
    await visit(page, 'ux-08-progress-cards');
    await noSidewaysScroll(page, 'the progress page');
  } finally {
    await browser.close();
  }
});
