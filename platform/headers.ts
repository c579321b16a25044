/** Headers that cross the gateway → subgraph boundary. */
export const CONSISTENCY_HEADER = 'x-tracseq-consistent-with';
export const CORRELATION_HEADER = 'x-correlation-id';
