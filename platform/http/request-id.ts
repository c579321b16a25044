import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CORRELATION_HEADER } from '../headers.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller may send as its request id: it ends up in logs and event metadata, so no free text. */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of this request: the caller's `x-request-id` (or, between our services, the correlation id
 * the gateway sent) when it is a plain token, otherwise a new UUID.
 */
export const requestIdOf = (req: IncomingMessage): string => {
  for (const name of [REQUEST_ID_HEADER, CORRELATION_HEADER]) {
    const value = req.headers[name];
    if (typeof value === 'string' && ACCEPTABLE.test(value)) return value;
  }
  return randomUUID();
};
