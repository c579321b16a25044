import type { GatewayPlugin } from './plugin.js';

const ALLOWED_HEADERS = 'content-type, authorization, x-api-key, x-tracseq-consistent-with, x-tracseq-tenant, x-request-id, x-correlation-id, apollo-require-preflight';

export interface CorsOptions {
  /** Browser origins allowed to call /graphql (CORS_ORIGINS); `*` allows any. @default [] (none) */
  origins?: readonly string[];
}

/** CORS on /graphql from an allow-list. Answers preflights itself. */
export const useCors = (options: CorsOptions = {}): GatewayPlugin => {
  const origins = options.origins ?? [];
  return {
    name: 'cors',
    onHttpRequest(req, res) {
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
    },
  };
};
