// Every page of the crawl is accessible (issue #14: "axe-core with WCAG 2.2 tags is clean on
// every page of the crawl, as learner, instructor, manager and administrator"). For each role,
// a phone-sized browser (360×740) signs in, starts at the home page and follows every
// same-origin link it finds (GET only), one page per kind of address (ids folded together), up
// to a bound; each page gets axe-core with the WCAG 2.0–2.2 A/AA tags, and the text at 200%
// must not make it scroll sideways (WCAG 1.4.4, 1.4.10). Each role also submits one form with
// errors, so the error state is checked too. The learner's crawl runs again in English.
//
// Not followed: signing out, the language switch (it changes the preference; the English
// crawl uses it once on purpose), downloads and exports, media, the API, and the studio's
// course pages (opening one makes a draft, and run.sh's content folder is inside this
// checkout's work tree, which the studio refuses; studio.test.mjs checks every studio page
// with axe on a server of its own). The staff are the accounts `hocvuso dev seed` made in
// run.sh; the learners register through the form, as people do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { BASE, WCAG_TAGS, launch, registerLearner, unique } from './helpers.mjs';

const PASSWORD = 'mat-khau-dai';
/** Pages per crawl: enough for every kind of page a role reaches, small enough for CI. */
const MAX_PAGES = Number(process.env.CRAWL_MAX_PAGES ?? 36);
const ORIGIN = new URL(BASE).origin;

const SKIP = [
  /^\/logout/, /^\/language\//, /^\/login\/oidc/, /^\/api\//, /^\/\.well-known\//, /^\/keys\//,
  /^\/credentials\//, /^\/static\//, /^\/media\//, /^\/audio\//, /^\/metrics/, /^\/healthz/,
  /^\/readyz/, /^\/sw\.js/, /^\/manifest/, /^\/studio\/courses\//,
  /\/(pdf|credential|export|download|offline\.json)(\/|$)/,
  /\.(pdf|csv|xlsx|json|jsonl|zip|svg|png|jpe?g|webp|gif|opus|ogg|mp3|mp4|webm|vtt|js|css|webmanifest|xml)$/i,
];
const SKIP_QUERY = /(^|&)(format|download|export)=/;

/** One address per kind of page: numbers (ids, page numbers) folded, the fragment dropped. */
function shape(url) {
  const u = new URL(url);
  const params = [...u.searchParams.keys()].sort().join('&');
  // A quiz's statistics page is the same page for every quiz: one is enough.
  const path = u.pathname.replace(/\d+/g, 'N').replace(/\/quizzes\/[^/]+\/statistics$/, '/quizzes/Q/statistics');
  return `${path}?${params}`;
}

function followable(href) {
  let u;
  try {
    u = new URL(href);
  } catch {
    return null;
  }
  if (u.origin !== ORIGIN) return null;
  if (SKIP.some(r => r.test(u.pathname)) || SKIP_QUERY.test(u.search.slice(1))) return null;
  u.hash = '';
  return u.href;
}

