import { pino, type DestinationStream } from 'pino';

export type Logger = pino.Logger;

/**
 * A request's log lines name it with a `requestId` field, given where the request is known (the HTTP
 * server's lines, platform/observability/unexpected-errors.ts): no AsyncLocalStorage carries it to
 * code that does not see the request, because on Node 20 that costs promise hooks on every promise.
 * @param destination where lines go (default stdout); tests pass a stream to read them back.
 */
export const createLogger = (level: string, name = 'tracseq', destination?: DestinationStream): Logger => pino({ name, level }, destination);
