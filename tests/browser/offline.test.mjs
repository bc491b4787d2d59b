// Offline on a cheap phone (issue #14), in a real browser: the service worker registers and
// controls the pages, a learner downloads a course, the network goes away (Chromium's network
// emulation through the DevTools protocol: Playwright's `setOffline` sends
// Network.emulateNetworkConditions to the page and to the service worker), the downloaded
// lessons still open while a page that was not downloaded shows the offline page, a lesson
// marked read offline is queued, and when the network returns it reaches the server once: the
// course shows it read, and the same queued request sent again counts nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, registerLearner, unique, visit } from './helpers.mjs';

const COURSE = 'thu-nghiem';

/** What waits in the service worker's queue (the completions made offline). */
const queued = page => page.evaluate(async () => {
  const q = await caches.open('hv-queue');
  const out = [];
  for (const r of await q.keys()) out.push(await (await q.match(r)).json());
  return out;
});

test('a downloaded course opens offline and a completion made offline reaches the server once', async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
    const page = await context.newPage();
    await registerLearner(page, unique('off'));

    // The service worker registers from any page and takes control.
    await page.goto(`${BASE}/courses/${COURSE}`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true, 'the page is controlled by the service worker');
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller.scriptURL), `${BASE}/sw.js`);

    // "Tải khóa học để học khi mất mạng": the box shows only with the script, and says when it is done.
    const box = page.locator('#offline-download');
    assert.equal(await box.isVisible(), true);
    await box.locator('button').click();
    await page.waitForFunction(() => {
      const s = document.getElementById('offline-status');
      return s && s.textContent === document.getElementById('offline-download').getAttribute('data-done');
    }, null, { timeout: 30000 });
    await visit(page, 'offline-01-downloaded');
    const stored = await page.evaluate(async c => (await (await caches.open(`hv-course-${c}`)).keys()).map(r => new URL(r.url).pathname), COURSE);
    assert.ok(stored.includes(`/courses/${COURSE}/lessons/mat-khau`), `the lesson is stored: ${stored}`);

    // The page that lists what is stored, with its size.
    await page.goto(`${BASE}/offline`);
    await page.waitForSelector(`#offline-stored [data-remove="${COURSE}"]`);
    assert.match(await page.locator('#offline-stored').innerText(), /KB/);
    await visit(page, 'offline-02-stored');

    // The network goes away.
    await context.setOffline(true);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    assert.equal(await page.evaluate(() => navigator.onLine), false);

    await page.goto(`${BASE}/courses/${COURSE}/lessons/mat-khau`);
    assert.match(await page.locator('h1').innerText(), /\S/, 'the downloaded lesson opens offline');
    assert.equal(await page.locator('#lesson-text').count(), 1);
    await visit(page, 'offline-03-lesson-offline');
    // A page that was not downloaded: the offline page, not the browser's error.
    await page.goto(`${BASE}/certificates`);
    assert.equal(new URL(page.url()).pathname, '/certificates');
    assert.equal(await page.locator('#offline-stored').count(), 1, 'the offline page answers');

    // Marking the lesson read offline: queued, with an idempotency key.
    await page.goto(`${BASE}/courses/${COURSE}/lessons/mat-khau`);
    await page.locator(`form[action$="/lessons/mat-khau/complete"] button`).click();
    await page.waitForURL(/\/offline/);
    const waiting = await queued(page);
    assert.equal(waiting.length, 1, 'one completion waits');
    assert.match(waiting[0].body, /replay_key=[0-9a-f-]{36}/);
    await page.waitForFunction(() => /1/.test(document.getElementById('offline-queued')?.textContent ?? ''));
    await visit(page, 'offline-04-queued');

    // Back online: the queue is sent (on the `online` event, and on every page load).
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await context.setOffline(false);
    let left = 1;
    for (let i = 0; i < 40 && left > 0; i++) {
      await page.goto(`${BASE}/offline`);
      await page.waitForTimeout(250);
      left = (await queued(page)).length;
    }
    assert.equal(left, 0, 'the queue is empty once the server has the completion');
    await page.goto(`${BASE}/courses/${COURSE}/lessons/mat-khau`);
    assert.match(await page.locator('main .notice.success').innerText(), /✓/, 'the server counted the lesson read');

    // The same request again (a phone that lost the answer and sent it twice): counted nothing.
    const again = await page.evaluate(async item => {
      const r = await fetch(item.url, { method: 'POST', body: item.body, credentials: 'same-origin', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      return { status: r.status, path: new URL(r.url).pathname };
    }, waiting[0]);
    assert.equal(again.status, 200);
    assert.equal(again.path, `/courses/${COURSE}`, 'a replayed key is answered as done without counting again');
  } finally {
    await browser.close();
  }
});
