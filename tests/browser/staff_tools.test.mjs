// Issue 18's staff journeys on a cheap phone (360×740) with the text at 200%, by keyboard: the
// ward's manager lands on the dashboard, finds a person by typing a name without diacritics,
// sets a tổ dân phố's target in people (a bad figure comes back with the error at its field and
// the value kept), and downloads the report, whose XLSX is read back for its Vietnamese sheets
// and headers; the import page shows a problem at its row and column; a mentor registers a
// neighbour and gets a first sign-in slip instead of choosing a password. Every page passes
// axe-core and is kept as a screenshot (helpers.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { BASE, launch, logout, t, visit } from './helpers.mjs';

const PASSWORD = 'mat-khau-dai';

/** A phone with the browser's text size doubled, as in ux.test.mjs. */
async function largeTextPhone(browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
  return page;
}

/** Signs in with the keyboard only: Tab to each field, type, Enter. */
async function keyboardLogin(page, username, password = PASSWORD) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Tên đăng nhập').focus();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/(courses|dashboard)/);
}

async function noSidewaysScroll(page, name) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 362, `${name} is ${wide} px wide`);
}

/** A name as a person types it without diacritics: "Đặng Thị Đào" → "dang thi dao". */
function folded(name) {
  return name.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
}

/** The files of a zip archive (an XLSX), by name: enough of the format to read one back. */
function unzip(buf) {
  const files = new Map();
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end--;
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataAt, dataAt + size);
    files.set(name, (method === 8 ? inflateRawSync(data) : data).toString('utf8'));
    at += 46 + nameLen + extra + comment;
  }
  return files;
}

test('the ward manager finds a person without diacritics, sets a target and reads the report back', async () => {
  const browser = await launch();
  try {
    const page = await largeTextPhone(browser);
    await keyboardLogin(page, 'can.bo.phuong');
    assert.match(page.url(), /\/dashboard/, 'a manager lands on the dashboard');

    // A person of the ward, to look for as someone would type the name on a phone.
    await page.getByRole('link', { name: 'Danh sách người học' }).first().click();
    const name = (await page.locator('tbody th[scope=row]').first().innerText()).split('\n')[0].trim();
    await page.goto(`${BASE}/dashboard`);
    await page.getByLabel('Tìm người học').focus();
    await page.keyboard.type(folded(name));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/people\?q=/);
    await visit(page, 'tools-01-search');
    await noSidewaysScroll(page, 'the search results');
    assert.match(await page.locator('main').innerText(), new RegExp(name));

    // A tổ dân phố's target in people: a bad figure first.
    await page.goto(`${BASE}/dashboard`);
    await page.getByRole('link', { name: 'Tổ dân phố 1', exact: true }).first().click();
    await page.getByRole('link', { name: 'Chỉ tiêu số người của đơn vị' }).click();
    await page.waitForURL(/\/targets/);
    await visit(page, 'tools-02-targets');
    await page.getByLabel('Người dân', { exact: true }).focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('12 người');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-field-error="citizen"]');
    const field = page.getByLabel('Người dân', { exact: true });
    assert.equal(await field.inputValue(), '12 người', 'the typed value is kept');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('main').getAttribute('data-error'), 'targets_not_saved');
    assert.equal(await page.locator('[data-field-error="citizen"]').innerText(), t('errors.invalid_target_people'));
    await visit(page, 'tools-03-targets-error');
    await noSidewaysScroll(page, 'the targets form');
    await field.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('120');
    await page.keyboard.press('Enter');
    await page.waitForURL(/saved=1/);
    await page.getByRole('link', { name: 'Bảng theo dõi' }).click();
    await visit(page, 'tools-04-dashboard-target');
    assert.match(await page.locator('[data-target="citizen"]').innerText(), /\/120/);

    // The report, read back: Vietnamese sheets and headers.
    const href = await page.getByRole('link', { name: 'Tải báo cáo Excel (XLSX)' }).getAttribute('href');
    const response = await page.request.get(`${BASE}${href}`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-disposition'], /bao-cao-\d{4}_tdp-1_\d{4}-\d{2}-\d{2}\.xlsx/);
    const files = unzip(await response.body());
    const workbook = files.get('xl/workbook.xml');
    for (const sheet of ['groups', 'units', 'neighbourhoods', 'trend', 'ledger'].map(s => t(`export.sheet_${s}`))) {
      assert.ok(workbook.includes(`name="${sheet}"`), `sheet ${sheet}: ${workbook}`);
    }
    const strings = files.get('xl/sharedStrings.xml');
    for (const header of ['group', 'path_completed', 'target_people_figure', 'week'].map(k => t(`dashboard.${k}`))) {
      assert.ok(strings.includes(header), `header ${header}`);
    }
    assert.ok(files.get('xl/worksheets/sheet1.xml').includes('ySplit="1"'), 'a frozen header row');

    // The import page: a problem at its row and column, above the instructions.
    await page.goto(`${BASE}/import`);
    await visit(page, 'tools-05-import');
    await page.getByLabel('Tệp CSV hoặc XLSX').setInputFiles({
      name: 'ds.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('Họ và tên,Tên đăng nhập,Nhóm,Đơn vị\nBà Mười,ba.muoi.tools,Người ngoài,Tổ dân phố 1\n'),
    });
    await page.getByRole('button', { name: 'Tải lên' }).click();
    await page.waitForSelector('[data-import-problems]');
    const problem = page.locator('[data-import-problems] tr[data-line="2"][data-column="group"]');
    assert.match(await problem.innerText(), new RegExp(t('import.col_group')));
    await visit(page, 'tools-06-import-problems');
    await noSidewaysScroll(page, 'the import report');
    await logout(page);
  } finally {
    await browser.close();
  }
});

