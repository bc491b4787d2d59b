// An independent verifier of Học Vụ Số credentials, written with other people's libraries:
// `jose` checks the VC-JWTs against the issuer's published JWKS, and Digital Bazaar's
// `@digitalbazaar/vc-bitstring-status-list` reads the credential's `credentialStatus` and
// decodes the W3C Bitstring Status List it points to. Nothing here comes from the server's
// own code.
//
// Usage: node verify-status.mjs <base URL> <certificate id> <expected: valid|revoked> [EdDSA|RS256]
// The algorithm (default EdDSA) is the only one the verifier accepts for the credential and
// its status list. Prints one JSON line with what it found; exits 1 when that is not what was
// expected.

import {createRemoteJWKSet, jwtVerify} from 'jose';
import {
  decodeList,
  getCredentialStatus,
  statusTypeMatches,
} from '@digitalbazaar/vc-bitstring-status-list';

const MIN_ENTRIES = 131072;

const [base, certificate, expected, algorithm = 'EdDSA'] = process.argv.slice(2);
if (!base || !certificate || !['valid', 'revoked'].includes(expected) || !['EdDSA', 'RS256'].includes(algorithm)) {
  console.error('usage: node verify-status.mjs <base URL> <certificate id> <valid|revoked> [EdDSA|RS256]');
  process.exit(2);
}

function fail(message) {
  console.error(`FAIL ${certificate}: ${message}`);
  process.exit(1);
}

async function fetchJwt(url, headers = {}) {
  const response = await fetch(url, {headers});
  if (response.status !== 200) fail(`${url} answered ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/vc+jwt')) fail(`${url} is ${type}, not application/vc+jwt`);
  return {jwt: (await response.text()).trim(), response};
}

const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', base));
const verify = async jwt => (await jwtVerify(jwt, jwks, {algorithms: [algorithm]})).payload;

// 1. The learner's credential, as an employer receives it.
const {jwt} = await fetchJwt(new URL(`/api/v1/certificates/${certificate}/credential`, base));
const credential = await verify(jwt);
if (!statusTypeMatches({credential})) fail('the credential has no Bitstring Status List entry');
const entry = getCredentialStatus({credential, statusPurpose: 'revocation'});
const index = Number.parseInt(entry.statusListIndex, 10);

// 2. The status list it names, signed by the same issuer with a key of the same JWKS.
const {jwt: listJwt, response} = await fetchJwt(entry.statusListCredential);
const list = await verify(listJwt);
if (!list.type?.includes('BitstringStatusListCredential')) fail('not a BitstringStatusListCredential');
const issuerOf = c => (typeof c.issuer === 'string' ? c.issuer : c.issuer?.id);
if (issuerOf(list) !== issuerOf(credential)) fail('the list has another issuer than the credential');
if (list.id !== entry.statusListCredential) fail('the list is not the one the entry names');
const subject = list.credentialSubject;
if (subject?.statusPurpose !== entry.statusPurpose) fail('the list has another status purpose');
const bits = await decodeList({encodedList: subject.encodedList});
if (bits.length < MIN_ENTRIES) fail(`the list has ${bits.length} entries, fewer than ${MIN_ENTRIES}`);
const revoked = bits.getStatus(index);

// 3. Caching as HTTP says: the same ETag is "not modified".
const etag = response.headers.get('etag');
if (!etag) fail('the list has no ETag');
const again = await fetch(entry.statusListCredential, {headers: {'if-none-match': etag}});
if (again.status !== 304) fail(`If-None-Match with the current ETag answered ${again.status}, not 304`);

const found = revoked ? 'revoked' : 'valid';
console.log(JSON.stringify({
  certificate,
  algorithm,
  status: found,
  statusListCredential: entry.statusListCredential,
  statusListIndex: index,
  listEntries: bits.length,
  etag,
}));
if (found !== expected) fail(`expected ${expected}, found ${found}`);
