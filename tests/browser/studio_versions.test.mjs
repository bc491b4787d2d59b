// Issue #12's "done when", in a browser: an instructor writes a course with two lessons (one with
// an uploaded image and its alt text, one with an uploaded recording and its transcript) and a
// bank of 20 questions of four types (12 pasted as GIFT, 8 from a Moodle XML file); a second
// instructor, named reviewer by an administrator, publishes it. A learner reads the first lesson
// and starts the quiz, saving an answer. The instructor writes a second version; the reviewer
// returns it with a comment, the instructor fixes it, the reviewer approves and publishes. The
// learner, without the server restarting, reads the new text, still has the lesson completed and
// the attempt with the same paper and the saved answer, and submits it. The history shows both
// versions, with the change in words; a rollback serves the first version again.
//
// Fixtures: tests/browser/fixtures/studio/ (cau-hoi.gift, cau-hoi-moodle.xml, tin-nhan-gia.svg,
// loi-chao.opus). axe-core checks every page on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, checkAccessibility } from './helpers.mjs';
import { studioServer, phone, login as loginAt, look } from './studio_server.mjs';

const FIXTURES = new URL('./fixtures/studio/', import.meta.url).pathname;
const COURSE = 'tin-nhan-lua-dao';
const TITLE = 'Nhận biết tin nhắn lừa đảo';
const STUDIO = () => `${base}/studio/courses/${COURSE}`;

let server;
let base;

before(async () => {
  server = await studioServer('studio-versions', [
    ['gv.minh', 'instructor', 'Thầy Minh', null],
    ['gv.duyet', 'instructor', 'Cô Duyên', null],
    ['quan.tri.phuong', 'admin', 'Anh Quản', null],
    ['hoc.vien.ba', 'learner', 'Bà Ba', 'citizen'],
  ]);
  base = server.base;
});

after(() => server?.stop());

const login = (page, username) => loginAt(page, base, username);

const LESSON_1 = [
  'Kẻ gian gửi tin nhắn mang tên ngân hàng, báo tài khoản bị khóa và kèm một đường link.',
  '',
  '## Cách nhận ra',
  '- Tin nhắn giục bạn làm ngay.',
  '- Đường link không phải địa chỉ của ngân hàng.',
  '',
  '## Ghi nhớ',
  '- Không bấm đường link trong tin nhắn lạ.',
].join('\n');

const LESSON_2 = [
  'Người gọi xưng là công an, ngân hàng hay người thân, giục bạn chuyển tiền hoặc đọc mã OTP.',
  '',
  '## Ghi nhớ',
  '- Cúp máy rồi gọi lại số bạn đã biết.',
].join('\n');

/** The second version's new paragraph in the first lesson. */
const NEW_PARAGRAPH = 'Ngân hàng không bao giờ gửi đường link để mở khóa tài khoản.';

/** The question the reviewer asks for in the second version. */
const NEW_QUESTION = `// [id:tnl-21] [tag:competence-4.2] [tag:level-1]
::Mở khóa tài khoản::Ông Tư nhận tin nhắn kèm đường link "mở khóa tài khoản". Ngân hàng thật làm thế nào?{
  =Không gửi đường link như vậy#Đúng\\: ngân hàng không gửi đường link mở khóa.
  ~Gửi đường link để khách mở khóa cho nhanh#Chưa đúng\\: đó là cách của kẻ gian.
  ~Gửi đường link kèm mã OTP để khách nhập vào#Chưa đúng\\: không ngân hàng nào làm vậy.
  ~Gửi đường link nhưng chỉ vào giờ hành chính#Chưa đúng\\: giờ gửi không làm đường link thật hơn.
}
`;

/** A lesson's id (what learners' URLs and records use) from its file name. */
const slug = file => file.replace(/^\d+-|\.md$/g, '');

