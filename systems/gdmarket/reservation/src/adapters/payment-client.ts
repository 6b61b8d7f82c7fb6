import { AppError } from '@eventide/core';
import { toAppError, type HttpClient, type HttpResult } from '@eventide/http-client';
import { callConfig } from '@eventide/service-host';
import { cancelPaymentPath, paymentApi, type PaymentResource } from '@gdmarket/contracts';
import type { Static } from 'typebox';
import type { PaymentPort } from '../application/reservations.ts';

/**
 * How reservation reaches payment: PAYMENT_URL, PAYMENT_TIMEOUT_MS, PAYMENT_RETRY_ATTEMPTS (every
 * payment call is idempotent, so each may be retried), PAYMENT_BREAKER_FAILURES,
 * PAYMENT_HALF_OPEN_AFTER_MS, PAYMENT_MAX_IN_FLIGHT and PAYMENT_MAX_QUEUED (none wait by default:
 * past 32 calls in flight a payment answers 503 + Retry-After at once).
 */
export const paymentCall = callConfig('PAYMENT', { url: 'http://127.0.0.1:8083' });
export type PaymentClientConfig = Static<typeof paymentCall.schema>;

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
