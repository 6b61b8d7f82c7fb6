import { AppError } from '@eventide/core';
import { toAppError, type HttpClient, type HttpResult } from '@eventide/http-client';
import { cancelPaymentPath, paymentApi, type PaymentResource } from '@gdmarket/contracts';
import Type, { type Static } from 'typebox';
import type { PaymentPort } from '../application/reservations.ts';

/** How reservation reaches payment: configuration variables of the reservation service. */
export const paymentClientConfig = Type.Object({
  /** Where payment listens; the runner sets it to the payment service's address. */
  PAYMENT_URL: Type.String({ default: 'http://127.0.0.1:8083', pattern: '^https?://' }),
  /** Deadline of one attempt. */
  PAYMENT_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2_000 }),
  /** Attempts in all, the first included; every payment call is idempotent, so each may be retried. */
  PAYMENT_RETRY_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 10, default: 2 }),
  /** Failed calls in a row that open the circuit. */
  PAYMENT_BREAKER_FAILURES: Type.Integer({ minimum: 1, default: 5 }),
  /** How long the circuit stays open before one trial call goes through (half-open). */
  PAYMENT_HALF_OPEN_AFTER_MS: Type.Integer({ minimum: 1, default: 10_000 }),
});
export type PaymentClientConfig = Static<typeof paymentClientConfig>;

export const paymentClientOptions = (config: PaymentClientConfig) => ({
  name: 'payment',
  baseUrl: config.PAYMENT_URL,
  timeoutMs: config.PAYMENT_TIMEOUT_MS,
  retry: { maxAttempts: config.PAYMENT_RETRY_ATTEMPTS },
  breaker: { consecutiveFailures: config.PAYMENT_BREAKER_FAILURES, halfOpenAfterMs: config.PAYMENT_HALF_OPEN_AFTER_MS },
});

const detailOf = (problem: unknown): string =>
  typeof problem === 'object' && problem !== null && 'detail' in problem ? String(problem.detail) : 'no reason given';

/**
 * The payment contract (contracts/payment-api.ts) over the resilient client. Payment down, too
 * slow, overloaded or its circuit open: AppError unavailable/timeout/rate_limited, so the route
 * answers 503 (429) + Retry-After. Payment refusing an approval (409: the reservation is paid for
 * another item or price) is a conflict naming its reason. A 404 on cancel means the payment is
 * already gone: done. Any other 4xx says this client sent a call payment cannot take: a bug.
 */
export function paymentClient(http: HttpClient): PaymentPort {
  const settled = (result: HttpResult<unknown>, goneIsDone: boolean): void => {
    if (result.ok) return;
    if (result.kind !== 'rejected' || result.status === 429) throw toAppError(result);
    if (result.status === 409) throw new AppError('conflict', `payment refused: ${detailOf(result.problem)}`, { cause: result });
    if (result.status === 404 && goneIsDone) return;
    throw new Error(`${result.message} (${detailOf(result.problem)}): reservation sent a call payment cannot take`, { cause: result });
  };
  return {
    async settle(call) {
      if (call.kind === 'approve') {
        // Idempotent per reservation (the same body answers the payment already made), so retried.
        const result = await http.post<PaymentResource>(paymentApi.approve.path, call.body, {
          idempotent: true,
          correlationId: String(call.body.reservationNo),
        });
        settled(result, false);
        return;
      }
      const reservationNo = String(call.reservationNo);
      settled(await http.delete(cancelPaymentPath(call.reservationNo), { correlationId: reservationNo }), true);
    },
  };
}
