// A node:test reporter that counts passed tests by the server named in brackets in any of their
// suite names ([kafka], [postgres], [mariadb], [redis]), so CI's log shows what ran for real.
const servers = ['kafka', 'postgres', 'mariadb', 'redis'];

export default async function* infraTally(source) {
  const passed = Object.fromEntries(servers.map((s) => [s, 0]));
  const skipped = Object.fromEntries(servers.map((s) => [s, 0]));
  const stack = [];
  for await (const event of source) {
    if (event.type === 'test:start') stack[event.data.nesting] = event.data.name;
    if (event.type !== 'test:pass' || event.data.details?.type === 'suite') continue;
    const path = [...stack.slice(0, event.data.nesting), event.data.name].join(' ');
    for (const server of servers) {
      if (!path.includes(`[${server}]`)) continue;
      if (event.data.skip) skipped[server] += 1;
      else passed[server] += 1;
    }
  }
  const line = servers.map((s) => `${s} ${passed[s]}${skipped[s] ? ` (+${skipped[s]} skipped)` : ''}`).join(', ');
  yield `\ntests run against real servers: ${line}\n`;
}
