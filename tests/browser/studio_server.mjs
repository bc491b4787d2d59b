// What the studio journeys share. The studio writes its content folder as a git repository and
// refuses one inside another repository's work tree (this checkout's tests/fixtures/content), so
// each journey runs its own server on a copy of the fixture content in a temporary folder, as a
// deployment would, with the database run.sh names (DB=sqlite|postgres).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkAccessibility } from './helpers.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = process.env.HOCVUSO_BIN
  ?? join(resolve(ROOT, process.env.CARGO_TARGET_DIR ?? 'target'), 'debug', 'hocvuso');
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
const PG = 'postgres://postgres@127.0.0.1:5432';
export const PASSWORD = 'mat-khau-dai';

/**
 * Starts a server on a fresh database and a copy of the fixture content, after adding the
 * accounts `[username, role, display name, group or null]`. Returns its base URL and `stop()`.
 */
export async function studioServer(tag, accounts) {
  const tmp = mkdtempSync(join(tmpdir(), `hvs-${tag}-`));
  cpSync(join(ROOT, 'tests/fixtures/content'), join(tmp, 'content'), { recursive: true });
  let url = `sqlite://${tmp}/hocvuso.db?mode=rwc`;
  let pgName;
  if (process.env.DB === 'postgres') {
    pgName = `hvs_${tag.replace(/-/g, '_')}_${process.pid}_${Date.now() % 100000}`;
    execFileSync('psql', [`${PG}/postgres`, '-q', '-c', `create database ${pgName}`]);
    url = `${PG}/${pgName}`;
  }
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = {
    ...process.env,
    HOCVUSO_DATABASE_URL: url,
    HOCVUSO_DATA_DIR: tmp,
    HOCVUSO_CONTENT_DIR: join(tmp, 'content'),
    HOCVUSO_BIND: `127.0.0.1:${port}`,
    HOCVUSO_LOG: 'warn',
  };
  const hocvuso = (args, input) =>
    execFileSync(BIN, args, { env, input, stdio: ['pipe', 'pipe', 'inherit'] }).toString();
  hocvuso(['migrate']);
  for (const [username, role, name, group] of accounts) {
    const args = ['user', 'add', '--username', username, '--role', role, '--display-name', name, '--password-stdin'];
    if (group) args.push('--group', group);
    hocvuso(args, PASSWORD);
  }
  const server = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  const stop = () => {
    server.kill();
    if (pgName) {
      try {
        execFileSync('psql', [`${PG}/postgres`, '-q', '-c', `drop database if exists ${pgName} with (force)`]);
      } catch { /* best effort */ }
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, stop };
    } catch { /* not yet */ }
    await new Promise(r => setTimeout(r, 200));
  }
  stop();
  throw new Error(`the ${tag} journey server did not start`);
}

/** A phone-sized window. */
export async function phone(browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
  return context.newPage();
}

export async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL(/\/(courses|dashboard|studio)/);
}

/**
 * axe-core on the page, a screenshot at 360×740, then the text at 200% (WCAG 1.4.4): nothing may
 * need a sideways scroll, and a second screenshot to look at.
 */
export async function look(page, name) {
  await checkAccessibility(page, name);
  mkdirSync(SHOTS, { recursive: true });
  const db = process.env.DB ?? 'db';
  await page.screenshot({ path: `${SHOTS}${db}-studio-${name}.png`, fullPage: true });
  await page.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
  const overflow = await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.screenshot({ path: `${SHOTS}${db}-studio-${name}-200.png`, fullPage: true });
  await page.evaluate(() => { document.documentElement.style.fontSize = ''; });
  assert.ok(overflow <= 1, `${name}: the page scrolls sideways by ${overflow}px with the text at 200%`);
}
