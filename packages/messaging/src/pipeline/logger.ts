/** The little the pipeline logs through; a pino logger fits it as is. */
export interface PipelineLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
