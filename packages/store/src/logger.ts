/** The little the store and the outbox relay log through; a pino logger fits it as is. */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
