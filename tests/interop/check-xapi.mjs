// The xAPI statements the server exports, read by xAPI libraries written by others:
// Learning Locker's `@learninglocker/xapi-validation` (the validator of the Learning Locker LRS,
// conformance tested) must find nothing wrong with any statement, and Rustici's `tincanjs` (the
// classic Tin Can / xAPI library) must parse each into its statement model and write it back
// unchanged. On top of both, the xAPI 1.0.3 data rules this export relies on are checked here
// (id, actor, verb, object, result, context, timestamp). Nothing here comes from the server's
// own code.
//
// The statements come from a real completion: a learner registers through the HTTP API, reads
// every lesson of the fixture course and passes its quiz (answering as someone who studied the
// fixture content), then an administrator exports the completions as xAPI and every statement
// is checked, the new learner's among them.
//
// Usage: node check-xapi.mjs <base URL> <administrator's bearer token>
// Exits 1 on the first rejection, naming the statement and what was wrong.

import validateStatement from '@learninglocker/xapi-validation';
import TinCan from 'tincanjs';
import {randomBytes} from 'node:crypto';
import {isDeepStrictEqual} from 'node:util';

const [base, adminToken] = process.argv.slice(2);
if (!base || !adminToken) {
  console.error('usage: node check-xapi.mjs <base URL> <administrator token>');
  process.exit(2);
}
const validate = validateStatement.default ?? validateStatement;
const COURSE = 'thu-nghiem';
const QUIZ = 'kiem-tra';

function fail(message) {
  console.error(`FAIL xapi: ${message}`);
  process.exit(1);
}

async function call(method, path, token, body) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(new URL(path, base), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {status: response.status, text, json: () => JSON.parse(text)};
}

async function ok(method, path, token, body, expected = [200, 201]) {
  const r = await call(method, path, token, body);
  if (!expected.includes(r.status)) fail(`${method} ${path} answered ${r.status}: ${r.text.slice(0, 300)}`);
  return r;
}

// ---- 1. A real completion through the HTTP API ----

const username = `xapi.${randomBytes(4).toString('hex')}`;
const password = `mat-khau-${randomBytes(8).toString('hex')}`;
await ok('POST', '/api/v1/auth/register', null, {
  username,
  password,
  display_name: 'Người kiểm tra xAPI',
  group: 'citizen',
});
const {token} = (await ok('POST', '/api/v1/auth/login', null, {username, password})).json();

const course = (await ok('GET', `/api/v1/courses/${COURSE}`, token)).json();
for (const lesson of course.lessons) {
  await ok('POST', `/api/v1/courses/${COURSE}/lessons/${lesson.id}/complete`, token, {});
}

// What a learner who studied the fixture content (tests/fixtures/content) answers, by question
// id in the bank; options are found by their text, as a person reads them.
const plain = html => html.replace(/<[^>]*>/g, '').replace(/&amp;/g, '&').trim();
const optionWith = (q, text) => {
  const o = q.options.find(o => plain(o.text) === text) ?? q.options.find(o => plain(o.text).includes(text));
  if (!o) fail(`question ${q.id} has no option "${text}"`);
  return o.id;
};
const leftWith = (q, text) => {
  const o = q.left.find(o => plain(o.text).includes(text));
  if (!o) fail(`question ${q.id} has no left item "${text}"`);
  return o.id;
};
const KNOWN = {
  'q-otp': q => [optionWith(q, 'Không đọc mã và gọi lại tổng đài in trên thẻ')],
  'q-tf': () => false,
  'q-multi': q => [optionWith(q, 'Bật xác thực hai bước'), optionWith(q, 'Dùng mật khẩu dài')],
  'q-short': () => 'VNeID',
  'q-num': () => 113,
  'q-match': q => ({
    [leftWith(q, 'Công an')]: optionWith(q, '113'),
    [leftWith(q, 'Cứu hỏa')]: optionWith(q, '114'),
    [leftWith(q, 'Cấp cứu')]: optionWith(q, '115'),
  }),
  'q-order': q => ['Không đọc mã', 'Cúp máy', 'Gọi tổng đài in trên thẻ ngân hàng'].map(t => optionWith(q, t)),
  'q-hotspot': q => {
    const place = (q.image?.places ?? []).findIndex(p => p.includes('Quét QR'));
    return place >= 0 ? {place} : {x: 100, y: 210};
  },
};

