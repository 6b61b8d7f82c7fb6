import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '@eventide/core';
import { orFallback, orThrow, type HttpRejected, type HttpUnavailable } from '../src/index.ts';

const circuitOpen: HttpUnavailable = {
  ok: false,
  kind: 'circuit-open',
  target: 'payments',
  message: 'circuit to payments is open',
  retryAfterSeconds: 12,
};
const rejected = (status: number, problem: unknown = {}): HttpRejected => ({
  ok: false,
  kind: 'rejected',
  target: 'payments',
  message: `payments answered ${status}`,
  status,
  problem,
});

describe('orThrow', () => {
  it('returns the body of a success', () => {
    assert.deepEqual(orThrow({ ok: true, status: 200, headers: {}, body: { paid: true } }), { paid: true });
  });

  for (const kind of ['unavailable', 'circuit-open', 'bulkhead-full'] as const) {
    it(`turns ${kind} into an unavailable AppError carrying when to retry`, () => {
      assert.throws(
        () => orThrow({ ...circuitOpen, kind }),
        (error) => error instanceof AppError && error.code === 'unavailable' && error.retryAfterSeconds === 12 && error.canRetry,
      );
    });
  }

  it('turns a timeout into a timeout AppError', () => {
    assert.throws(
      () => orThrow({ ...circuitOpen, kind: 'timeout' }),
      (error) => error instanceof AppError && error.code === 'timeout' && error.retryAfterSeconds === 12,
    );
  });

  it('keeps the meaning of a 4xx and the violations of its problem body', () => {
    const violations = [{ field: '/amount', rule: 'must be positive' }];
    assert.throws(
      () => orThrow(rejected(400, { title: 'Bad Request', violations })),
      (error) => error instanceof AppError && error.code === 'validation' && assert.deepEqual(error.violations, violations) === undefined,
    );
    assert.throws(() => orThrow(rejected(404)), (error) => error instanceof AppError && error.code === 'not_found');
    assert.throws(() => orThrow(rejected(409)), (error) => error instanceof AppError && error.code === 'conflict');
    assert.throws(
      () => orThrow({ ...rejected(429), retryAfterSeconds: 3 }),
      (error) => error instanceof AppError && error.code === 'rate_limited' && error.retryAfterSeconds === 3,
    );
  });

  it('throws a plain Error for a 4xx that says the call itself is wrong', () => {
    assert.throws(() => orThrow(rejected(405)), (error) => !(error instanceof AppError) && /cannot take/.test(String(error)));
  });
});

describe('orFallback', () => {
  it('says the value is not degraded when the call succeeded', () => {
    assert.deepEqual(
      orFallback({ ok: true, status: 200, headers: {}, body: ['tent'] }, () => []),
      { degraded: false, value: ['tent'] },
    );
  });

  it('marks the fallback degraded and says why', () => {
    assert.deepEqual(
      orFallback<string[], string[]>(circuitOpen, () => []),
      { degraded: true, value: [], reason: circuitOpen },
    );
  });

  it('does not fall back on a rejection: it throws as orThrow does', () => {
    assert.throws(() => orFallback(rejected(404), () => []), (error) => error instanceof AppError && error.code === 'not_found');
  });
});
