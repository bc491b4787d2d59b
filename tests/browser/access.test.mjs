// Nobody left behind (issue #14), in a real browser: reading settings across pages, the English
// interface, a lesson read aloud, and a course downloaded for offline use whose completion,
// made offline, reaches the server when the network comes back.
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

test('text size and contrast apply across pages, at 360 px with no sideways scrolling', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await register(page, unique());
    await page.click('#settings-link');
    await page.check('#text-size-2');
    await page.check('#contrast');
    await page.check('#spacing');
    await Promise.all([page.waitForURL(/\/settings\?saved=1/), page.click('#settings-form button[type="submit"]')]);
    await visit(page, 'settings-saved');
    for (const path of ['/courses', '/progress', '/certificates', '/profile', '/offline']) {
      await page.goto(`${BASE}${path}`);
      const cls = await page.evaluate(() => document.documentElement.className);
      assert.equal(cls, 'text-2 contrast spacious', path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${path} scrolls sideways by ${overflow}px at the largest text`);
      await visit(page, `large-text${path.replaceAll('/', '-')}`);
    }
    // Keyboard only: the settings are reachable and usable without a pointer.
    await page.goto(`${BASE}/courses`);
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'settings-link');
    }
    assert.ok(reached, 'the settings link is reached with Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/settings/);
    await page.focus('#text-size-0');
    await page.keyboard.press('Space');
    await page.focus('#settings-form button[type="submit"]');
    await Promise.all([page.waitForURL(/saved=1/), page.keyboard.press('Enter')]);
    assert.match(await page.evaluate(() => document.documentElement.className), /^text-0/);
  } finally {
    await browser.close();
  }
});

test('the English interface works end to end', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
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
    const page = await browser.newPage();
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

test('a downloaded course opens offline and an offline completion reaches the server once', async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await register(page, unique());
    await page.goto(`${BASE}/courses/thu-nghiem`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null || document.readyState === 'complete');
    await page.reload(); // the service worker now controls the page
    await page.waitForSelector('#offline-download:not([hidden])');
    await page.click('#offline-download button');
    const done = await page.getAttribute('#offline-download', 'data-done');
    await page.waitForFunction(t => document.getElementById('offline-status').textContent === t, done, { timeout: 30000 });

    await context.setOffline(true);
    await page.goto(`${BASE}/courses/thu-nghiem/lessons/ma-otp`);
    assert.ok(await page.locator('#lesson-text').count(), 'the lesson opens offline');
    await Promise.all([
      page.waitForURL(/\/offline\?queued=1/),
      page.click('form[action$="/ma-otp/complete"] button'),
    ]);
    assert.ok(await page.locator('#offline-queued-notice').count());
    await page.goto(`${BASE}/offline`);
    await page.waitForSelector('#offline-stored li');
    await visit(page, 'offline-stored');

    await context.setOffline(false);
    await page.goto(`${BASE}/offline`); // the page asks the service worker to send the queue
    await page.waitForFunction(async () => {
      const q = await caches.open('hv-queue');
      return (await q.keys()).length === 0;
    }, null, { timeout: 20000 });
    await page.goto(`${BASE}/courses/thu-nghiem`);
    const row = page.locator('a[href$="/lessons/ma-otp"]').locator('..');
    assert.match(await row.innerText(), /✓/, 'the completion reached the server');

    // Removing the stored course frees the space.
    await page.goto(`${BASE}/offline`);
    await page.click('#offline-stored button[data-remove="thu-nghiem"]');
    await page.waitForSelector('#offline-empty:not([hidden])');
  } finally {
    await browser.close();
  }
});
