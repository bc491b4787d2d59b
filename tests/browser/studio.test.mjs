// The studio in a browser (issue #12): an instructor creates a course from the template, edits a
// lesson and a question through the forms (the question by keyboard only), previews both,
// submits for review; a reviewer approves and publishes; a learner who had the catalog open
// sees the new course, marked "Mới", without the server restarting. axe-core checks every
// studio page; each is also shot at 360×740 and with the text at 200%.
//
// It runs its own server on a copy of the fixture content (studio_server.mjs says why).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, checkAccessibility } from './helpers.mjs';
import { studioServer, phone, login as loginAt, look } from './studio_server.mjs';

let server;
let base;

before(async () => {
  server = await studioServer('studio', [
    ['gv.lan', 'instructor', 'Cô Lan', null],
    ['quan.tri.studio', 'admin', 'Anh Duyệt', null],
    ['hoc.vien.moi', 'learner', 'Chị Hoa', 'citizen'],
  ]);
  base = server.base;
});

after(() => server?.stop());

const login = (page, username) => loginAt(page, base, username);

/** Moves the keyboard focus with Tab (only) until `selector` has it; fails if it never does. */
async function tabTo(page, selector) {
  for (let i = 0; i < 120; i++) {
    if (await page.evaluate(s => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${selector}`);
}

const LESSON = [
  'Mật khẩu mạnh có ít nhất 12 ký tự.',
  '',
  '## Các bước',
  '1. Chọn một câu dễ nhớ.',
  '2. Thêm số và dấu.',
  '',
  '## Ghi nhớ',
  '- Không dùng ngày sinh làm mật khẩu.',
].join('\n');

test('an instructor writes a course in the studio, a reviewer publishes it, a learner sees it at once', async () => {
  const browser = await launch();
  try {
    // A learner with the catalog open: no such course yet.
    const learner = await phone(browser);
    await login(learner, 'hoc.vien.moi');
    await learner.goto(`${base}/courses`);
    assert.doesNotMatch(await learner.locator('main').innerText(), /Em học số/);

    // The instructor creates a course from the template.
    const page = await phone(browser);
    await login(page, 'gv.lan');
    await page.goto(`${base}/studio`);
    await look(page, '01-home');
    await page.getByLabel('Mã khóa học').fill('em-hoc-so');
    await page.getByLabel('Tên khóa học').fill('Em học số');
    await page.getByRole('button', { name: 'Tạo khóa học từ mẫu' }).click();
    await page.waitForURL(`${base}/studio/courses/em-hoc-so`);
    await look(page, '02-course');

    // The template's lesson, rewritten; previewed as the learner will read it, then saved.
    await page.getByRole('link', { name: 'Bài mở đầu' }).click();
    await page.getByLabel('Tên bài học').fill('Đặt mật khẩu mạnh');
    await page.getByLabel('Nội dung (Markdown)').fill(LESSON);
    await page.getByRole('button', { name: 'Xem trước' }).click();
    const preview = page.locator('#preview');
    await preview.waitFor();
    assert.match(await preview.innerText(), /Chọn một câu dễ nhớ/);
    assert.equal(await preview.locator('h2', { hasText: 'Các bước' }).count(), 1);
    await look(page, '03-lesson-preview');
    await page.getByRole('button', { name: 'Lưu', exact: true }).click();
    await page.waitForURL(/#saved$/);

    // A question through its form, with the keyboard only.
    await page.goto(`${base}/studio/courses/em-hoc-so/questions`);
    await look(page, '04-questions');
    await page.getByRole('link', { name: 'Thêm câu hỏi' }).click();
    await page.waitForURL(/questions\/new$/);
    await look(page, '05-question-new');
    await tabTo(page, '#id');
    await page.keyboard.type('ehs-otp');
    await tabTo(page, '#stem');
    await page.keyboard.type('Ai được biết mã OTP ngân hàng gửi cho bạn?');
    const options = [
      ['Không ai cả', true, 'Đúng: mã OTP chỉ dành cho bạn.'],
      ['Nhân viên ngân hàng gọi điện', false, 'Ngân hàng không bao giờ hỏi mã OTP.'],
      ['Người nhắn tin tự xưng công an', false, 'Đó là kẻ lừa đảo.'],
    ];
    for (const [i, [text, right, feedback]] of options.entries()) {
      await tabTo(page, `#o${i}-text`);
      await page.keyboard.type(text);
      if (right) {
        await tabTo(page, `input[name="option.${i}.correct"]`);
        await page.keyboard.press('Space');
      }
      await tabTo(page, `#o${i}-feedback`);
      await page.keyboard.type(feedback);
    }
    await tabTo(page, '#tags');
    await page.keyboard.type('competence-4.1');
    await tabTo(page, 'button[value="preview"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const seen = await page.locator('#preview').innerText();
    assert.match(seen, /Ai được biết mã OTP/);
    assert.match(seen, /Nhân viên ngân hàng gọi điện/);
    assert.doesNotMatch(seen, /chỉ dành cho bạn/, 'the preview must not show the feedback');
    await look(page, '06-question-preview');
    await tabTo(page, 'button[value="save"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(page.url(), /questions\/ehs-otp#saved$/);

    // Submitted for review with a message.
    await page.goto(`${base}/studio/courses/em-hoc-so/review`);
    await look(page, '07-review-author');
    await page.getByLabel('Lời nhắn cho phiên bản này').fill('Khóa học đầu tiên: mật khẩu và mã OTP');
    await page.getByRole('button', { name: 'Gửi duyệt' }).click();
    await page.waitForURL(/\/review$/);
    assert.equal(await page.locator('[data-draft-status]').getAttribute('data-draft-status'), 'submitted');

    // The reviewer reads the change, approves and publishes.
    const reviewer = await phone(browser);
    await login(reviewer, 'quan.tri.studio');
    await reviewer.goto(`${base}/studio/courses/em-hoc-so/review`);
    assert.match(await reviewer.locator('main').innerText(), /ehs-otp/);
    await look(reviewer, '08-review-reviewer');
    await reviewer.getByRole('button', { name: 'Đồng ý' }).click();
    await reviewer.waitForURL(/\/review$/);
    await reviewer.getByRole('button', { name: 'Xuất bản' }).click();
    await reviewer.waitForURL(/\/history$/);
    assert.match(await reviewer.locator('main').innerText(), /Khóa học đầu tiên/);
    await look(reviewer, '09-history');

    // The learner's catalog, reloaded (the server was not restarted): the course, marked new.
    await learner.reload();
    const card = learner.locator('li.card', { hasText: 'Em học số' });
    await card.waitFor();
    assert.equal(await card.locator('[data-new]').count(), 1, 'marked new');
    await card.getByRole('link', { name: 'Em học số' }).first().click();
    await learner.getByRole('link', { name: /Đặt mật khẩu mạnh/ }).first().click();
    assert.match(await learner.locator('main').innerText(), /Chọn một câu dễ nhớ/);
    await checkAccessibility(learner, 'studio-learner-lesson');
  } finally {
    await browser.close();
  }
});
