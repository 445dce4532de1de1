// A real OAuth 2.0 server for the integration tests: oidc-provider (v9), shaped like Keycloak.
//
// Usage: node oidc_provider.mjs CONFIG.json
//   CONFIG = {"port": 0, "token_ttl": 1800, "clients": [{client metadata}, ...]}
// The package is loaded from $AMPLIFY_TEST_OIDC_DIR/node_modules/oidc-provider (never from the repo).
// Once listening on 127.0.0.1 it prints one JSON line {"port", "issuer", "token_url"} on stdout.
// It exits when stdin closes (its parent went away) or after max_lifetime_seconds, whichever is first.

import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// Keycloak's layout: issuer {base}/auth/realms/Broker, token at {issuer}/protocol/openid-connect/token.
const REALM_PATH = '/auth/realms/Broker';
const TOKEN_ROUTE = '/protocol/openid-connect/token';

// oidc-provider prints its notices with console.info, i.e. on stdout: keep stdout for our one
// JSON line, so the parent can trust the first line it reads.
console.info = console.log = console.error;

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const maxLifetimeMs = (config.max_lifetime_seconds ?? 600) * 1000;
setTimeout(() => process.exit(0), maxLifetimeMs);
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

const moduleDir = process.env.AMPLIFY_TEST_OIDC_DIR;
if (!moduleDir) {
  console.error('AMPLIFY_TEST_OIDC_DIR is not set');
  process.exit(2);
}
// ESM ignores NODE_PATH, so resolve the package from its install folder explicitly.
const entry = createRequire(join(moduleDir, 'package.json')).resolve('oidc-provider');
const { default: Provider } = await import(pathToFileURL(entry).href);

// Keycloak registers nothing but what each test asks for: a service account speaks only
// client_credentials, and has no redirect URIs because it never sees a browser.
function clientMetadata(client) {
  return { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], ...client };
}

function signingKeys() {
  // Our own key, so oidc-provider does not fall back to (and warn about) its development keys.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] };
}

function buildProvider(issuer) {
  const provider = new Provider(issuer, {
    clients: (config.clients ?? []).map(clientMetadata),
    jwks: signingKeys(),
    routes: { token: TOKEN_ROUTE },
    features: {
      clientCredentials: { enabled: true },
      // No browser flows here; its dev login pages would only add warnings.
      devInteractions: { enabled: false },
    },
    ttl: { ClientCredentials: config.token_ttl ?? 1800 },
  });
  // Say on stderr why a request was refused: the tests only see error=invalid_client.
  for (const event of ['grant.error', 'server_error']) {
    provider.on(event, (ctx, err) => console.error(`${event}: ${err.message} ${err.error_detail ?? ''}`));
  }
  return provider;
}

// Mount the provider under the realm path, like app.use(REALM_PATH, provider.callback()) would:
// oidc-provider routes on the path after the mount point and rebuilds absolute URLs from
// req.originalUrl. Listening at the root instead would put discovery at /.well-known/... rather
// than under the issuer, where Keycloak (and OpenID discovery) has it.
function mounted(callback) {
  return (req, res) => {
    if (!req.url.startsWith(`${REALM_PATH}/`)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not_found"}');
      return;
    }
    req.originalUrl = req.url;
    req.url = req.url.slice(REALM_PATH.length);
    callback(req, res);
  };
}

const server = createServer();
server.listen(config.port ?? 0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}${REALM_PATH}`;
  server.on('request', mounted(buildProvider(issuer).callback()));
  process.stdout.write(`${JSON.stringify({ port, issuer, token_url: `${issuer}${TOKEN_ROUTE}` })}\n`);
});
