/**
 * What the event store logs through. pino's logger (platform/logger.ts) satisfies it; a structured
 * object first, then the message, as pino takes them.
 */
export interface LogFn {
  (fields: Record<string, unknown>, message: string): void;
}

export interface Logger {
  warn: LogFn;
  error: LogFn;
}
