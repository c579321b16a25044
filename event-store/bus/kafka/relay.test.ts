import { describe, expect, it } from 'vitest';
import { produceRequests, REQUEST_BYTES } from './relay.js';

// librdkafka's mock accepts any request size, so the split is checked here, not against the mock.
describe('the relay\'s produce requests', () => {
  const message = (id: string, bytes: number) => ({ value: id.padEnd(bytes, 'x'), key: id });

  it('stay under a broker\'s request limit and keep every topic\'s messages in order', () => {
    const byTopic = new Map([
      ['laboratory.sample.events', Array.from({ length: 20 }, (_, i) => message(`s${i}`, 100_000))],
      ['laboratory.storage.events', Array.from({ length: 15 }, (_, i) => message(`u${i}`, 100_000))],
    ]);
    const requests = produceRequests(byTopic);
    expect(requests.length).toBeGreaterThan(3);
    for (const request of requests) {
      expect(request.flatMap((t) => t.messages).reduce((sum, m) => sum + m.value.length, 0)).toBeLessThanOrEqual(REQUEST_BYTES);
    }
    for (const [topic, messages] of byTopic) {
      expect(requests.flatMap((r) => r.filter((t) => t.topic === topic).flatMap((t) => t.messages.map((m) => m.key)))).toEqual(messages.map((m) => m.key));
    }
  });

  it('sends a message above the limit on its own rather than not at all', () => {
    const requests = produceRequests(new Map([['t', [message('small', 10), message('huge', REQUEST_BYTES + 1), message('after', 10)]]]));
    expect(requests.map((r) => r.flatMap((t) => t.messages.map((m) => m.key)))).toEqual([['small'], ['huge'], ['after']]);
  });
});
