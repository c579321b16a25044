import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_HEADERS = 'content-type, authorization, x-api-key, x-tracseq-consistent-with, x-tracseq-tenant, x-request-id, x-correlation-id, apollo-require-preflight';

/**
 * CORS from an allow-list (CORS_ORIGINS; `*` allows any). Answers preflights itself; returns true
 * when the request is fully handled.
 */
export const useCors = (origins: readonly string[]) => (req: IncomingMessage, res: ServerResponse): boolean => {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (origins.includes('*') || origins.includes(origin));
  if (allowed) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    // Browser apps can read the request id to quote it in a support ticket.
    res.setHeader('access-control-expose-headers', 'x-request-id');
  }
  if (req.method !== 'OPTIONS') return false;
  if (!allowed) {
    res.statusCode = 403;
    res.end();
    return true;
  }
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
  res.setHeader('access-control-max-age', '600');
  res.statusCode = 204;
  res.end();
  return true;
};