let certificate = null;
const tries = course.quizzes.find(q => q.id === QUIZ)?.max_attempts || 3;
for (let attempt = 1; attempt <= tries && !certificate; attempt++) {
  const paper = (await ok('POST', `/api/v1/courses/${COURSE}/quizzes/${QUIZ}/attempts`, token, {})).json();
  const answers = {};
  for (const q of paper.questions) {
    if (!KNOWN[q.id]) fail(`the quiz asked question ${q.id}, which this learner never studied`);
    answers[q.id] = KNOWN[q.id](q);
  }
  const result = (await ok('POST', `/api/v1/attempts/${paper.attempt_id}/submit`, token, {answers})).json();
  if (result.passed) certificate = result.certificate_id;
}
if (!certificate) fail('the learner did not pass the quiz, so there is no completion to export');

// The learner's opaque reference, as the credential names them: the xAPI actor's account name.
const {text: jwt} = await ok('GET', `/api/v1/certificates/${certificate}/credential`, null);
const credential = JSON.parse(Buffer.from(jwt.trim().split('.')[1], 'base64url').toString('utf8'));
const learnerRef = credential.credentialSubject.id.replace(/^urn:uuid:/, '');

// ---- 2. The export, as an LRS would receive it ----

const exported = await ok('GET', '/api/v1/admin/completions?format=xapi', adminToken);
const lines = exported.text.split('\n').filter(l => l.trim());
const meta = JSON.parse(lines.shift());
if (!meta.ledger_head) fail('the first line is not the ledger head');
const statements = lines.map((l, i) => {
  try {
    return JSON.parse(l);
  } catch (e) {
    return fail(`line ${i + 2} is not JSON: ${e.message}`);
  }
});
if (statements.length === 0) fail('the export holds no statement');

// ---- 3. The xAPI 1.0.3 rules (xAPI-Data.md), beyond what the libraries check ----

const STATEMENT_KEYS = new Set(['id', 'actor', 'verb', 'object', 'result', 'context', 'timestamp', 'stored', 'authority', 'version', 'attachments']);
// RFC 4122 UUID, variant 10xx, versions 1-5 (what xAPI clients generate and accept).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// ISO 8601 / RFC 3339 date-time with a time zone.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
// RFC 5646 language tags as language maps use them.
const LANGUAGE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

function isIri(s) {
  if (typeof s !== 'string') return false;
  try {
    const u = new URL(s);
    return u.protocol.length > 1;
  } catch {
    return false;
  }
}

function isLanguageMap(m) {
  return m && typeof m === 'object' && !Array.isArray(m) && Object.keys(m).length > 0
    && Object.entries(m).every(([k, v]) => LANGUAGE.test(k) && typeof v === 'string' && v.length > 0);
}

function specProblems(s) {
  const p = [];
  for (const k of Object.keys(s)) if (!STATEMENT_KEYS.has(k)) p.push(`unknown property ${k}`);
  if (!UUID.test(s.id ?? '')) p.push(`id ${s.id} is not an RFC 4122 UUID of version 1-5`);
  // Actor: an Agent with exactly one inverse functional identifier, here an account.
  const a = s.actor ?? {};
  if (a.objectType !== undefined && a.objectType !== 'Agent') p.push('actor.objectType is not Agent');
  const ifis = ['mbox', 'mbox_sha1sum', 'openid', 'account'].filter(k => a[k] !== undefined);
  if (ifis.length !== 1) p.push(`actor has ${ifis.length} inverse functional identifiers, not 1`);
  if (a.account) {
    if (!isIri(a.account.homePage)) p.push('actor.account.homePage is not an IRL');
    if (typeof a.account.name !== 'string' || !a.account.name) p.push('actor.account.name is empty');
  }
  // Verb: an IRI and a language map.
  if (!isIri(s.verb?.id)) p.push('verb.id is not an IRI');
  if (s.verb?.display !== undefined && !isLanguageMap(s.verb.display)) p.push('verb.display is not a language map');
  // Object: an Activity with an IRI id and a definition of IRI type and language-map name.
  const o = s.object ?? {};
  if (o.objectType !== undefined && o.objectType !== 'Activity') p.push('object.objectType is not Activity');
  if (!isIri(o.id)) p.push('object.id is not an IRI');
  if (o.definition) {
    if (o.definition.type !== undefined && !isIri(o.definition.type)) p.push('object.definition.type is not an IRI');
    if (o.definition.name !== undefined && !isLanguageMap(o.definition.name)) p.push('object.definition.name is not a language map');
  }
  // Result: a score within its bounds, booleans where booleans go.
  const r = s.result;
  if (r) {
    const sc = r.score;
    if (sc) {
      if (sc.scaled !== undefined && !(sc.scaled >= -1 && sc.scaled <= 1)) p.push(`result.score.scaled ${sc.scaled} outside -1..1`);
      if (sc.min !== undefined && sc.max !== undefined && !(sc.min < sc.max)) p.push('result.score.min is not below max');
      if (sc.raw !== undefined && ((sc.min !== undefined && sc.raw < sc.min) || (sc.max !== undefined && sc.raw > sc.max))) {
        p.push(`result.score.raw ${sc.raw} outside min..max`);
      }
    }
    for (const k of ['success', 'completion']) if (r[k] !== undefined && typeof r[k] !== 'boolean') p.push(`result.${k} is not a boolean`);
  }
  // Context: a language tag, a platform, extensions keyed by IRIs.
  const c = s.context;
  if (c) {
    if (c.language !== undefined && !LANGUAGE.test(c.language)) p.push('context.language is not an RFC 5646 tag');
    if (c.platform !== undefined && typeof c.platform !== 'string') p.push('context.platform is not a string');
    for (const k of Object.keys(c.extensions ?? {})) if (!isIri(k)) p.push(`context extension ${k} is not an IRI`);
  }
  // Timestamp: ISO 8601 with a time zone, a real instant, not in the future.
  if (!TIMESTAMP.test(s.timestamp ?? '') || Number.isNaN(Date.parse(s.timestamp))) {
    p.push(`timestamp ${s.timestamp} is not an ISO 8601 date-time with a time zone`);
  } else if (Date.parse(s.timestamp) > Date.now() + 60_000) {
    p.push('timestamp is in the future');
  }
  return p;
}