test('a mentor registers a neighbour and hands over a first sign-in slip, knowing no password', async () => {
  const browser = await launch();
  try {
    const stamp = Date.now();
    const page = await largeTextPhone(browser);
    // The administrator makes a seeded learner of tổ dân phố 1 a mentor.
    await keyboardLogin(page, 'quan.tri');
    await page.goto(`${BASE}/dashboard`);
    await page.getByRole('link', { name: 'Phường Hoài Nhơn Tây' }).first().click();
    await page.getByRole('link', { name: 'Tổ dân phố 1', exact: true }).first().click();
    await page.getByRole('link', { name: 'Danh sách người học' }).click();
    const row = page.locator('tbody tr').filter({ has: page.getByRole('button', { name: 'Giao làm Đại sứ số' }) }).first();
    const mentor = (await row.locator('th .meta').first().innerText()).trim();
    await row.getByRole('button', { name: 'Giao làm Đại sứ số' }).click();
    await page.waitForURL(/done=mentor/);
    await logout(page);

    await keyboardLogin(page, mentor);
    await page.goto(`${BASE}/mentor/register`);
    await visit(page, 'tools-07-assisted');
    assert.equal(await page.locator('input[type=password]').count(), 0, 'no password field');
    // Everything wrong at once: each error beside its field.
    await page.getByLabel('Họ và tên người học').fill('Cụ Nguyễn Thị Tám');
    await page.getByLabel('Tên đăng nhập cho người học').fill('cụ tám');
    await page.getByLabel('Năm sinh của người học (không bắt buộc)').fill('năm 48');
    await page.getByRole('button', { name: 'Đăng ký cho người học' }).click();
    await page.waitForSelector('[data-field-error="username"]');
    for (const f of ['username', 'birth_year', 'consent']) {
      assert.equal(await page.locator(`[data-field-error="${f}"]`).count(), 1, f);
    }
    assert.equal(await page.getByLabel('Họ và tên người học').inputValue(), 'Cụ Nguyễn Thị Tám');
    await visit(page, 'tools-08-assisted-errors');
    await page.getByLabel('Tên đăng nhập cho người học').fill(`tam${stamp}`);
    await page.getByLabel('Năm sinh của người học (không bắt buộc)').fill('1948');
    await page.getByLabel('Hộ gia đình (không bắt buộc)').selectOption({ label: 'Hộ mới (nhập tên bên dưới)' });
    await page.getByLabel(/Tên hộ mới/).fill('Hộ bà Nguyễn Thị Tám');
    await page.getByLabel(/Người học \(không phải người giúp\)/).focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Đăng ký cho người học' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#first-sign-in-slip');
    const slip = await page.locator('#first-sign-in-slip').innerText();
    assert.match(slip, new RegExp(`tam${stamp}`));
    const code = (await page.locator('[data-code]').innerText()).trim();
    assert.match(code, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    await visit(page, 'tools-09-slip');
    await noSidewaysScroll(page, 'the slip');
    await logout(page);

    // The neighbour chooses their own password with the slip.
    await page.goto(`${BASE}/reset`);
    await page.getByLabel('Tên đăng nhập').fill(`tam${stamp}`);
    await page.getByLabel('Mã đặt lại mật khẩu').fill(code);
    await page.getByLabel('Mật khẩu mới').fill('hoa sen no ven ho');
    await Promise.all([page.waitForNavigation(), page.locator('#reset-form button[type=submit]').click()]);
    await keyboardLogin(page, `tam${stamp}`, 'hoa sen no ven ho');
  } finally {
    await browser.close();
  }
});
