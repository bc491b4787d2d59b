// A real OpenID Connect provider on loopback for oidc.test.mjs: the `oidc-provider` package
// (the certified Node implementation) with a small configuration. Its development login page
// takes any login as the person's subject; `PEOPLE` gives some of them a name and a birth date.
//
// `misbehave(kind)` makes the provider's next ID token one a careful client must refuse, still
// issued and signed by this provider with its own key: `'audience'` (issued to another client)
// or `'expired'` (its `exp` already past). Everything else is the package's own behaviour.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'hocvuso-phuong';
/** A second client of the same provider, the audience of the misdirected token. */
export const OTHER_CLIENT_ID = 'ung-dung-khac';

/** Who the provider knows, by the login typed on its page. */
export const PEOPLE = {
  'cccd-079188000111': { name: 'Trần Văn Bình', birthdate: '1968-04-12' },
  'cccd-079195000222': { name: 'Lê Thị Hoa', birthdate: '1995-09-30' },
};

/** Starts the provider for a client whose callback is `redirectUri`; resolves to
 * `{ issuer, secret, misbehave, close }`. */
export async function startProvider(redirectUri) {
  const server = createServer();
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const secret = randomBytes(24).toString('base64url');
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: secret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: OTHER_CLIENT_ID,
        client_secret: randomBytes(24).toString('base64url'),
        redirect_uris: ['http://127.0.0.1:9/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...jwk, kid: 'phuong-test-1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], profile: ['name', 'birthdate'] },
    // The client reads the person's claims from the ID token itself.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: async () => ({ sub, ...(PEOPLE[sub] ?? {}) }) };
    },
  });

  let next = null;
  const IdToken = provider.IdToken;
  const issue = IdToken.prototype.issue;
  IdToken.prototype.issue = async function issueMaybeWrong(options = {}) {
    const kind = options.use === 'idtoken' ? next : null;
    next = null;
    if (kind === 'audience') {
      this.client = await provider.Client.find(OTHER_CLIENT_ID);
    } else if (kind === 'expired') {
      const now = Math.floor(Date.now() / 1000);
      this.set('iat', now - 600);
      return issue.call(this, { ...options, expiresAt: now - 60 });
    }
    return issue.call(this, options);
  };

  server.on('request', provider.callback());
  return {
    issuer,
    secret,
    misbehave(kind) { next = kind; },
    close: () => new Promise(resolve => server.close(resolve)),
  };
}
