/**
 * Token buckets per caller: `perMinute` requests, refilled continuously. `take` answers how many
 * seconds to wait when the bucket is empty.
 */
export const useRateLimit = () => {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key: string, perMinute: number, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const rate = perMinute / 60_000;
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: now };
      bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * rate);
      bucket.at = now;
      if (buckets.size > 100_000) buckets.clear();
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000)) };
    },
  };
};