/** axe-core and the 200% text check on the page as it is; the problems found, in words. */
async function check(page, name) {
  const problems = [];
  const result = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  for (const v of result.violations) {
    problems.push(`${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
  }
  const overflow = await page.evaluate(() => {
    document.documentElement.style.fontSize = '200%';
    const px = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    const wide = px > 1
      ? [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(-3).map(e => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '') + (e.className && typeof e.className === 'string' ? `.${e.className.split(' ').join('.')}` : ''))
      : [];
    document.documentElement.style.fontSize = '';
    return { px, wide };
  });
  if (overflow.px > 1) {
    problems.push(`${name}: scrolls sideways by ${overflow.px}px with the text at 200% (${overflow.wide.join(', ')})`);
  }
  return problems;
}

/** Follows links breadth-first from the home page; returns the pages seen and the problems. */
async function crawl(page, role, { lang = 'vi', extra = [], max = MAX_PAGES } = {}) {
  const queue = [`${BASE}/`, ...extra.map(p => `${BASE}${p}`)];
  const seen = new Set();
  const visited = [];
  const problems = [];
  while (queue.length && visited.length < max) {
    const url = queue.shift();
    const key = shape(url);
    if (seen.has(key)) continue;
    seen.add(key);
    const response = await page.goto(url, { waitUntil: 'load' }).catch(e => e);
    if (response instanceof Error || !response) {
      problems.push(`${role} ${url}: did not open (${response?.message ?? 'no response'})`);
      continue;
    }
    if (!(response.headers()['content-type'] ?? '').startsWith('text/html')) continue;
    // A redirect (the home page to the course list) lands on a page that may be seen already.
    if (page.url() !== url) {
      if (seen.has(shape(page.url()))) continue;
      seen.add(shape(page.url()));
    }
    const path = new URL(page.url()).pathname + new URL(page.url()).search;
    visited.push(path);
    if (response.status() >= 400) problems.push(`${role} ${path}: a link leads to ${response.status()}`);
    const htmlLang = await page.getAttribute('html', 'lang');
    if (htmlLang !== lang) problems.push(`${role} ${path}: lang="${htmlLang}", expected ${lang}`);
    problems.push(...await check(page, `${role} ${path}`));
    const hrefs = await page.$$eval('a[href]:not([download])', as => as.map(a => a.href));
    for (const href of hrefs) {
      const next = followable(href);
      if (next && !seen.has(shape(next))) queue.push(next);
    }
  }
  return { visited, problems };
}

/**
 * Submits a form of `path` with its fields emptied (and the browser's own checks off, so the
 * server answers), then checks the error state it shows: an alert or a field's error, and
 * axe-core on it.
 */
async function submitWithErrors(page, role, path, form) {
  await page.goto(`${BASE}${path}`);
  await page.evaluate(form => {
    const f = document.querySelector(form);
    f.noValidate = true;
    for (const el of f.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]), textarea')) {
      el.value = '';
    }
  }, form);
  await Promise.all([
    page.waitForNavigation(),
    page.locator(`${form} button[type="submit"], ${form} button:not([type])`).first().click(),
  ]);
  const path2 = new URL(page.url()).pathname;
  const shown = await page.locator('[role="alert"], .field-error, [aria-invalid="true"]').count();
  const problems = shown ? [] : [`${role} ${path2}: the form sent with errors shows no error`];
  return [...problems, ...await check(page, `${role} ${path2} (errors)`)];
}

async function phone(browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
  return context.newPage();
}

async function login(page, username) {
  await page.goto(`${BASE}/login`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/\/(courses|dashboard|studio|instructor|admin)?$/), page.click('main button[type="submit"]')]);
}

function report(role, { visited, problems }) {
  console.log(`${role}: ${visited.length} pages\n  ${visited.join('\n  ')}`);
  return problems;
}

test('every page of the crawl is accessible, as learner, instructor, manager and administrator', async () => {
  const browser = await launch();
  const problems = [];
  try {
    const learner = await phone(browser);
    await registerLearner(learner, unique('crawl'));
    problems.push(...report('learner', await crawl(learner, 'learner', { extra: ['/tim-kiem?q=mat+khau', '/settings', '/muc-tieu'] })));
    problems.push(...await submitWithErrors(learner, 'learner', '/account', 'form[action="/account/password"]'));

    const english = await phone(browser);
    await english.goto(`${BASE}/`);
    await Promise.all([english.waitForURL(`${BASE}/`), english.click('a[data-lang="en"]')]);
    await registerLearner(english, unique('crawlen'));
    problems.push(...report('learner (English)', await crawl(english, 'learner-en', { lang: 'en', extra: ['/tim-kiem?q=otp'], max: 20 })));

    const instructor = await phone(browser);
    await login(instructor, 'giang.vien');
    problems.push(...report('instructor', await crawl(instructor, 'instructor', { extra: ['/instructor', '/instructor/tim-cau-hoi?q=ma+otp'] })));
    problems.push(...await submitWithErrors(instructor, 'instructor', '/instructor/tim-cau-hoi', '#question-search-form'));
    problems.push(...await submitWithErrors(instructor, 'instructor', '/instructor/import', 'form[action="/instructor/import"]'));

    const manager = await phone(browser);
    await login(manager, 'can.bo.phuong');
    problems.push(...report('manager', await crawl(manager, 'manager', { extra: ['/dashboard'] })));
    problems.push(...await submitWithErrors(manager, 'manager', '/assignments', 'form[action="/assignments"]'));

    const admin = await phone(browser);
    await login(admin, 'quan.tri');
    problems.push(...report('administrator', await crawl(admin, 'administrator', { extra: ['/admin', '/dashboard'] })));
    problems.push(...await submitWithErrors(admin, 'administrator', '/admin', 'form[action="/admin/revoke"]'));
  } finally {
    await browser.close();
  }
  assert.deepEqual(problems, [], `problems found by the crawl:\n${problems.join('\n')}`);
});
