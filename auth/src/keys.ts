import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '@eventide/core';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import Type from 'typebox';
import Value from 'typebox/value';

/**
 * The signing keys, persisted in one file under the run's data dir (mode 0600): first the key
 * that signs, then retired keys whose public half stays published until every token they signed
 * has expired. The private halves never leave this file and are never logged.
 */
export const signingAlg = 'ES256';

export interface StoredKey {
  /** Private JWK (P-256), with `kid` (its RFC 7638 thumbprint), `alg` and `use`. */
  readonly jwk: JWK & { readonly kid: string };
  readonly createdAt: string;
  /** When a newer key took over signing; absent on the current key. */
  readonly retiredAt?: string;
}

export interface KeyFile {
  readonly keys: readonly StoredKey[];
}

const keyFileSchema = Type.Object({
  keys: Type.Array(
    Type.Object({
      jwk: Type.Object({ kty: Type.Literal('EC'), crv: Type.Literal('P-256'), kid: Type.String(), d: Type.String(), x: Type.String(), y: Type.String() }),
      createdAt: Type.String(),
      retiredAt: Type.Optional(Type.String()),
    }),
    { minItems: 1 },
  ),
});

async function newKey(now: Date): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(signingAlg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { jwk: { ...jwk, kid, alg: signingAlg, use: 'sig' }, createdAt: now.toISOString() };
}

export async function readKeyFile(file: string): Promise<KeyFile> {
  const document: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!Value.Check(keyFileSchema, document)) throw new AppError('validation', `${file} is not a signing key file`);
  return document as KeyFile;
}

async function writeKeyFile(file: string, keys: KeyFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/** Retired keys stay published while a token they signed can still be in date (plus the verifiers' clock tolerance). */
function withoutExpired(keys: KeyFile, now: Date, tokenTtlSeconds: number): KeyFile {
  const keepFor = (tokenTtlSeconds + 60) * 1_000;
  return { keys: keys.keys.filter((k) => k.retiredAt === undefined || now.getTime() - Date.parse(k.retiredAt) < keepFor) };
}

/** The key file, created with one key on the first start; retired keys past their use dropped. */
export async function loadOrCreateKeys(file: string, tokenTtlSeconds: number, now = new Date()): Promise<KeyFile> {
  let keys: KeyFile;
  try {
    keys = await readKeyFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    keys = { keys: [await newKey(now)] };
    await writeKeyFile(file, keys);
    return keys;
  }
  const kept = withoutExpired(keys, now, tokenTtlSeconds);
  if (kept.keys.length !== keys.keys.length) await writeKeyFile(file, kept);
  return kept;
}

/**
 * A new key goes first and signs from now on; the previous ones stay published (retired) until
 * tokens they signed have expired. A running server picks the file up (it watches it).
 */
export async function rotateKeys(file: string, tokenTtlSeconds: number, now = new Date()): Promise<{ kid: string; published: string[] }> {
  const current = await loadOrCreateKeys(file, tokenTtlSeconds, now);
  const fresh = await newKey(now);
  const retired = current.keys.map((k) => (k.retiredAt === undefined ? { ...k, retiredAt: now.toISOString() } : k));
  const next = { keys: [fresh, ...retired] };
  await writeKeyFile(file, next);
  return { kid: fresh.jwk.kid, published: next.keys.map((k) => k.jwk.kid) };
}
