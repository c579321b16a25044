import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * The sockets written to during one flush of a group, held corked until the flush ends: all the
 * frames a socket gets in one flush (several events, several subscriptions on one connection) leave
 * in one write. The write system call per socket, not the framing, is what fan-out spends its time
 * on.
 */
export class FlushBatch {
  private readonly corked = new Set<Socket>();

  /** Corks `socket`'s connection for the rest of this flush. */
  hold(socket: WebSocket): void {
    // ws keeps its connection as _socket; a frame is written to it synchronously (no permessage-deflate).
    const raw = (socket as unknown as { _socket?: Socket })._socket;
    if (!raw || this.corked.has(raw)) return;
    raw.cork();
    this.corked.add(raw);
  }

  /** Sends everything held. */
  release(): void {
    for (const raw of this.corked) raw.uncork();
    this.corked.clear();
  }
}

/** What a group hands each member: events' results, each serialized once for the whole group, in order. */
export interface Member {
  write(payloads: readonly string[], batch: FlushBatch): void;
  end(): void;
}

/**
 * One graphql-ws subscription on a socket, written to directly: the group's serialized results are
 * wrapped in this subscription's `next` frames and sent without waiting, so a slow socket never
 * holds up the group. Backpressure stays per subscriber: a socket with `limit` messages still not
 * handed to the kernel when the next flush comes is let go through `onOverflow`. graphql-ws still owns the protocol
 * (subscribe, complete, errors) through `iterator`, which yields nothing and ends with the member.
 */
export const socketSubscriber = (socket: WebSocket, id: string, limit: number, onOverflow: () => void) => {
  const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  let pending = 0;
  let ended = false;
  let leave: () => void = () => undefined;
  let wake: ((result: IteratorResult<never>) => void) | null = null;
  const sent = () => {
    pending--;
  };
  const end = () => {
    if (ended) return;
    ended = true;
    leave();
    wake?.({ value: undefined, done: true });
    wake = null;
  };
  const member: Member = {
    write(payloads, batch) {
      if (ended || socket.readyState !== socket.OPEN) return;
      // Only what earlier flushes left unsent counts: a batch is one write, however many events it carries.
      if (pending >= limit) {
        onOverflow();
        end();
        return;
      }
      batch.hold(socket);
      for (const payload of payloads) {
        pending++;
        socket.send(`${prefix}${payload}}`, sent);
      }
    },
    end,
  };
  const iterator: AsyncIterableIterator<never> = {
    next: () => (ended ? Promise.resolve({ value: undefined, done: true }) : new Promise((resolve) => (wake = resolve))),
    return: () => {
      end();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw: (error) => {
      end();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return {
    member,
    iterator,
    /** Ties ending this subscription (client complete, socket closed, overflow) to leaving its group. */
    joined(leaveGroup: () => void) {
      if (ended) leaveGroup();
      else leave = leaveGroup;
    },
  };
};