/** Saves a lesson form and waits for the saved page. */
async function saveLesson(page) {
  await Promise.all([
    page.waitForURL(/#saved$/),
    page.locator('#lesson-form button[value="save"]').click(),
  ]);
}

/** Saves the course settings form and waits for the saved page. */
async function saveSettings(page) {
  await Promise.all([
    page.waitForURL(/#saved$/),
    page.locator('#course-settings button[type="submit"]').click(),
  ]);
}

/** The words a diff of `file` marks as added, on a review or compare page. */
async function inserted(page, file) {
  const words = await page.locator(`[data-diff-file="${file}"] ins`).allInnerTexts();
  return words.join(' ').replace(/\s+/g, ' ');
}

/** Pastes GIFT (or uploads a file of `format`) into the bank; returns how many were added. */
async function importQuestions(page, { format, text, file }) {
  await page.goto(`${STUDIO()}/questions`);
  await page.locator('#format').selectOption(format);
  if (text) await page.locator('#text').fill(text);
  if (file) await page.locator('#file').setInputFiles(file);
  await Promise.all([
    page.waitForNavigation(),
    page.locator('#import-questions button[type="submit"]').click(),
  ]);
  const notice = page.locator('[data-imported]');
  assert.equal(await notice.count(), 1, await page.locator('main').innerText());
  return Number(await notice.getAttribute('data-imported'));
}

/** Submits the draft for review with `message` (as its author). */
async function submit(page, message) {
  await page.goto(`${STUDIO()}/review`);
  await page.getByLabel('Lời nhắn cho phiên bản này').fill(message);
  await Promise.all([page.waitForURL(/\/review$/), page.getByRole('button', { name: 'Gửi duyệt' }).click()]);
  assert.equal(await page.locator('[data-draft-status]').getAttribute('data-draft-status'), 'submitted');
}

/** Approves and publishes the draft (as a reviewer); lands on the history. */
async function approveAndPublish(page) {
  await page.goto(`${STUDIO()}/review`);
  await Promise.all([page.waitForURL(/\/review$/), page.getByRole('button', { name: 'Đồng ý' }).click()]);
  assert.equal(await page.locator('[data-draft-status]').getAttribute('data-draft-status'), 'approved');
  await Promise.all([page.waitForURL(/\/history$/), page.getByRole('button', { name: 'Xuất bản' }).click()]);
}

/** The attempt's paper as the page shows it: question ids in order, and each question's text. */
async function paperOf(page) {
  return page.locator('fieldset.question').evaluateAll(sets =>
    sets.map(s => ({ id: s.id, text: s.querySelector('.qtext')?.textContent.trim() })));
}

/** Answers the first question of an attempt page, whatever its type; returns how to see it. */
async function answerFirst(page) {
  const q = page.locator('fieldset.question').first();
  const radios = q.locator('input[type="radio"]');
  if (await radios.count()) {
    await radios.first().check();
    return async () => radios.first().isChecked();
  }
  const select = q.locator('select').first();
  if (await select.count()) {
    await select.selectOption({ index: 1 });
    const value = await select.inputValue();
    return async () => (await select.inputValue()) === value && value !== '';
  }
  const box = q.getByRole('textbox').first();
  await box.fill('vneid');
  return async () => (await box.inputValue()) === 'vneid';
}

test('a course with media and a 20-question bank goes through review, versions and a rollback while a learner keeps their progress', async () => {
  const browser = await launch();
  try {
    // ---- The first version. ----
    const author = await phone(browser);
    await login(author, 'gv.minh');
    await author.goto(`${base}/studio`);
    await author.getByLabel('Mã khóa học').fill(COURSE);
    await author.getByLabel('Tên khóa học').fill(TITLE);
    await author.getByRole('button', { name: 'Tạo khóa học từ mẫu' }).click();
    await author.waitForURL(STUDIO());

    // An administrator names a second instructor reviewer of the course.
    const admin = await phone(browser);
    await login(admin, 'quan.tri.phuong');
    await admin.goto(STUDIO());
    await admin.locator('#assign-author #username').fill('gv.duyet');
    await admin.locator('#assign-author #role').selectOption('reviewer');
    await Promise.all([admin.waitForURL(/#authors$/), admin.locator('#assign-author button').click()]);
    assert.match(await admin.locator('[data-authors]').innerText(), /Cô Duyên/);
    await look(admin, 'v-01-authors');

    // The course's settings: a summary and both competences of the framework.
    await author.goto(STUDIO());
    await author.getByLabel('Giới thiệu ngắn').fill('Nhận ra tin nhắn và cuộc gọi lừa đảo trước khi mất tiền.');
    for (const code of ['4.1', '4.2']) {
      await author.locator(`#course-settings input[name="competences"][value="${code}"]`).check();
    }
    await saveSettings(author);

    // Lesson one: the template's, rewritten.
    await author.getByRole('link', { name: 'Bài mở đầu' }).click();
    await author.getByLabel('Tên bài học').fill('Tin nhắn giả mạo ngân hàng');
    await author.getByLabel('Nội dung (Markdown)').fill(LESSON_1);
    await saveLesson(author);
    const lesson1 = author.url().match(/lessons\/([^/#?]+)/)[1];

    // Lesson two: a new one.
    await author.goto(STUDIO());
    await author.getByRole('link', { name: 'Thêm bài học' }).click();
    await author.getByLabel('Mã bài học').fill('cuoc-goi-gia');
    await author.getByLabel('Tên bài học').fill('Cuộc gọi giả danh');
    await author.locator('#competences input[value="4.2"]').check();
    await author.getByLabel('Nội dung (Markdown)').fill(LESSON_2);
    await saveLesson(author);
    const lesson2 = author.url().match(/lessons\/([^/#?]+)/)[1];
    assert.notEqual(lesson1, lesson2);

    // An image with its alt text into lesson one; a recording with its transcript into lesson two.
    const ALT = 'Điện thoại hiện tin nhắn giả báo tài khoản bị khóa, kèm đường link lạ';
    await author.goto(`${STUDIO()}/media`);
    await look(author, 'v-02-media');
    await author.locator('#file').setInputFiles(`${FIXTURES}tin-nhan-gia.svg`);
    await author.locator('#lesson').selectOption(lesson1);
    await author.getByLabel('Mô tả ảnh hoặc lời thoại').fill(ALT);
    await Promise.all([author.waitForURL(/#body$/), author.getByRole('button', { name: 'Tải lên' }).click()]);
    assert.match(await author.locator('#body').inputValue(), /!\[Điện thoại hiện tin nhắn giả.*\]\(media\/tin-nhan-gia\.svg\)/);
    const TRANSCRIPT = 'Xin chào. Hôm nay chúng ta học cách nhận ra tin nhắn lừa đảo.';
    await author.goto(`${STUDIO()}/media`);
    await author.locator('#file').setInputFiles(`${FIXTURES}loi-chao.opus`);
    await author.locator('#lesson').selectOption(lesson2);
    await author.getByLabel('Mô tả ảnh hoặc lời thoại').fill(TRANSCRIPT);
    await Promise.all([author.waitForURL(/#body$/), author.getByRole('button', { name: 'Tải lên' }).click()]);
    assert.equal(await author.locator('#audio').inputValue(), 'media/loi-chao.opus');
    assert.match(await author.locator('#body').inputValue(), /Hôm nay chúng ta học cách nhận ra/);
    // The lesson's preview shows the image from the draft, and it loads.
    await author.goto(`${STUDIO()}/lessons/${lesson1}`);
    await author.getByRole('button', { name: 'Xem trước' }).click();
    const img = author.locator('#preview img');
    await img.waitFor();
    assert.equal(await img.getAttribute('alt'), ALT);
    assert.ok(await img.evaluate(i => i.complete && i.naturalWidth > 0), 'the draft image loads in the preview');
    await look(author, 'v-03-lesson-image');

    // The bank: 12 questions pasted as GIFT, 8 uploaded from a Moodle XML file.
    const gift = readFileSync(`${FIXTURES}cau-hoi.gift`, 'utf8');
    assert.equal(await importQuestions(author, { format: 'gift', text: gift }), 12);
    assert.equal(
      await importQuestions(author, { format: 'moodle-xml', file: `${FIXTURES}cau-hoi-moodle.xml` }), 8);
    const rows = author.locator('[data-bank] li[data-question]');
    assert.equal(await rows.count(), 20);
    const types = new Set(await rows.evaluateAll(li => li.map(l => l.dataset.type)));
    assert.deepEqual([...types].sort(), ['matching', 'short_answer', 'single_choice', 'true_false']);
    await look(author, 'v-04-bank');

    // A quiz of 6 questions, now that the bank has them.
    await author.goto(STUDIO());
    await author.getByLabel('Thêm bài kiểm tra cuối khóa').check();
    await saveSettings(author);
    await author.locator('#quiz-0-questions').fill('6');
    await author.locator('#quiz-0-pass').fill('60');
    await saveSettings(author);
    assert.equal(await author.locator('[data-check]').count(), 0,
      `the draft passes every check: ${await author.locator('main').innerText()}`);
    await look(author, 'v-05-course');

    await submit(author, 'Phiên bản đầu tiên: tin nhắn và cuộc gọi lừa đảo');
    const reviewer = await phone(browser);
    await login(reviewer, 'gv.duyet');
    await reviewer.goto(`${STUDIO()}/review`);
    const added = await reviewer.locator('[data-questions-diff]').innerText();
    assert.match(added, /tnl-01/);
    assert.match(added, /tnl-20/);
    assert.equal(await reviewer.locator('[data-diff-file="media/tin-nhan-gia.svg"]').count(), 1);
    await look(reviewer, 'v-06-review-first');
    await approveAndPublish(reviewer);
    assert.equal(await reviewer.locator('tr[data-version]').count(), 1);

    // ---- A learner, mid-way: lesson one read, the quiz started with one answer saved. ----
    const learner = await phone(browser);
    await login(learner, 'hoc.vien.ba');
    await learner.goto(`${base}/courses/${COURSE}`);
    await checkAccessibility(learner, 'studio-versions-course');
    await learner.goto(`${base}/courses/${COURSE}/lessons/${slug(lesson1)}`);
    const shown = learner.locator('#lesson-text img');
    assert.equal(await shown.getAttribute('alt'), ALT);
    assert.ok(await shown.evaluate(i => i.complete && i.naturalWidth > 0), 'the published image loads');
    await checkAccessibility(learner, 'studio-versions-lesson-1');
    await Promise.all([
      learner.waitForNavigation(),
      learner.getByRole('button', { name: 'Tôi đã học xong bài này' }).click(),
    ]);
    // Lesson two: the recording and its transcript.
    await learner.goto(`${base}/courses/${COURSE}/lessons/cuoc-goi-gia`);
    assert.match(await learner.locator('#narration').getAttribute('src'), /loi-chao\.opus$/);
    assert.match(await learner.locator('main').innerText(), /Hôm nay chúng ta học cách nhận ra/);
    const audio = await learner.request.get(new URL(await learner.locator('#narration').getAttribute('src'), base).href);
    assert.equal(audio.status(), 200);
    await checkAccessibility(learner, 'studio-versions-lesson-2');

    await learner.goto(`${base}/courses/${COURSE}`);
    assert.equal(await learner.locator(`[data-lesson="cuoc-goi-gia"][data-done]`).count(), 0);
    await learner.locator(`[data-lesson="${slug(lesson1)}"][data-done]`).waitFor();
    await Promise.all([
      learner.waitForURL(/\/attempts\//),
      learner.getByRole('button', { name: 'Làm bài kiểm tra' }).click(),
    ]);
    const attemptUrl = learner.url().replace(/#.*$/, '');
    const paper = await paperOf(learner);
    assert.equal(paper.length, 6);
    const stillAnswered = await answerFirst(learner);
    await Promise.all([
      learner.waitForNavigation(),
      learner.getByRole('button', { name: 'Lưu bài, làm tiếp sau' }).click(),
    ]);
    assert.ok(await stillAnswered(), 'the saved answer is on the attempt page');

    // ---- The second version: returned once, fixed, approved, published. ----
    await author.goto(`${STUDIO()}/lessons/${lesson1}`);
    const body = await author.locator('#body').inputValue();
    await author.locator('#body').fill(body.replace('\n## Cách nhận ra', `\n${NEW_PARAGRAPH}\n\n## Cách nhận ra`));
    await saveLesson(author);
    await submit(author, 'Thêm lời nhắc: ngân hàng không gửi đường link');

    await reviewer.goto(`${STUDIO()}/review`);
    assert.match(await inserted(reviewer, `lessons/${lesson1}`), /Ngân hàng không bao giờ/);
    const COMMENT = 'Hãy thêm một câu hỏi về lời nhắc mới.';
    await reviewer.getByLabel('Nhận xét khi trả lại').fill(COMMENT);
    await Promise.all([reviewer.waitForURL(/\/review$/), reviewer.getByRole('button', { name: 'Trả lại để sửa' }).click()]);
    assert.equal(await reviewer.locator('[data-draft-status]').getAttribute('data-draft-status'), 'returned');

    await author.goto(STUDIO());
    assert.match(await author.locator('[data-review-comment]').innerText(), /thêm một câu hỏi về lời nhắc mới/);
    await look(author, 'v-07-returned');
    assert.equal(await importQuestions(author, { format: 'gift', text: NEW_QUESTION }), 1);
    await submit(author, 'Thêm lời nhắc và một câu hỏi: ngân hàng không gửi đường link');
    await reviewer.goto(`${STUDIO()}/review`);
    assert.match(await reviewer.locator('[data-questions-diff]').innerText(), /tnl-21/);
    await approveAndPublish(reviewer);

    // ---- The learner continues, on the same server process. ----
    await learner.goto(`${base}/courses/${COURSE}/lessons/${slug(lesson1)}`);
    assert.match(await learner.locator('main').innerText(), new RegExp(NEW_PARAGRAPH));
    await learner.goto(`${base}/courses/${COURSE}`);
    await learner.locator(`[data-lesson="${slug(lesson1)}"][data-done]`).waitFor();
    await learner.locator(`a[href="${new URL(attemptUrl).pathname}"]`).click();
    await learner.waitForURL(attemptUrl);
    assert.deepEqual(await paperOf(learner), paper, 'the attempt keeps its paper');
    assert.ok(await stillAnswered(), 'the saved answer survived the publish');
    await checkAccessibility(learner, 'studio-versions-attempt');
    // Only one question is answered: the page asks to confirm, then grades.
    await Promise.all([
      learner.waitForNavigation(),
      learner.getByRole('button', { name: 'Nộp bài', exact: true }).click(),
    ]);
    const confirm = learner.locator('#confirm-submit');
    if (await confirm.count()) {
      await Promise.all([learner.waitForNavigation(), confirm.click()]);
    }
    await learner.locator('#result-summary').waitFor();
    for (const q of paper) {
      assert.equal(await learner.locator(`#r-${q.id.replace(/^q-/, '')}`).count(), 1, `graded: ${q.id}`);
    }
    await checkAccessibility(learner, 'studio-versions-result');

    // ---- The history: both versions, their difference in words, and a rollback. ----
    const versions = reviewer.locator('tr[data-version]');
    assert.equal(await versions.count(), 2);
    const [second, first] = await versions.evaluateAll(rows => rows.map(r => r.dataset.version));
    await look(reviewer, 'v-08-history');
    await Promise.all([
      reviewer.waitForURL(/\/compare\?/),
      reviewer.locator('#compare-form button').click(),
    ]);
    assert.match(await inserted(reviewer, `lessons/${lesson1}`), /Ngân hàng không bao giờ/);
    assert.match(await reviewer.locator('[data-questions-diff]').innerText(), /tnl-21/);
    await look(reviewer, 'v-09-compare');

    await reviewer.goto(`${STUDIO()}/history`);
    await Promise.all([
      reviewer.waitForURL(/\/history$/),
      reviewer.locator(`tr[data-version="${first}"] button`).click(),
    ]);
    assert.equal(await versions.count(), 3);
    assert.notEqual(await versions.first().getAttribute('data-version'), second);

    await learner.goto(`${base}/courses/${COURSE}/lessons/${slug(lesson1)}`);
    assert.doesNotMatch(await learner.locator('main').innerText(), new RegExp(NEW_PARAGRAPH));
    await learner.goto(`${base}/courses/${COURSE}`);
    await learner.locator(`[data-lesson="${slug(lesson1)}"][data-done]`).waitFor();
  } finally {
    await browser.close();
  }
});
