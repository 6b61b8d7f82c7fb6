import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { clientCredentialsToken, defaultConfigFile, machineClientFor, readAuthConfig, resolveSecrets, secretsFileIn } from '@eventide/auth';
import { isAppError } from '@eventide/core';
import { callControl, controlSocketPath } from './control.ts';
import type { RunnerStatus } from './runner.ts';

/**
 * `npm run token -- <system> <role>`: prints `Authorization: Bearer <token>` for the demo machine
 * client holding that role, from the running runner's authorization server, so a walkthrough
 * can say `http :8088/items "$(npm run -s token -- gdmarket item-manager)"`. `--raw` prints the
 * token alone. Secrets come from AUTH_SECRET_<CLIENT> or the run's generated secrets file.
 */
const usage = `usage: npm run -s token -- <system> <role> [--raw]     e.g. npm run -s token -- gdmarket renter
roles are declared in auth/config/demo.json (AUTH_CONFIG_FILE); DATA_DIR names the run (default .data)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { raw: { type: 'boolean', default: false } } });
const [system, role] = positionals;
if (system === undefined || role === undefined) fail(usage);

const dataDir = resolve(process.env.DATA_DIR ?? '.data');
let status: RunnerStatus;
try {
  status = (await callControl(controlSocketPath(dataDir), 'GET', '/status')).body as RunnerStatus;
} catch {
  fail(`no runner is running on ${dataDir}: start one with npm start (tokens come from its authorization server)`);
}
if (status.auth === undefined) fail('this run checks no tokens (started with auth off)');

try {
  const config = await readAuthConfig(process.env.AUTH_CONFIG_FILE ?? defaultConfigFile);
  const client = machineClientFor(config, system, role);
  const secrets = await resolveSecrets(config, { file: secretsFileIn(join(dataDir, 'auth')), env: process.env, generate: false });
  const { accessToken } = await clientCredentialsToken({ issuer: status.auth.url, clientId: client.id, clientSecret: secrets.clients[client.id]!, resource: config.audience });
  console.log(values.raw ? accessToken : `Authorization: Bearer ${accessToken}`);
} catch (error) {
  if (isAppError(error)) fail(error.message);
  throw error;
}
