// Time to first render of a lesson page on an emulated slow 3G link, in Debian's headless
// Chromium (driven by playwright-core from tests/browser). Run by scripts/slow-3g.sh, which
// starts the server; see docs/performance.md for the method and the figures.
//
// The link: Chromium's network emulation through the DevTools protocol
// (Network.emulateNetworkConditions): DOWN_KBIT down, UP_KBIT up, RTT_MS added to every
// request. Three views of the same lesson, ROUNDS times each
// in fresh browser contexts, medians printed:
//   first visit  — a fresh browser context (empty HTTP cache), no service worker: HTML,
//                  stylesheet, scripts, images;
//   repeat view  — the same page again in the same context: the HTTP cache holds the
//                  stylesheet and scripts (max-age), the page itself is fetched again;
//   offline      — the course downloaded ("Tải khóa học…"), then the network cut: the
//                  service worker answers from its cache.
// The first two run with service workers blocked, because page-level emulation does not slow
// a service worker's own fetches (it would make the repeat view look faster than a phone
// would see it).
import { chromium } from '../tests/browser/node_modules/playwright-core/index.mjs';

const BASE = process.env.BASE_URL;
const TOKEN = process.env.SESSION_TOKEN;
const LESSON = process.env.LESSON; // course/lesson
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const DOWN = Number(process.env.DOWN_KBIT ?? 400);
const UP = Number(process.env.UP_KBIT ?? 400);
const RTT = Number(process.env.RTT_MS ?? 400);
const [course, lesson] = LESSON.split('/');
const url = `${BASE}/courses/${course}/lessons/${lesson}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function context(serviceWorkers) {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers });
  const { hostname } = new URL(BASE);
  await ctx.addCookies([{ name: 'hvs_session', value: TOKEN, domain: hostname, path: '/' }]);
  return ctx;
}

async function throttle(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: RTT,
    downloadThroughput: (DOWN * 1000) / 8,
    uploadThroughput: (UP * 1000) / 8,
  });
  return cdp;
}

/** Loads the lesson and reads the page's own timings (ms from navigation start). */
async function measure(page) {
  await page.goto(url, { waitUntil: 'load', timeout: 120000 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const paint = Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime]));
    const res = performance.getEntriesByType('resource');
    return {
      ttfb: nav.responseStart,
      fcp: paint['first-contentful-paint'] ?? NaN,
      dcl: nav.domContentLoadedEventEnd,
      load: nav.loadEventEnd,
      bytes: nav.transferSize + res.reduce((a, r) => a + (r.transferSize || 0), 0),
      requests: 1 + res.filter(r => r.transferSize > 0).length,
    };
  });
}

const median = xs => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const rows = { 'first visit': [], 'repeat view': [], 'offline (service worker)': [] };

for (let i = 0; i < ROUNDS; i++) {
  const ctx = await context('block');
  const page = await ctx.newPage();
  await throttle(page);
  rows['first visit'].push(await measure(page));
  rows['repeat view'].push(await measure(page));
  await ctx.close();

  // Offline: download the course at full speed, then cut the network.
  const off = await context('allow');
  const p = await off.newPage();
  await p.goto(`${BASE}/courses/${course}`);
  await p.evaluate(() => navigator.serviceWorker.ready);
  await p.reload();
  await p.locator('#offline-download button').click();
  await p.waitForFunction(() => {
    const s = document.getElementById('offline-status');
    return s && s.textContent === document.getElementById('offline-download').getAttribute('data-done');
  }, null, { timeout: 60000 });
  await off.setOffline(true);
  rows['offline (service worker)'].push(await measure(p));
  await off.close();
}
await browser.close();

const f = n => (Number.isFinite(n) ? Math.round(n).toString() : '—');
console.log(`lesson ${LESSON}, ${DOWN} kbit/s down, ${UP} kbit/s up, ${RTT} ms RTT, ${ROUNDS} rounds (medians)`);
console.log('| view | first byte ms | first contentful paint ms | DOMContentLoaded ms | load ms | bytes transferred | requests |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, rs] of Object.entries(rows)) {
  const m = k => median(rs.map(r => r[k]));
  console.log(`| ${name} | ${f(m('ttfb'))} | ${f(m('fcp'))} | ${f(m('dcl'))} | ${f(m('load'))} | ${f(m('bytes'))} | ${f(m('requests'))} |`);
}
