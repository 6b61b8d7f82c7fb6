export { createHttpClient, correlationHeader, type HttpClient, type RequestOptions, type CallOptions } from './client.ts';
export type {
  HttpClientOptions,
  BreakerState,
  StateChange,
  Logger,
  RetryOptions,
  ConsecutiveBreakerOptions,
  SamplingBreakerOptions,
  BulkheadOptions,
} from './options.ts';
export { orThrow, orFallback, toAppError } from './result.ts';
export type { HttpResult, HttpOk, HttpFailure, HttpUnavailable, HttpRejected, Degradable, ResponseHeaders } from './result.ts';
export type { Method } from './transport.ts';
