// The journeys of the ward's staff on a phone-sized screen (product.md journeys 2, 3 and 5):
// an administrator sets targets and reads the dashboard by tổ dân phố and by group; a unit
// manager assigns a course and follows who has done it; a mentor registers a neighbour on
// their own phone and takes attendance at a community class. run.sh seeds the database first
// (`hocvuso dev seed`), which creates the ward and the staff accounts used here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, logout, menuLink, visit } from './helpers.mjs';

const PASSWORD = 'mat-khau-dai';

async function phone(browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
  return context.newPage();
}

async function login(page, username, password = PASSWORD) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  // Managers land on the dashboard, everyone else on the course list.
  await page.waitForURL(/\/(courses|dashboard)/);
}

async function register(page, username, name) {
  await page.goto(`${BASE}/register`);
  await page.getByLabel('Họ và tên *').fill(name);
  await page.getByLabel('Tên đăng nhập *').fill(username);
  await page.getByLabel('Mật khẩu *').fill(PASSWORD);
  await page.getByLabel(/Người dân/).check();
  await page.getByLabel(/Tôi đã đọc và đồng ý/).check();
  await page.getByRole('button', { name: 'Đăng ký' }).click();
  await page.waitForURL(`${BASE}/courses`);
  await logout(page);
}

/** The administrator adds a person to tổ dân phố 1 and, if asked, makes them a mentor. */
async function placeInTo1(page, username, mentor) {
  await page.goto(`${BASE}/dashboard`);
  await page.getByRole('link', { name: 'Phường Hoài Nhơn Tây' }).first().click();
  await page.getByRole('link', { name: 'Tổ dân phố 1', exact: true }).first().click();
  await page.getByRole('link', { name: 'Danh sách người học' }).click();
  await page.getByLabel('Tên đăng nhập').first().fill(username);
  await page.getByRole('button', { name: 'Thêm', exact: true }).click();
  await page.waitForURL(/done=member/);
  if (mentor) {
    const row = page.getByRole('row').filter({ hasText: username });
    await row.getByRole('button', { name: 'Giao làm Đại sứ số' }).click();
    await page.waitForURL(/done=mentor/);
  }
}

test('an administrator sets the targets and reads the dashboard by tổ dân phố and by group', async () => {
  const browser = await launch();
  try {
    const page = await phone(browser);
    await login(page, 'quan.tri');
    await page.goto(`${BASE}/admin`);
    await visit(page, 'staff-01-admin');
    await page.getByRole('link', { name: 'Chỉ tiêu' }).click();
    await visit(page, 'staff-02-targets');
    await page.getByRole('row', { name: /Người dân.*Tỷ lệ hoàn thành lộ trình/ }).getByRole('textbox').fill('92');
    await page.getByRole('button', { name: 'Lưu chỉ tiêu' }).click();
    await page.waitForURL(/saved=1/);
    assert.equal(await page.locator('#targets-saved').count(), 1, 'the targets are saved');

    await page.goto(`${BASE}/dashboard`);
    await page.getByRole('link', { name: 'Phường Hoài Nhơn Tây' }).first().click();
    await page.waitForURL(/unit=/);
    await visit(page, 'staff-03-dashboard-ward');
    assert.equal(await page.locator('#by-group').count(), 1, 'the table by group');
    assert.equal(await page.locator('#ranking').count(), 1, 'the ranking of tổ dân phố');
    const targets = await page.locator('[data-path-target]').evaluateAll(els => els.map(e => Number(e.dataset.pathTarget)));
    assert.ok(targets.includes(92), `the target set: ${targets}`);
    const xlsx = await page.getByRole('link', { name: 'Tải báo cáo Excel (XLSX)' }).getAttribute('href');
    const response = await page.request.get(`${BASE}${xlsx}`);
    assert.equal(response.status(), 200);
    assert.equal((await response.body()).subarray(0, 2).toString(), 'PK');
    await page.locator('ol.ranking a').first().click();
    await visit(page, 'staff-04-dashboard-to');
  } finally {
    await browser.close();
  }
});

