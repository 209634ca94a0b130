// A small local identity provider for trying homeostat's JWT sign-in: it serves an OIDC discovery document
// and a JWKS, hands out ES256 tokens for three users, and rotates its signing key on request.
//
//   node examples/identity/idp.mjs [--port 9400]
//   GET  /.well-known/openid-configuration   issuer and jwks_uri
//   GET  /jwks.json                          the current key and the one before it (a provider's overlap)
//   GET  /token/<user>                       a token for ops, viewer or acme (valid for an hour)
//   POST /rotate                             a new signing key; tokens from now on name its kid
//
// The tokens carry what a Keycloak realm would: preferred_username, groups, and org for a tenant's user.
import http from 'node:http';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 9400;
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`idp: --port must be a port number, not '${process.argv[portArg + 1]}'`);
  process.exit(2);
}

/** The users it signs in: a platform operator, a platform viewer, and an operator of tenant acme. */
const USERS = {
  ops: { preferred_username: 'olga', groups: ['/ops'] },
  viewer: { preferred_username: 'vic', groups: ['homeostat-viewers'] },
  acme: { preferred_username: 'ann', groups: ['/ops'], org: 'acme' },
};

/** Signing keys, newest last; the JWKS serves the last two. */
const keys = [];
async function rotate() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = `key-${keys.length + 1}`;
  keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } });
  return kid;
}

let issuer = '';
function token(user) {
  const current = keys.at(-1);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...USERS[user], sub: USERS[user].preferred_username })
    .setProtectedHeader({ alg: 'ES256', kid: current.kid })
    .setIssuer(issuer)
    .setAudience('homeostat')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(current.privateKey);
}

async function printTokens() {
  for (const user of Object.keys(USERS)) console.log(`${user}: ${await token(user)}`);
}

const json = (response, status, body) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const server = http.createServer((request, response) => {
  void (async () => {
    const url = new URL(request.url ?? '/', issuer);
    if (request.method === 'GET' && url.pathname === '/.well-known/openid-configuration') return json(response, 200, { issuer, jwks_uri: `${issuer}/jwks.json`, id_token_signing_alg_values_supported: ['ES256'] });
    if (request.method === 'GET' && url.pathname === '/jwks.json') return json(response, 200, { keys: keys.slice(-2).map((k) => k.jwk) });
    const user = /^\/token\/([a-z]+)$/.exec(url.pathname)?.[1];
    if (request.method === 'GET' && user !== undefined) {
      if (!(user in USERS)) return json(response, 404, { error: `no user '${user}' (users: ${Object.keys(USERS).join(', ')})` });
      return void response.writeHead(200, { 'content-type': 'text/plain' }).end(await token(user));
    }
    if (request.method === 'POST' && url.pathname === '/rotate') {
      const kid = await rotate();
      console.log(`rotated: tokens are now signed with ${kid}`);
      await printTokens();
      return json(response, 200, { kid });
    }
    return json(response, 404, { error: `no route ${request.method} ${url.pathname}` });
  })().catch((error) => json(response, 500, { error: String(error) }));
});

await rotate();
server.listen(port, '127.0.0.1', async () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  console.log(`identity provider ${issuer}: JWKS at ${issuer}/jwks.json, signing with ${keys.at(-1).kid}`);
  await printTokens();
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close(() => process.exit(0)));
