import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';

describe('a bounded subscription queue', () => {
  it('ended by its producer, still hands over what it holds, then ends, and takes nothing more', async () => {
    let closed = 0;
    const queue = new BoundedQueue<number>(10, () => undefined, () => closed++);
    queue.push(1);
    queue.push(2);
    queue.end();
    queue.push(3);
    expect(closed).toBe(1);
    expect([await queue.next(), await queue.next(), await queue.next()]).toEqual([
      { value: 1, done: false },
      { value: 2, done: false },
      { value: undefined, done: true },
    ]);
    await queue.return();
    expect(closed).toBe(1);
  });

  it('ended while its reader waits, ends that read', async () => {
    const queue = new BoundedQueue<number>(10, () => undefined, () => undefined);
    const waiting = queue.next();
    queue.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('returned by its reader, drops what it holds', async () => {
    let closed = 0;
    const queue = new BoundedQueue<number>(10, () => undefined, () => closed++);
    queue.push(1);
    await queue.return();
    expect([await queue.next(), closed]).toEqual([{ value: undefined, done: true }, 1]);
  });
});
