export { startAuthServer, keysFileIn, secretsFileIn, type AuthServerOptions, type RunningAuthServer } from './server.ts';
export { readAuthConfig, resolveSecrets, machineClientFor, secretVariable, defaultConfigFile, type AuthConfig, type Secrets } from './config.ts';
export { rotateKeys, loadOrCreateKeys, readKeyFile, signingAlg, type KeyFile, type StoredKey } from './keys.ts';
export { clientCredentialsToken, type TokenAnswer } from './client.ts';
