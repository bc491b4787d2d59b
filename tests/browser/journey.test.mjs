// A citizen's journey on a phone-sized screen: register → lesson → quiz → certificate page.
// Runs against a server that serves tests/fixtures/content (run.sh starts it), whose questions
// are known, so the journey can answer them as a learner who studied would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, answer, launch, visit } from './helpers.mjs';

test('a citizen registers, studies, passes the quiz and opens the certificate', async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const user = `hv${Date.now()}`;

    await page.goto(`${BASE}/`);
    await visit(page, '01-home');
    await page.getByRole('link', { name: 'Đăng ký để bắt đầu học' }).click();
    await visit(page, '02-register');
    await page.getByLabel('Họ và tên *').fill('Nguyễn Thị Lan');
    await page.getByLabel('Tên đăng nhập *').fill(user);
    await page.getByLabel('Mật khẩu *').fill('mot cau mat khau dai');
    await page.getByLabel(/Người dân/).check();
    await page.getByLabel('Năm sinh (không bắt buộc)').fill('1956');
    await page.getByLabel(/Tôi đã đọc và đồng ý/).check();
    await page.getByRole('button', { name: 'Đăng ký' }).click();

    await page.waitForURL(`${BASE}/courses`);
    await visit(page, '03-courses');
    await page.getByRole('link', { name: 'Khóa học thử nghiệm', exact: true }).click();
    await visit(page, '04-course');
    await page.getByRole('link', { name: 'Bắt đầu học' }).click();
    await visit(page, '05-lesson');
    await page.getByRole('button', { name: 'Tôi đã học xong bài này' }).click();
    await page.waitForURL(/ma-otp$/);
    await page.getByRole('button', { name: 'Tôi đã học xong bài này' }).click();
    await page.waitForURL(/\/courses\/thu-nghiem/);

    await page.getByRole('button', { name: 'Làm bài kiểm tra' }).click();
    await page.waitForURL(/\/attempts\//);
    await visit(page, '06-quiz');
    await answer(page);
    await page.getByRole('button', { name: 'Nộp bài' }).click();
    await page.waitForURL(/\/attempts\/[0-9a-f]+$/);
    await visit(page, '07-result');
    assert.equal(await page.locator('#result-summary').getAttribute('data-result'), 'passed');
    assert.equal(Number(await page.locator('#result-summary').getAttribute('data-score')), 100);

    await page.getByRole('link', { name: 'Xem chứng nhận' }).click();
    await page.waitForURL(/\/verify\//);
    await visit(page, '08-certificate');
    assert.equal(await page.locator('main [data-status="valid"]').count(), 1, 'the certificate is valid');
    assert.match(await page.locator('main').innerText(), /Nguyễn Thị Lan/);

    await page.goto(`${BASE}/progress`);
    await visit(page, '09-progress');
    await page.goto(`${BASE}/certificates`);
    await visit(page, '10-certificates');
  } finally {
    await browser.close();
  }
});

// Practice tasks, with JavaScript on and off and with the keyboard only: tasks.test.mjs.
