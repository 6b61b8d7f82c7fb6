import { AppError, errorChain, networkErrorCodes } from '@eventide/core';

/**
 * Maps a driver error to the platform's error model where it has a meaning for the caller:
 * a unique-key violation is a `conflict` (409); a server that cannot be reached, a lost
 * connection, a busy or locked database and a transaction the server aborted to resolve
 * contention are `unavailable` (503 + Retry-After: trying again later may succeed).
 * Anything else (a syntax error, a missing table) is a bug and stays as it is: undefined.
 */
export function classifyError(error: unknown): AppError | undefined {
  if (error instanceof AppError || !(error instanceof Error)) return undefined;
  if (isUniqueViolation(error)) return new AppError('conflict', 'a row with the same key already exists', { cause: error });
  if (isUnavailable(error)) {
    return new AppError('unavailable', `database unavailable: ${error.message}`, { cause: error, retryAfterSeconds: 1 });
  }
  return undefined;
}

/**
 * Why a store cannot open, in the words its operator acts on, or undefined when the error is not
 * one of these: its database does not exist, or the server refused its credentials. A service that
 * fails to start on one prints this line instead of a stack trace.
 */
export function explainStoreFailure(error: unknown): string | undefined {
  for (const cause of errorChain(error)) {
    const { code } = cause as DriverError;
    if (code === '3D000' || code === 'ER_BAD_DB_ERROR') return `its store's database does not exist (${cause.message}): create it, then start again`;
    if (typeof code === 'string' && refusedCredentialCodes.has(code)) return `its store refused the credentials (${cause.message})`;
  }
  return undefined;
}

/** PostgreSQL's SQLSTATE class 28 and MariaDB's access errors. */
const refusedCredentialCodes = new Set(['28000', '28P01', 'ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_DBACCESS_DENIED_ERROR']);

/**
 * The server aborted the transaction to resolve contention (a deadlock, a serialization failure):
 * running the same transaction again is the remedy, and may succeed at once.
 */
export function isContentionAbort(error: unknown): boolean {
  const cause = error instanceof AppError ? error.cause : error;
  const code = (cause as DriverError | undefined)?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === '40P01' || code === '40001';
}

interface DriverError extends Error {
  readonly code?: unknown; // node, pg (SQLSTATE) and mysql2 (ER_*) codes
  readonly errcode?: unknown; // node:sqlite extended result code
  readonly errno?: unknown; // mysql2 server error number
  readonly fatal?: unknown; // mysql2: the connection is unusable
  readonly errors?: unknown; // AggregateError from a multi-address connect
}

const sqliteConstraintUnique = 2067;
const sqliteConstraintPrimaryKey = 1555;
const sqliteBusy = 5;
const sqliteLocked = 6;

function isUniqueViolation(error: DriverError): boolean {
  if (error.code === 'ERR_SQLITE_ERROR') return error.errcode === sqliteConstraintUnique || error.errcode === sqliteConstraintPrimaryKey;
  return error.code === '23505' || error.code === 'ER_DUP_ENTRY' || error.errno === 1062;
}


const mysqlCodes = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
]);

const postgresCodes = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
]);

/** pg reports these without a code. */
const postgresClientMessages = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

function isUnavailable(error: DriverError): boolean {
  const { code } = error;
  if (code === 'ERR_SQLITE_ERROR') {
    const primary = typeof error.errcode === 'number' ? error.errcode & 0xff : -1;
    return primary === sqliteBusy || primary === sqliteLocked;
  }
  if (typeof code === 'string') {
    if (networkErrorCodes.has(code) || mysqlCodes.has(code) || postgresCodes.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true; // SQLSTATE class 08: connection exception
  }
  if (error.fatal === true) return true;
  if (postgresClientMessages.test(error.message)) return true;
  return Array.isArray(error.errors) && error.errors.some((inner) => inner instanceof Error && isUnavailable(inner));
}
