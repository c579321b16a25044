import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** ws keeps a connection's TCP socket as _socket and, without permessage-deflate, writes frames to it synchronously. */
const rawSocketOf = (socket: WebSocket): Socket | undefined => (socket as unknown as { _socket?: Socket })._socket;

/** The header of an unfragmented text frame from server to client (FIN, opcode 1, unmasked; RFC 6455 §5.2). */
const textFrameHeader = (length: number): Buffer => {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 0x10000) {
    const header = Buffer.from([0x81, 126, 0, 0]);
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.from([0x81, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
};

const CLOSE_BRACE = Buffer.from('}');

/**
 * The sockets written to during one flush of a group, held corked until the flush ends: all the
 * frames a socket gets in one flush (several events, several subscriptions on one connection) leave
 * in one write. The write system call per socket, not the framing, is what fan-out spends its time
 * on; what is left per socket is one small copy: each result is encoded once per flush, and each
 * member's frame is its header and `next` prefix around those shared bytes.
 */
export class FlushBatch {
  private readonly corked = new Set<Socket>();
  private readonly encoded = new Map<string, Buffer>();

  /** Corks `socket`'s connection for the rest of this flush; undefined when ws has no socket to write to. */
  hold(socket: WebSocket): Socket | undefined {
    const raw = rawSocketOf(socket);
    if (!raw || this.corked.has(raw)) return raw;
    raw.cork();
    this.corked.add(raw);
    return raw;
  }

  /** `payload` as UTF-8, encoded once for every member written to in this flush. */
  bytes(payload: string): Buffer {
    let bytes = this.encoded.get(payload);
    if (!bytes) this.encoded.set(payload, (bytes = Buffer.from(payload)));
    return bytes;
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
  const prefixBytes = Buffer.from(prefix);
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
      const raw = batch.hold(socket);
      for (const payload of payloads) {
        pending++;
        if (!raw) {
          socket.send(`${prefix}${payload}}`, sent);
          continue;
        }
        // The frame ws would build for this message, built here around the flush's shared bytes.
        const body = batch.bytes(payload);
        const length = prefixBytes.length + body.length + 1;
        const header = textFrameHeader(length);
        raw.write(Buffer.concat([header, prefixBytes, body, CLOSE_BRACE], header.length + length), sent);
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
