// `npm test` after the static checks: every *.test.ts under the workspaces, with the spec reporter
// and a tally of the tests that ran against each real server. Extra arguments replace the globs.
import { spawnSync } from 'node:child_process';

const globs = process.argv.slice(2);
const files = globs.length > 0 ? globs : ['packages/**/*.test.ts', 'gateway/**/*.test.ts', 'auth/**/*.test.ts', 'runner/**/*.test.ts', 'systems/**/*.test.ts'];
const concurrency = process.env.TEST_CONCURRENCY ?? '3';
const { status } = spawnSync(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=120000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/infra-tally.mjs',
    '--test-reporter-destination=stdout',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(status ?? 1);