// ---- 4. Every statement through both libraries and the rules ----

const ids = new Set();
for (const [i, s] of statements.entries()) {
  const where = `statement ${i + 1} (${s.id})`;
  const warnings = validate(s);
  if (warnings.length > 0) {
    const said = warnings.map(w => `${(w.path ?? []).join('.')}: ${w.name}${w.data ? ` ${JSON.stringify(w.data)}` : ''}`);
    fail(`${where}: Learning Locker's validator refuses it: ${said.join('; ')}`);
  }
  let parsed;
  try {
    // A copy: tincanjs writes into the object it is given (it adds `target`).
    parsed = new TinCan.Statement(structuredClone(s));
  } catch (e) {
    fail(`${where}: tincanjs cannot parse it: ${e.message ?? e}`);
  }
  // As it would go over the wire to an LRS (properties left undefined are not sent).
  const back = JSON.parse(JSON.stringify(parsed.asVersion('1.0.0')));
  for (const k of ['id', 'actor', 'verb', 'object', 'result', 'context', 'timestamp']) {
    if (!isDeepStrictEqual(back[k], s[k])) {
      fail(`${where}: tincanjs read ${k} as ${JSON.stringify(back[k])}, not ${JSON.stringify(s[k])}`);
    }
  }
  const problems = specProblems(s);
  if (problems.length > 0) fail(`${where}: ${problems.join('; ')}`);
  if (ids.has(s.id)) fail(`${where}: the id is given twice`);
  ids.add(s.id);
}

// ---- 5. The new learner's completion is among them ----

const mine = statements.filter(s => s.actor?.account?.name === learnerRef);
if (mine.length !== 1) fail(`${mine.length} statements for the new learner's completion, not 1`);
const [statement] = mine;
if (statement.verb.id !== 'http://adlnet.gov/expapi/verbs/completed') fail('the new statement is not "completed"');
if (!statement.object.id.endsWith(`/${COURSE}`)) fail(`the new statement is about ${statement.object.id}, not ${COURSE}`);
if (statement.actor.account.homePage.replace(/\/$/, '') !== new URL(base).origin) {
  fail(`the actor's homePage ${statement.actor.account.homePage} is not the platform`);
}
// Exported twice, the same statement keeps its id, so an LRS stores the event once.
const again = (await ok('GET', '/api/v1/admin/completions?format=xapi', adminToken)).text;
if (!again.includes(`"id":"${statement.id}"`)) fail('a second export gave the statement another id');

console.log(JSON.stringify({
  statements: statements.length,
  validator: 'accepted every statement',
  tincanjs: 'parsed every statement unchanged',
  completion: {certificate, statement: statement.id},
}));
