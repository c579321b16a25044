/** Headers that cross the gateway → subgraph boundary. */
export const CONSISTENCY_HEADER = 'x-tracseq-consistent-with';
export const CORRELATION_HEADER = 'x-correlation-id';

/**
 * In a subgraph's answer to a read that carried CONSISTENCY_HEADER: the furthest position its read
 * models are known to have applied. The gateway sends the highest it has seen (and the caller's) to
 * the fetches of the plan that follow, so a federated answer never shows one context ahead of
 * another it depends on (a sample IN_STORAGE with no location yet).
 */
export const READ_POSITION_EXTENSION = 'tracseqReadPosition';
