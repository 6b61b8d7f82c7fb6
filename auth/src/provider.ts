import Provider, { errors, type Configuration, type ClientMetadata } from 'oidc-provider';
import type { AuthConfig, Secrets } from './config.ts';
import { signingAlg, type KeyFile } from './keys.ts';
import { memoryAdapter, type AdapterStore } from './storage.ts';

/** The one scope of the API's resource server; access tokens carry roles, not scopes, for authorization. */
export const apiScope = 'api';

/**
 * oidc-provider configured for this project: client_credentials for machines, authorization
 * code + PKCE (S256, required) for people, and every access token a JWT for the one resource
 * server (the API behind the gateway), signed ES256 with the file's first key, carrying `roles`.
 * Storage is in memory (`storage.ts`): access tokens are self-contained JWTs and survive a restart.
 */
export function createProvider(issuer: string, config: AuthConfig, secrets: Secrets, keys: KeyFile, store: AdapterStore): Provider {
  const rolesOf = new Map<string, readonly string[]>([
    ...config.clients.map((c) => [c.id, c.roles] as const),
    ...config.users.map((u) => [u.id, u.roles] as const),
  ]);
  const names = new Map(config.users.map((u) => [u.id, u.name]));
  const signingKid = keys.keys[0]!.jwk.kid;

  const clients: ClientMetadata[] = config.clients.map((c) =>
    c.public === true
      ? {
          client_id: c.id,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: [...(c.redirectUris ?? [])],
        }
      : {
          client_id: c.id,
          client_secret: secrets.clients[c.id],
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
  );

  const configuration: Configuration = {
    adapter: memoryAdapter(store),
    clients,
    jwks: { keys: keys.keys.map((k) => ({ ...k.jwk })) },
    cookies: { keys: [...secrets.cookieKeys] },
    clientDefaults: { id_token_signed_response_alg: signingAlg },
    claims: { openid: ['sub'], profile: ['name'] },
    scopes: ['openid', 'profile', apiScope],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => config.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== config.audience) throw new errors.InvalidTarget(`unknown resource ${indicator}; the API is ${config.audience}`);
          return {
            scope: apiScope,
            audience: config.audience,
            accessTokenTTL: config.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: signingAlg, kid: signingKid } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const holder = 'accountId' in token && token.accountId !== undefined ? token.accountId : token.clientId;
      return { roles: [...(holder === undefined ? [] : (rolesOf.get(holder) ?? []))] };
    },
    findAccount: (_ctx, sub) => {
      const name = names.get(sub);
      if (name === undefined) return undefined;
      return { accountId: sub, claims: () => ({ sub, name }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: config.accessTokenTtlSeconds,
      ClientCredentials: config.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3_600,
      Interaction: 600,
      Session: 3_600,
      Grant: 3_600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
  return new Provider(issuer, configuration);
}
