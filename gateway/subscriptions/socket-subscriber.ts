import type { WebSocket } from 'ws';

/** What a group hands each member: one event's result, serialized once for the whole group. */
export interface Member {
  write(payload: string): void;
  end(): void;
}

/**
 * One graphql-ws subscription on a socket, written to directly: the group's serialized result is
 * wrapped in this subscription's `next` frame and sent without waiting, so a slow socket never
 * holds up the group. Backpressure stays per subscriber: a socket with more than `limit` messages
 * not yet handed to the kernel is let go through `onOverflow`. graphql-ws still owns the protocol
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
    write(payload) {
      if (ended || socket.readyState !== socket.OPEN) return;
      if (pending >= limit) {
        onOverflow();
        end();
        return;
      }
      pending++;
      socket.send(`${prefix}${payload}}`, sent);
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