test('a manager assigns a course, the learner sees it due, the manager follows and exports', async () => {
  const browser = await launch();
  try {
    const stamp = Date.now();
    const learner = `cc${stamp}`;
    const page = await phone(browser);
    await register(page, learner, 'Võ Thị Công Chức');
    await login(page, 'quan.tri');
    await page.goto(`${BASE}/dashboard`);
    await page.getByRole('link', { name: 'Phường Hoài Nhơn Tây' }).first().click();
    await page.getByRole('link', { name: 'UBND phường Hoài Nhơn Tây' }).first().click();
    await page.getByRole('link', { name: 'Danh sách người học' }).click();
    await page.getByLabel('Tên đăng nhập').first().fill(learner);
    await page.getByRole('button', { name: 'Thêm', exact: true }).click();
    await page.waitForURL(/done=member/);
    await visit(page, 'staff-05-people');
    await logout(page);

    await login(page, 'can.bo.phuong');
    await page.goto(`${BASE}/assignments`);
    await visit(page, 'staff-06-assignments');
    await page.getByLabel('Khóa học').selectOption({ label: 'Khóa học thử nghiệm' });
    await page.getByLabel('Đơn vị').selectOption({ label: 'UBND phường Hoài Nhơn Tây' });
    await page.getByLabel('Hạn hoàn thành').fill('2099-12-31');
    await page.getByRole('button', { name: 'Giao', exact: true }).click();
    await page.waitForURL(/\/assignments\/\d+$/);
    await visit(page, 'staff-07-assignment');
    assert.match(await page.locator('main').innerText(), /Võ Thị Công Chức/);
    await page.getByRole('button', { name: 'Nhắc những người chưa hoàn thành' }).click();
    await page.waitForURL(/reminded=/);
    const href = await page.getByRole('link', { name: /Tải danh sách quá hạn/ }).getAttribute('href');
    assert.equal((await page.request.get(`${BASE}${href}`)).status(), 200);
    await logout(page);

    await login(page, learner);
    await menuLink(page, 'Việc cần làm');
    await visit(page, 'staff-08-due');
    const due = await page.locator('main').innerText();
    assert.match(due, /Khóa học thử nghiệm/);
    assert.ok(await page.locator('main li[data-kind="reminder"]').count(), 'the reminder');
  } finally {
    await browser.close();
  }
});

test('a mentor registers an elderly neighbour on their phone and takes attendance at a class', async () => {
  const browser = await launch();
  try {
    const stamp = Date.now();
    const mentor = `ds${stamp}`;
    const page = await phone(browser);
    await register(page, mentor, 'Đặng Văn Đại Sứ');
    await login(page, 'quan.tri');
    await placeInTo1(page, mentor, true);
    await logout(page);

    await login(page, mentor);
    await menuLink(page, 'Người tôi hướng dẫn', true);
    await visit(page, 'staff-09-mentor');
    await page.getByRole('link', { name: 'Đăng ký cho một người hàng xóm' }).click();
    await visit(page, 'staff-10-assisted');
    // No password: the neighbour gets a first sign-in slip and chooses their own.
    await page.getByLabel('Họ và tên người học').fill('Cụ Nguyễn Thị Tám');
    await page.getByLabel('Tên đăng nhập cho người học').fill(`ht${stamp}`);
    await page.getByLabel('Năm sinh của người học (không bắt buộc)').fill('1948');
    await page.getByLabel(/Người học \(không phải người giúp\)/).check();
    await page.getByRole('button', { name: 'Đăng ký cho người học' }).click();
    await page.waitForLoadState();
    assert.equal(await page.locator('main [data-code]').count(), 1, 'the first sign-in slip');
    assert.match(await page.locator('main').innerText(), /Cụ Nguyễn Thị Tám/);
    await menuLink(page, 'Người tôi hướng dẫn', true);
    assert.match(await page.locator('main').innerText(), /Cụ Nguyễn Thị Tám/);

    await menuLink(page, 'Lớp học', true);
    await visit(page, 'staff-11-classes');
    await page.getByLabel('Địa điểm').fill('Nhà văn hóa tổ dân phố 1');
    // Tomorrow: a class is scheduled within two years of today.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Ngày', { exact: true }).fill(tomorrow);
    await page.getByRole('button', { name: 'Lên lịch' }).click();
    await page.waitForURL(/\/classes\/\d+$/);
    await page.getByLabel(/Cụ Nguyễn Thị Tám/).check();
    await page.getByRole('button', { name: 'Lưu điểm danh' }).click();
    await page.waitForURL(/recorded=1/);
    await visit(page, 'staff-12-class');
    assert.equal(await page.locator('#present').getAttribute('data-count'), '1');

    await menuLink(page, 'Hồ sơ');
    await visit(page, 'staff-13-profile');
  } finally {
    await browser.close();
  }
});
