import { DomainError } from '../platform/errors.js';
import type { GatewayPlugin } from './plugin.js';

export interface RateLimitOptions {
  /** Operations per minute per caller, user or API key (RATE_LIMIT_PER_MINUTE). @default 600 */
  perMinute?: number;
  /** Per minute for persisted (manifest) operations, which cost us no parsing or planning (PERSISTED_RATE_LIMIT_PER_MINUTE). @default 3000 */
  persistedPerMinute?: number;
}

/**
 * Token buckets per caller, refilled continuously; an empty bucket refuses the operation with
 * RATE_LIMITED and how many seconds to wait. Counted per gateway replica.
 */
export const useRateLimit = (options: RateLimitOptions = {}): GatewayPlugin => {
  const perMinute = options.perMinute ?? 600;
  const persistedPerMinute = options.persistedPerMinute ?? 3000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const take = (key: string, limit: number, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } => {
    const rate = limit / 60_000;
    const bucket = buckets.get(key) ?? { tokens: limit, at: now };
    bucket.tokens = Math.min(limit, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    if (buckets.size > 100_000) buckets.clear();
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000)) };
  };
  return {
    name: 'rate-limit',
    onOperation(operation) {
      const limited = take(operation.caller.rateKey, operation.manifest ? persistedPerMinute : perMinute);
      if (!limited.ok) throw new DomainError('RATE_LIMITED', `rate limit exceeded; retry in ${limited.retryAfterSeconds} s`, { retryAfterSeconds: limited.retryAfterSeconds });
    },
  };
};
