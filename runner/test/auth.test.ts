import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startTestRun, type TestRun } from './support/run.ts';

describe('a run checks access tokens by default', () => {
  let run: TestRun;
  before(async () => {
    run = await startTestRun({ systems: ['demo'], auth: undefined });
  });
  after(() => run?.close());

  it('starts the authorization server with the gateway and lists it', async () => {
    const status = await run.runner.status();
    assert.equal(status.auth?.state, 'ready');
    assert.match(run.lines.join('\n'), /auth\s+1\/1\s+\d+\s+\d+\s+yes/);
    const discovery = await json(`${status.auth!.url}/.well-known/openid-configuration`);
    assert.equal(discovery.body.issuer, status.auth!.url);
  });

  it('refuses a request without a token at the gateway, and passes one with a token the runner hands out', async () => {
    const gateway = run.runner.gatewayUrl;
    const refused = await json(`${gateway}/echo`);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);
    const token = await run.runner.token('gdmarket', 'renter');
    const admitted = await json(`${gateway}/echo`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(admitted.status, 200);
    assert.equal((await json(`${gateway}/health/ready`)).status, 200);
  });

  it('names the configured roles when asked for a token of a role nobody holds', async () => {
    await assert.rejects(run.runner.token('gdmarket', 'landlord'), /no client with role gdmarket\/landlord; configured: .*gdmarket\/renter/);
  });
});
