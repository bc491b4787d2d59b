// Sign-in with an identity provider, in Chromium, against a real OpenID Connect provider on
// loopback (provider.mjs: the `oidc-provider` package). The test starts the provider and a
// server of its own configured for it (HOCVUSO_OIDC_*), on the database run.sh names
// (OIDC_DATABASE_URL: SQLite or PostgreSQL), and walks: a person links the provider to the
// account they already have, only after typing its password; signs in later straight away;
// another person's new account takes its name and birth year from the provider's claims. Then
// what must be refused, each with the Vietnamese message on the page and nothing written: a
// forged state, a replayed state, a code used twice, an ID token issued to another client, an
// expired ID token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, visit, registerLearner, logout, unique } from './helpers.mjs';
import { startProvider, CLIENT_ID } from './provider.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = process.env.HOCVUSO_BIN ?? join(ROOT, 'target/debug/hocvuso');
const DATA = mkdtempSync(join(tmpdir(), 'hvs-oidc-'));
const DB_URL = process.env.OIDC_DATABASE_URL ?? `sqlite://${DATA}/oidc.db?mode=rwc`;

let provider;
let server;
let base;

async function freePort() {
  const s = createServer();
  await new Promise(resolve => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise(resolve => s.close(resolve));
  return port;
}

/** One value read from the server's database (SQLite through sqlite3, PostgreSQL through psql). */
function sql(query) {
  const out = DB_URL.startsWith('postgres')
    ? execFileSync('psql', [DB_URL, '-At', '-c', query])
    : execFileSync('sqlite3', ['-readonly', DB_URL.replace(/^sqlite:\/\//, '').replace(/\?.*$/, ''), query]);
  return out.toString().trim();
}

/** What a refused sign-in must not have written: accounts, links, sessions, consents. */
const written = () => sql(
  'select (select count(*) from users) || \'/\' || (select count(*) from oidc_identities) || \'/\' || ' +
  '(select count(*) from sessions) || \'/\' || (select count(*) from consents)');

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  provider = await startProvider(`${base}/login/oidc/callback`);
  server = spawn(BIN, ['serve'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      HOCVUSO_DATABASE_URL: DB_URL,
      HOCVUSO_DATA_DIR: DATA,
      HOCVUSO_CONTENT_DIR: join(ROOT, 'tests/fixtures/content'),
      HOCVUSO_BIND: `127.0.0.1:${port}`,
      HOCVUSO_LOG: 'warn',
      HOCVUSO_NARRATION: 'off',
      HOCVUSO_OIDC_ISSUER: provider.issuer,
      HOCVUSO_OIDC_CLIENT_ID: CLIENT_ID,
      HOCVUSO_OIDC_CLIENT_SECRET: provider.secret,
      HOCVUSO_OIDC_LABEL: 'VNeID',
    },
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    assert.ok(i < 300 && server.exitCode === null, 'the server with the identity provider starts');
    await new Promise(resolve => setTimeout(resolve, 200));
  }
});

after(async () => {
  server?.kill();
  await provider?.close();
  rmSync(DATA, { recursive: true, force: true });
});

/** Presses "Đăng nhập bằng VNeID" on /login and signs in at the provider's own pages as
 * `login` (its login form, then its consent, when it asks: a provider that remembers the
 * person sends the browser straight back). Returns the URL of the callback the browser was
 * sent back to; the page is wherever our server then put it. */
async function signInWithProvider(page, login) {
  let callback = null;
  const seen = request => {
    if (request.url().startsWith(`${base}/login/oidc/callback`)) callback = request.url();
  };
  page.on('request', seen);
  await page.goto(`${base}/login`);
  await Promise.all([page.waitForNavigation(), page.click('#oidc-button')]);
  for (let step = 0; page.url().startsWith(provider.issuer); step++) {
    assert.ok(step < 3, `the provider's pages end (at ${page.url()})`);
    if (await page.locator('input[name="login"]').count()) {
      await page.fill('input[name="login"]', login);
      await page.fill('input[name="password"]', 'bat-ky');
    }
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }
  page.off('request', seen);
  assert.ok(page.url().startsWith(base), `back on the platform (at ${page.url()})`);
  assert.ok(callback, 'the provider sent the browser back to the callback');
  return callback;
}

/** The refusal page: the sign-in form with the Vietnamese message (`key` is its stable key). */
async function assertRefused(page, response, status, key, name) {
  assert.equal(response.status(), status, `${name}: HTTP status`);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  const alert = page.locator('#form-error');
  await alert.waitFor();
  assert.equal(await alert.getAttribute('data-error-key'), key, `${name}: the reason`);
  assert.ok((await alert.innerText()).trim().length > 20, `${name}: a message in words`);
  assert.equal(await page.locator('#oidc-button').count(), 1, `${name}: the person can start again`);
  await visit(page, `oidc-${name}`);
}

const session = async context =>
  (await context.cookies(base)).some(c => c.name === 'hvs_session' && c.value !== '');

const BINH = 'cccd-079188000111';
const HOA = 'cccd-079195000222';
let firstCallback;

test('the first sign-in with the provider links an existing account only after its password', async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const username = unique('binh');
    await registerLearner(page, username, 'Trần Văn Bình', base);
    await logout(page);
    const userId = sql(`select id from users where username = '${username}'`);

    firstCallback = await signInWithProvider(page, BINH);
    await page.locator('#link-form').waitFor();
    await visit(page, 'oidc-01-link');
    assert.equal(sql(`select count(*) from oidc_identities where subject = '${BINH}'`), '0');

    // A wrong password links nothing.
    const before = written();
    await page.fill('#link-username', username);
    await page.fill('#link-password', 'khong-phai-mat-khau');
    const [wrong] = await Promise.all([
      page.waitForResponse(r => r.url() === `${base}/login/oidc/link`),
      page.click('#link-form button[type="submit"]'),
    ]);
    assert.equal(wrong.status(), 401);
    assert.equal(await page.locator('#form-error').count(), 1);
    await visit(page, 'oidc-02-link-wrong-password');
    assert.equal(written(), before, 'a wrong password writes no link and no session');
    assert.equal(await session(context), false);

    // The right one links the provider's subject to this account and signs in.
    await page.fill('#link-password', 'mat-khau-dai');
    await Promise.all([page.waitForURL(/\/courses$/), page.click('#link-form button[type="submit"]')]);
    assert.equal(sql(`select user_id from oidc_identities where subject = '${BINH}'`), userId);
    assert.equal(await session(context), true);
    await logout(page);

    // Later: the provider alone signs the person in, to the same account (a new session of it).
    const sessions = () => sql(`select count(*) from sessions where user_id = ${userId}`);
    const earlier = Number(sessions());
    await signInWithProvider(page, BINH);
    assert.match(page.url(), /\/courses$/);
    assert.equal(await session(context), true);
    assert.equal(Number(sessions()), earlier + 1);
    await page.goto(`${base}/account`);
    await visit(page, 'oidc-03-signed-in');
    assert.equal(sql(`select count(*) from oidc_identities where subject = '${BINH}'`), '1');
  } finally {
    await browser.close();
  }
});

