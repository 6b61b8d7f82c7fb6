import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { AuthConfig, Secrets } from './config.ts';

/**
 * The login page of the authorization code flow: oidc-provider hands the browser to
 * `/interaction/<uid>`; a demo user's name and password (from the secrets, never the config)
 * finish the login; consent is given at once, since every client here is first-party.
 */
const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(response: ServerResponse, status: number, uid: string, clientId: string, problem?: string): void {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eventide: sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}p.problem{color:#b00}</style></head>
<body><h1>Sign in</h1><p>to <strong>${escape(clientId)}</strong></p>
${problem === undefined ? '' : `<p class="problem">${escape(problem)}</p>`}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>User <input name="login" autocomplete="username" autofocus required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></body></html>`;
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'x-frame-options': 'DENY',
  });
  response.end(html);
}

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 8_192) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export function interactionHandler(
  provider: () => Provider,
  config: AuthConfig,
  secrets: Secrets,
  log: Logger,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const passwordOk = (login: string, password: string): boolean => {
    const expected = config.users.some((u) => u.id === login) ? secrets.users[login] : undefined;
    // Compared as digests, in constant time, also for unknown users, so timing reveals neither.
    const ok = timingSafeEqual(digest(expected ?? '\u0000unknown'), digest(password));
    return ok && expected !== undefined;
  };

  return async (request, response) => {
    const oidc = provider();
    const details = await oidc.interactionDetails(request, response);
    const { uid, prompt, params } = details;
    const clientId = String(params.client_id);
    const path = new URL(request.url ?? '/', 'http://auth').pathname;

    if (prompt.name === 'login') {
      if (request.method === 'GET') return page(response, 200, uid, clientId);
      if (request.method === 'POST' && path.endsWith('/login')) {
        const form = await formOf(request);
        const login = form.get('login') ?? '';
        if (!passwordOk(login, form.get('password') ?? '')) {
          log.info({ login, clientId }, 'login refused');
          return page(response, 401, uid, clientId, 'Unknown user or wrong password.');
        }
        log.info({ login, clientId }, 'logged in');
        return oidc.interactionFinished(request, response, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      }
    }
    if (prompt.name === 'consent') {
      const { session } = details;
      if (session === undefined) throw new Error('consent without a session');
      const grant = details.grantId !== undefined ? await oidc.Grant.find(details.grantId) : new oidc.Grant({ accountId: session.accountId, clientId });
      if (grant === undefined) throw new Error(`grant ${details.grantId} not found`);
      const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      return oidc.interactionFinished(request, response, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    response.writeHead(400, { 'content-type': 'text/plain' }).end(`unexpected interaction ${prompt.name}`);
  };
}
