import type { RunnerStatus } from './runner.ts';

/** Left-aligned columns, two spaces apart. */
export function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}

const list = (values: readonly (string | number | undefined)[]): string => (values.length === 0 ? '-' : values.map((v) => v ?? '-').join(','));

/** One row per service (replicas running/desired, ports, pids, ready now), then the gateway. */
export function statusTable(status: RunnerStatus): string[] {
  const rows: string[][] = [['service', 'replicas', 'port(s)', 'pid(s)', 'ready']];
  for (const service of status.services) {
    const running = service.replicas.filter((r) => r.pid !== undefined).length;
    const ready =
      service.state === 'stopped' ? 'stopped' : service.ready === service.replicas.length && service.ready > 0 ? 'yes' : `${service.ready}/${service.replicas.length}`;
    rows.push([
      service.name,
      `${running}/${service.state === 'stopped' ? 0 : service.desired}`,
      list(service.replicas.map((r) => r.port)),
      list(service.replicas.map((r) => r.pid)),
      ready,
    ]);
  }
  const { gateway } = status;
  rows.push(['gateway', gateway.pid === undefined ? '0/1' : '1/1', String(gateway.port), list([gateway.pid]), gateway.ready ? 'yes' : 'no']);
  const { auth } = status;
  if (auth !== undefined) rows.push(['auth', auth.pid === undefined ? '0/1' : '1/1', new URL(auth.url).port, list([auth.pid]), auth.state === 'ready' ? 'yes' : 'no']);
  return columns(rows);
}

/** Where to point a client: each route through the gateway, then each service straight. */
export function tryLines(status: RunnerStatus): string[] {
  const lines: string[] = [];
  if (status.auth !== undefined) {
    lines.push(`the gateway wants a token: http ${status.gateway.url}/... "$(npm run -s token -- <system> <role>)" (roles: auth/config/demo.json)`);
  }
  for (const system of status.systems) {
    lines.push(`${system.name}: ${system.title}`);
    const rows: string[][] = [];
    for (const service of status.services.filter((s) => s.name.startsWith(`${system.name}/`))) {
      const home = service.replicas[0];
      for (const route of service.routes) {
        const through = status.scope === 'alone' ? route : `/${system.name}${route}`;
        rows.push([`  ${status.gateway.url}${through}`, home === undefined ? '' : `(straight: ${home.url}${route})`]);
      }
    }
    lines.push(...columns(rows));
  }
  return lines;
}
