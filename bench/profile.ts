/**
 * `node bench/profile.ts <dir> [--top 25]`: summarizes the V8 CPU profiles (`*.cpuprofile`) that
 * `npm run bench -- <system> --profile <dir>` left there, one process each: where its CPU went,
 * by self time, per area (node internals, each package, each workspace) and per function.
 * When the bench wrote `window.json` (the measured phase, in monotonic-clock microseconds, the
 * clock V8 stamps samples with), only samples inside it count, so start-up does not drown the load.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { report, round } from './lib/stats.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, json: { type: 'boolean', default: false } } });
const dir = positionals[0];
if (!dir) throw new Error('usage: node bench/profile.ts <dir with .cpuprofile files>');
const top = Number(values.top);
const windowFile = join(dir, 'window.json');
const window = existsSync(windowFile) ? (JSON.parse(readFileSync(windowFile, 'utf8')) as { from: number; to: number }) : undefined;

/** Where a function lives: a package, a workspace, Node itself, or V8's pseudo-frames. */
function areaOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node';
  const dependency = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (dependency) return dependency[1]!;
  const workspace = url.match(/\/(packages\/[^/]+|gateway|runner|systems\/[^/]+\/[^/]+)\//);
  return workspace ? workspace[1]! : url;
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let time = profile.startTime;
  let counted = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    time += delta;
    if (window && (time < window.from || time > window.to)) return;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') return;
    const area = areaOf(url, functionName);
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|packages|systems|gateway)\//, '$1/')}:${lineNumber + 1}`;
    areas.set(area, (areas.get(area) ?? 0) + delta);
    functions.set(where, (functions.get(where) ?? 0) + delta);
    counted += delta;
  });
  const rows = (totals: Map<string, number>, key: string) =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ [key]: name, ms: round(us / 1000, 0), '%': round((us / counted) * 100) }));
  report(`${file}: ${round(counted / 1000, 0)} ms busy${window ? ' in the measured window' : ''}, by area`, rows(areas, 'area'), values.json);
  report(`${file}: by function (self time)`, rows(functions, 'function'), values.json);
}
