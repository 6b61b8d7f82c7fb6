/**
 * A second gateway process beside the run's own, over the same routing file and replicas, that
 * checks no tokens (GATEWAY_AUTH=off): the same route with and without JWT verification, measured
 * side by side on one machine state, rather than in two runs minutes apart.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryOptions } from '@eventide/runner';
import { freePort, spawnNode } from '@eventide/testing';

const gatewayMain = fileURLToPath(new URL('./main.ts', import.meta.resolve('@eventide/gateway')));

/** Starts it on the run's `<dataDir>/runner/routes.json` and resolves once `readyPath` answers 200 through it. */
export async function startGatewayWithoutTokens(dataDir: string, readyPath: string): Promise<{ url: string; pid: number; close(): Promise<void> }> {
  const port = await freePort();
  const child = spawnNode(gatewayMain, [], {
    stdio: 'ignore',
    env: {
      ...process.env,
      // As the runner starts its gateway (runner.ts), so the two differ only in GATEWAY_AUTH.
      ...memoryOptions(process.env),
      GATEWAY_ROUTES_FILE: join(dataDir, 'runner', 'routes.json'),
      GATEWAY_AUTH: 'off',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  for (;;) {
    const status = await fetch(`${url}${readyPath}`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (performance.now() > deadline) throw new Error(`the gateway without tokens did not answer ${readyPath} within 30 s (last ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    pid: child.pid!,
    async close() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
