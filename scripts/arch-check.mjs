// `npm run arch`: the dependency rule of .dependency-cruiser.cjs, checked twice. First on the
// real tree, which must have no violation. Then on test/fixtures/arch, a fake system with
// planted violations, which must report exactly those: so a rule that stops matching (a typo
// in a pattern, imports that no longer resolve) fails here instead of passing in silence.
import { existsSync } from 'node:fs';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const config = './.dependency-cruiser.cjs';
const fixture = 'test/fixtures/arch';

/** The planted violations, as `rule: from → to` (a package stands for any file in it). */
const planted = [
  `domain-imports-only-core: ${fixture}/systems/shop/orders/src/domain/order.ts → kysely`,
  `drivers-only-in-adapters: ${fixture}/systems/shop/orders/src/domain/order.ts → kysely`,
  `no-cross-service-imports: ${fixture}/systems/shop/orders/src/adapters/billing-gateway.ts → ${fixture}/systems/shop/billing/src/application/issue-invoice.ts`,
];

const options = await extractDepcruiseOptions(config);
const transpile = { tsConfig: extractTSConfig(options.ruleSet.options?.tsConfig?.fileName ?? 'tsconfig.json') };

async function violationsIn(roots) {
  const { output } = await cruise(roots, options, undefined, transpile);
  if (typeof output === 'string') throw new Error(`dependency-cruiser answered text, not a result: ${output}`);
  const described = output.summary.violations.map(({ rule, from, to }) => {
    const target = to.replace(/^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1');
    return `${rule.name}: ${from} → ${target}`;
  });
  return { described: [...new Set(described)].sort(), modules: output.summary.totalCruised };
}

let failed = false;
const report = (ok, line, details = []) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} arch: ${line}`);
  for (const detail of details) console.log(`       ${detail}`);
  failed ||= !ok;
};

const roots = ['packages', 'systems', 'gateway', 'auth', 'runner'].filter((dir) => existsSync(dir));
const tree = await violationsIn(roots);
report(
  tree.described.length === 0,
  `${roots.join(', ')}: ${tree.described.length} violation(s) in ${tree.modules} modules`,
  tree.described,
);

const planting = await violationsIn([fixture]);
const missed = planted.filter((v) => !planting.described.includes(v));
const unexpected = planting.described.filter((v) => !planted.includes(v));
report(
  missed.length === 0 && unexpected.length === 0,
  `${fixture}: the rules report exactly its ${planted.length} planted violations`,
  [...missed.map((v) => `not reported: ${v}`), ...unexpected.map((v) => `not planted: ${v}`)],
);

process.exit(failed ? 1 : 0);
