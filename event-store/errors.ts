/**
 * The event store's own failures. It knows no API: the GraphQL edge (platform/errors.ts) maps
 * each to an API code, so the store can be used, and tested, without the rest of TracSeq.
 */
export abstract class EventStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Another writer appended to the stream first: its version is not the one the writer expected. */
export class ConcurrencyError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at version ${actual}, expected ${expected}`);
  }
}

/** A position given from outside (a client's consistency token, an import cursor) that is not one. */
export class InvalidPositionError extends EventStoreError {
  constructor(readonly position: string) {
    super(`"${position}" is not an event-store position`);
  }
}
