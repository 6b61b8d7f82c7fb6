import { AppError } from '@eventide/core';

export interface TokenAnswer {
  readonly accessToken: string;
  readonly expiresIn: number;
}

/**
 * A client_credentials token from the server at `issuer` (its `/token`), for `resource` (the
 * API's audience). A refusal keeps the server's error and description.
 */
export async function clientCredentialsToken(options: {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly resource: string;
}): Promise<TokenAnswer> {
  const basic = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64');
  let response: Response;
  try {
    response = await fetch(`${options.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: options.resource }),
    });
  } catch (error) {
    throw new AppError('unavailable', `the authorization server ${options.issuer} cannot be reached: ${(error as Error).message}`, { cause: error });
  }
  const body = (await response.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
  if (response.status !== 200 || body.access_token === undefined) {
    throw new AppError('unauthorized', `${options.clientId} got no token: ${body.error ?? response.status} ${body.error_description ?? ''}`.trim());
  }
  return { accessToken: body.access_token, expiresIn: body.expires_in ?? 0 };
}
