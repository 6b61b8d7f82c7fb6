import { resolve, join } from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '@eventide/core';
import { defaultConfigFile, readAuthConfig } from './config.ts';
import { rotateKeys } from './keys.ts';
import { keysFileIn } from './server.ts';

const usage = `usage:
  npm run auth -- rotate-keys     a new signing key signs from now on; the previous public keys stay published
                                  until the tokens they signed have expired (the running server reloads the file)
DATA_DIR (default .data) names the run's data directory (keys in <data>/auth); AUTH_CONFIG_FILE the clients and users.`;

const { positionals, values } = parseArgs({ allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
const [command] = positionals;
try {
  if (values.help || command === undefined) {
    console.log(usage);
  } else if (command === 'rotate-keys') {
    const config = await readAuthConfig(process.env.AUTH_CONFIG_FILE ?? defaultConfigFile);
    const file = keysFileIn(join(resolve(process.env.DATA_DIR ?? '.data'), 'auth'));
    const { kid, published } = await rotateKeys(file, config.accessTokenTtlSeconds);
    console.log(`signing with ${kid} from now on; published: ${published.join(', ')} (${file})`);
  } else {
    process.stderr.write(`unknown command ${command}\n${usage}\n`);
    process.exitCode = 1;
  }
} catch (error) {
  if (!isAppError(error)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
