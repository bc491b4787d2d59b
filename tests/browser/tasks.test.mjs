// Practice tasks ("Thực hành", issue #11) in the browser, on a phone-sized screen: the fixture
// course's task (tests/fixtures/content/courses/thu-nghiem/tasks/01-tra-tien-qr.toml: one step
// of each kind) played end to end with a wrong tap and a wrong order first (feedback, the same
// step again), with JavaScript on and with JavaScript off; and once more with the keyboard only
// and the text at 200%. Every page passes axe-core; screenshots land in screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { BASE, checkAccessibility, launch, t, visit } from './helpers.mjs';

const PASSWORD = 'mot cau mat khau dai';
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
const ATTEMPT = /\/task-attempts\/[0-9a-f-]+(#step)?$/;

/** A new citizen on a 360×740 phone, signed in (registration signs in). */
async function learner(browser, tag, { javaScriptEnabled = true, largeText = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN', javaScriptEnabled });
  const page = await context.newPage();
  if (largeText) {
    // The browser's text size doubled, as a person who needs large text sets it.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
  }
  await page.goto(`${BASE}/register`);
  await page.getByLabel('Họ và tên *').fill('Trần Văn Bình');
  await page.getByLabel('Tên đăng nhập *').fill(`th${tag}${Date.now()}`);
  await page.getByLabel('Mật khẩu *').fill(PASSWORD);
  await page.getByLabel(/Người dân/).check();
  await page.getByLabel(/Tôi đã đọc và đồng ý/).check();
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Đăng ký' }).click()]);
  assert.equal(new URL(page.url()).pathname, '/courses');
  return { context, page };
}

/**
 * axe-core runs as a script in the page, which a page without JavaScript cannot run: the page
 * as served (its scripts removed, its stylesheets kept) is checked in a second tab that may run
 * scripts. With JavaScript on, the page itself is checked.
 */
async function check(page, name, javaScriptEnabled) {
  if (javaScriptEnabled) return visit(page, name);
  const html = (await page.content())
    .replace(/<script\b[\s\S]*?<\/script>/gi, '')
    .replace(/<head>/i, `<head><base href="${BASE}/">`);
  const browser = page.context().browser();
  const checker = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
  try {
    const copy = await checker.newPage();
    await copy.goto(`${BASE}/healthz`);
    await copy.setContent(html, { waitUntil: 'load' });
    await checkAccessibility(copy, name);
  } finally {
    await checker.close();
  }
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${process.env.DB ?? 'db'}-${name}.png`, fullPage: true });
}

/** Submits a step's form by clicking `control` and waits for the page the server answers with. */
async function send(page, control) {
  await Promise.all([page.waitForNavigation(), control.click()]);
  assert.match(page.url(), ATTEMPT);
}

const mainText = page => page.locator('main').innerText();
/** The step a page shows, from its heading's data: "1/4". */
const stepOf = async page => {
  const h = page.locator('#step');
  return `${await h.getAttribute('data-step')}/${await h.getAttribute('data-steps')}`;
};
/** How the last answer fared (right or wrong), from its feedback's data. */
const feedbackOf = page => page.locator('main .feedback[data-result]').getAttribute('data-result');
/** A finished task's result, from its data: "passed 4/4" or "failed 2/4". */
const resultOf = async page => {
  const r = page.locator('#task-result');
  return `${await r.getAttribute('data-result')} ${await r.getAttribute('data-right')}/${await r.getAttribute('data-steps')}`;
};

for (const javaScriptEnabled of [true, false]) {
  const tag = javaScriptEnabled ? 'js' : 'nojs';
  test(`a citizen plays a practice task (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const browser = await launch();
    try {
      const { page } = await learner(browser, tag, { javaScriptEnabled });
      // The browser really runs (or does not run) a page's scripts (on a blank page: the site's
      // Content-Security-Policy rightly refuses inline scripts).
      await page.goto('about:blank');
      await page.setContent('<p id="ran">no</p><script>document.getElementById("ran").textContent = "yes";</script>');
      assert.equal(await page.locator('#ran').innerText(), javaScriptEnabled ? 'yes' : 'no');

      await page.goto(`${BASE}/courses/thu-nghiem`);
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Trả tiền bằng mã QR' }).click()]);
      await check(page, `task-01-intro-${tag}`, javaScriptEnabled);
      assert.ok((await mainText(page)).includes(t('task.pass_rule', { pass: 75 })), 'the pass rule');
      await send(page, page.getByRole('button', { name: 'Bắt đầu thực hành' }));
      await check(page, `task-02-tap-${tag}`, javaScriptEnabled);
      assert.match(await stepOf(page), /^1\//);

      // A tap on the wrong widget: its feedback, and the same step again.
      await send(page, page.getByRole('button', { name: 'Chuyển tiền' }));
      assert.equal(await feedbackOf(page), 'wrong');
      assert.match(await mainText(page), /Tìm nút “Quét mã QR”/);
      await check(page, `task-03-wrong-tap-${tag}`, javaScriptEnabled);
      await send(page, page.getByRole('button', { name: 'Quét mã QR' }));
      assert.equal(await feedbackOf(page), 'right');

      // Type into the field.
      await page.getByLabel('Số tiền (đồng)').fill('85.000');
      await check(page, `task-04-type-${tag}`, javaScriptEnabled);
      await send(page, page.getByRole('button', { name: 'Gửi' }));

      // Choose an option.
      await page.getByLabel('Không xác nhận, hỏi lại chủ quán').check();
      await check(page, `task-05-choose-${tag}`, javaScriptEnabled);
      await send(page, page.getByRole('button', { name: 'Gửi' }));

      // Order the steps: wrong first (confirm before checking the name), then right.
      const order = async ranks => {
        for (const [item, pos] of ranks) await page.getByLabel(item, { exact: true }).selectOption(pos);
        await send(page, page.getByRole('button', { name: 'Gửi' }));
      };
      await order([['Quét mã', '1'], ['Xác nhận', '2'], ['Kiểm tra tên người nhận', '3']]);
      assert.equal(await feedbackOf(page), 'wrong');
      assert.match(await mainText(page), /Quét mã, kiểm tra tên, rồi mới xác nhận/);
      await check(page, `task-06-wrong-order-${tag}`, javaScriptEnabled);
      await order([['Quét mã', '1'], ['Kiểm tra tên người nhận', '2'], ['Xác nhận', '3']]);

      // Two of four steps right at the first try: 50%, under the task's 75%. Finished, not
      // passed; the learner may start again.
      assert.equal(await resultOf(page), 'failed 2/4');
      await check(page, `task-07-result-${tag}`, javaScriptEnabled);
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Làm lại từ đầu' }).click()]);
      await check(page, `task-08-again-${tag}`, javaScriptEnabled);
      assert.equal(await page.locator('main li[data-result="failed"]').count(), 1, 'the past attempt is listed');
      await send(page, page.getByRole('button', { name: 'Làm lại từ đầu' }));
      assert.match(await stepOf(page), /^1\//);
    } finally {
      await browser.close();
    }
  });
}

test('a keyboard-only learner with large text passes a practice task', async () => {
  const browser = await launch();
  try {
    const { page } = await learner(browser, 'kb', { largeText: true });
    await page.goto(`${BASE}/courses/thu-nghiem/tasks/tra-tien-qr`);
    await visit(page, 'task-kb-01-intro');
    const noSidewaysScroll = async name => {
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 362, `${name} is ${wide} px wide`);
    };
    await noSidewaysScroll('the task page');

    /** Tabs from the top of the page until `locator` has the focus (at most 40 presses). */
    const tabTo = async locator => {
      await page.locator('body').focus();
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if (await locator.evaluate(el => el === document.activeElement)) return;
      }
      throw new Error(`Tab never reaches ${locator}`);
    };
    const pressAndWait = async key => {
      await Promise.all([page.waitForNavigation(), page.keyboard.press(key)]);
    };

    await tabTo(page.getByRole('button', { name: 'Bắt đầu thực hành' }));
    await pressAndWait('Enter');
    await visit(page, 'task-kb-02-tap');
    await noSidewaysScroll('the tap step');
    // Every widget is a button the keyboard reaches; the focused one is visibly outlined.
    const qr = page.getByRole('button', { name: 'Quét mã QR' });
    await tabTo(qr);
    const outline = await qr.evaluate(el => getComputedStyle(el).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused widget shows its focus');
    await pressAndWait('Enter');
    assert.equal(await feedbackOf(page), 'right');

    // After an answer the page opens at the step (#step), and the field is reached by Tab.
    const field = page.getByLabel('Số tiền (đồng)');
    await tabTo(field);
    await page.keyboard.type('85000');
    await visit(page, 'task-kb-03-type');
    await noSidewaysScroll('the type step');
    await pressAndWait('Enter');

    const option = page.getByLabel('Không xác nhận, hỏi lại chủ quán');
    const first = page.locator('input[name="choice"]').first();
    await tabTo(first);
    // Arrow keys move within a radio group and select; the right option is the second.
    await page.keyboard.press('ArrowDown');
    assert.equal(await option.isChecked(), true);
    await visit(page, 'task-kb-04-choose');
    await pressAndWait('Enter');

    // Order: each item's position chosen from its list with the keyboard.
    for (const [item, rank] of [['Kiểm tra tên người nhận', '2'], ['Quét mã', '1'], ['Xác nhận', '3']]) {
      const select = page.getByLabel(item, { exact: true });
      await tabTo(select);
      await page.keyboard.press(rank); // a focused list picks the option its typed text starts
      assert.equal(await select.inputValue(), rank, item);
    }
    await visit(page, 'task-kb-05-order');
    await noSidewaysScroll('the order step');
    await tabTo(page.getByRole('button', { name: 'Gửi' }));
    await pressAndWait('Enter');

    assert.equal(await resultOf(page), 'passed 4/4');
    await visit(page, 'task-kb-06-result');
    await noSidewaysScroll('the result page');
  } finally {
    await browser.close();
  }
});

// Every practice task of the bundled content (content/courses/*/tasks), on the second server
// run.sh starts, played right through the pages as a learner who studied would (the answers come
// from the task files: TASK_KEYS), with JavaScript on (every step page checked by axe-core) and
// off (the same pages; their HTML does not depend on scripts).
const KEYS = process.env.TASK_KEYS ? JSON.parse(readFileSync(process.env.TASK_KEYS, 'utf8')) : null;
const BUNDLED = process.env.BUNDLED_URL;

for (const javaScriptEnabled of [true, false]) {
  const tag = javaScriptEnabled ? 'js' : 'nojs';
  test(`every bundled practice task is played through in the pages (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`,
    { skip: !KEYS || !BUNDLED ? 'run.sh starts the server with the bundled content' : false }, async () => {
      assert.ok(KEYS.length >= 12, `${KEYS.length} bundled tasks`);
      const browser = await launch();
      try {
        const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN', javaScriptEnabled });
        const page = await context.newPage();
        await page.goto(`${BUNDLED}/register`);
        await page.getByLabel('Họ và tên *').fill('Phạm Thị Thu');
        await page.getByLabel('Tên đăng nhập *').fill(`tatca${tag}${Date.now()}`);
        await page.getByLabel('Mật khẩu *').fill(PASSWORD);
        await page.getByLabel(/Người dân/).check();
        await page.getByLabel(/Tôi đã đọc và đồng ý/).check();
        await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Đăng ký' }).click()]);

        for (const { course, task, title, steps } of KEYS) {
          await page.goto(`${BUNDLED}/courses/${course}`);
          await Promise.all([page.waitForNavigation(), page.locator(`a[href="/courses/${course}/tasks/${task}"]`).first().click()]);
          assert.equal(await page.locator('h1').innerText(), title);
          await send(page, page.getByRole('button', { name: 'Bắt đầu thực hành' }));
          for (const [i, step] of steps.entries()) {
            assert.equal(await stepOf(page), `${i + 1}/${steps.length}`, `${course}/${task}`);
            if (javaScriptEnabled) await visit(page, `bundled-${course}-${task}-${i + 1}`);
            const form = page.locator('form[action$="/answer"]');
            if (step.kind === 'tap') {
              await send(page, form.locator(`button[name="tap"][value="${step.value}"]`));
              continue;
            }
            if (step.kind === 'type') await form.locator('input[name="text"]').fill(step.value);
            if (step.kind === 'choose') await form.locator(`input[name="choice"][value="${step.value}"]`).check();
            if (step.kind === 'order') {
              for (const [p, rank] of step.value.entries()) await form.locator(`select[name="rank:${p}"]`).selectOption(rank);
            }
            await send(page, page.getByRole('button', { name: 'Gửi' }));
          }
          assert.equal(await resultOf(page), `passed ${steps.length}/${steps.length}`, `${course}/${task}: ${await mainText(page)}`);
        }
        if (javaScriptEnabled) await visit(page, 'bundled-last-result');
      } finally {
        await browser.close();
      }
    });
}