test('a forged state, a replayed state and a code used twice are refused, writing nothing', async () => {
  assert.ok(firstCallback, 'the first sign-in ran');
  const browser = await launch();
  try {
    const context = await browser.newContext({ locale: 'vi-VN' });
    const page = await context.newPage();
    const before = written();
    const used = new URL(firstCallback);

    // Replayed: the callback of the first sign-in again, even with its state cookie put back.
    await context.addCookies([{
      name: 'hvs_oidc_state', value: used.searchParams.get('state'), url: `${base}/login/oidc`,
    }]);
    let r = await page.goto(firstCallback);
    await assertRefused(page, r, 400, 'oidc_state_invalid', 'replayed-state');

    // Forged: a sign-in started in this browser, and a callback with a state it was not given.
    await context.route(`${provider.issuer}/**`, route => route.abort());
    const started = page.waitForRequest(req => req.url().startsWith(`${provider.issuer}/auth`));
    await page.goto(`${base}/login`);
    await page.click('#oidc-button').catch(() => {});
    const state = new URL((await started).url()).searchParams.get('state');
    r = await page.goto(`${base}/login/oidc/callback?code=${used.searchParams.get('code')}&state=gia-mao-${state.slice(0, 8)}`);
    await assertRefused(page, r, 400, 'oidc_state_invalid', 'forged-state');

    // The code of the first sign-in, with a genuine state of a new sign-in: the provider
    // refuses a code it already exchanged.
    const again = page.waitForRequest(req => req.url().startsWith(`${provider.issuer}/auth`));
    await page.goto(`${base}/login`);
    await page.click('#oidc-button').catch(() => {});
    const fresh = new URL((await again).url()).searchParams.get('state');
    r = await page.goto(`${base}/login/oidc/callback?code=${used.searchParams.get('code')}&state=${fresh}`);
    await assertRefused(page, r, 401, 'oidc_refused', 'reused-code');

    assert.equal(written(), before, 'no account, link, session or consent was written');
    assert.equal(await session(context), false);
  } finally {
    await browser.close();
  }
});

test('an ID token issued to another client or already expired is refused, writing nothing', async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext({ locale: 'vi-VN' });
    const page = await context.newPage();
    const before = written();
    for (const [kind, name] of [['audience', 'wrong-audience'], ['expired', 'expired-token']]) {
      provider.misbehave(kind);
      const answered = page.waitForResponse(res => res.url().startsWith(`${base}/login/oidc/callback`));
      await signInWithProvider(page, HOA);
      await assertRefused(page, await answered, 401, 'oidc_refused', name);
    }
    assert.equal(written(), before, 'no account, link, session or consent was written');
    assert.equal(sql(`select count(*) from oidc_identities where subject = '${HOA}'`), '0');
    assert.equal(await session(context), false);
  } finally {
    await browser.close();
  }
});

test("a new account takes the person's name and birth year from the provider", async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
    const page = await context.newPage();
    await signInWithProvider(page, HOA);
    await page.locator('#new-form').waitFor();
    assert.equal(await page.inputValue('#new-display_name'), 'Lê Thị Hoa');
    const username = unique('hoa');
    await page.fill('#new-username', username);
    await page.check('#new-group-citizen');
    await page.check('#new-consent');
    await Promise.all([page.waitForURL(/\/courses$/), page.click('#new-form button[type="submit"]')]);
    await visit(page, 'oidc-04-new-account');
    assert.equal(sql(`select display_name || '/' || birth_year from users where username = '${username}'`),
      'Lê Thị Hoa/1995');
    assert.equal(sql(`select u.username from oidc_identities o join users u on u.id = o.user_id where o.subject = '${HOA}'`),
      username);
  } finally {
    await browser.close();
  }
});
