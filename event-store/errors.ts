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

/**
 * A command the client gave no expected version kept losing the race for its stream(s) to other
 * writers, past the handler's retries. Not a ConcurrencyError: nobody expected a version, so there is
 * no stale read to report; the command wrote nothing and can simply be sent again.
 */
export class ContentionError extends EventStoreError {
  constructor(
    readonly streamIds: readonly string[],
    readonly attempts: number,
  ) {
    super(`gave up after ${attempts} attempts: other writers kept changing ${streamIds.join(', ')} first`);
  }
}

/** A position given from outside (a client's consistency token, an import cursor) that is not one. */
export class InvalidPositionError extends EventStoreError {
  constructor(readonly position: string) {
    super(`"${position}" is not an event-store position`);
  }
}
