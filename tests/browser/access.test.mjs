// Nobody left behind (issue #14), in a real browser: the English interface end to end (with
// axe-core on every page) and a lesson read aloud. Reading settings and the offline replay are
// covered by the HTTP stories (tests/stories/access.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, visit } from './helpers.mjs';

async function register(page, username) {
  await page.goto(`${BASE}/register`);
  await page.fill('#display_name', 'Nguyễn Thị Lan');
  await page.fill('#username', username);
  await page.fill('#password', 'mat-khau-dai');
  await page.check('#group-citizen');
  await page.check('#consent');
  await Promise.all([page.waitForURL(/\/courses$/), page.click('main button[type="submit"]')]);
}

const unique = () => `hv${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

test('the English interface works end to end', async () => {
  const browser = await launch();
  try {
    const page = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    await page.goto(`${BASE}/`);
    await Promise.all([page.waitForURL(`${BASE}/`), page.click('a[data-lang="en"]')]);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await visit(page, 'en-home');
    await register(page, unique());
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await visit(page, 'en-courses');
    await page.click('main a[href^="/courses/"]');
    await visit(page, 'en-course');
    await page.click('main a[href*="/lessons/"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    // The fixture lesson has no English text: it says so with its own lang.
    assert.equal(await page.getAttribute('#lesson-text', 'lang'), 'vi');
    await visit(page, 'en-lesson');
    await page.goto(`${BASE}/no-such-page`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
  } finally {
    await browser.close();
  }
});

test('a lesson plays its narration', async () => {
  const browser = await launch();
  try {
    const page = await (await browser.newContext()).newPage();
    await register(page, unique());
    // The server narrates the fixture lessons in the background at start.
    let found = false;
    for (let i = 0; i < 60 && !found; i++) {
      await page.goto(`${BASE}/courses/thu-nghiem/lessons/mat-khau`);
      found = (await page.locator('audio#narration').count()) > 0;
      if (!found) await page.waitForTimeout(500);
    }
    assert.ok(found, 'the lesson has its narration (espeak-ng and opus-tools installed)');
    await visit(page, 'lesson-audio');
    const played = await page.evaluate(async () => {
      const a = document.getElementById('narration');
      a.muted = true;
      a.playbackRate = 1.25;
      await a.play();
      await new Promise(r => setTimeout(r, 1200));
      return { time: a.currentTime, duration: a.duration, rate: a.playbackRate };
    });
    assert.ok(played.time > 0.5, `it plays (${played.time}s)`);
    assert.ok(played.duration > 2, `it lasts (${played.duration}s)`);
    assert.equal(await page.isVisible('#narration-speed'), true, 'the speed choice shows with JavaScript');
  } finally {
    await browser.close();
  }
});
