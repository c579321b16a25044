import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream } from 'pino';

export type Logger = pino.Logger;

/** The request being served, for every log line written while serving it. */
const currentRequest = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` as part of request `requestId`: every log line it writes, however deep, carries the id. */
export const withRequestId = <T>(requestId: string, fn: () => T): T => currentRequest.run({ requestId }, fn);
export const currentRequestId = (): string | undefined => currentRequest.getStore()?.requestId;

/** @param destination where lines go (default stdout); tests pass a stream to read them back. */
export const createLogger = (level: string, name = 'tracseq', destination?: DestinationStream): Logger =>
  pino(
    {
      name,
      level,
      // A mixin rather than child loggers: code that never sees the request still logs its id.
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    destination,
  );
