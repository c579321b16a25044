import { request, type Dispatcher } from 'undici';
import { IdentitySigner } from '../../platform/identity-signer.js';
import { CONSISTENCY_HEADER, CORRELATION_HEADER } from '../../platform/headers.js';
import { IDENTITY_HEADER } from '../../platform/identity.js';
import { PermanentStepError } from './saga-definition.js';

/** A GraphQL error from a subgraph, with its API code. */
export class SubgraphCallError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** Codes no retry can change; anything else (conflicts, timeouts, lag, outages) is retried. */
const PERMANENT = new Set(['BAD_USER_INPUT', 'INVALID_TRANSITION', 'NO_CAPACITY', 'FORBIDDEN', 'UNAUTHENTICATED', 'GRAPHQL_VALIDATION_FAILED']);

export type SubgraphCall = <T = any>(subgraph: string, query: string, variables?: Record<string, unknown>) => Promise<T>;

/**
 * Calls subgraphs as a saga: the internal signed identity of the saga's tenant, and the position of
 * the saga's last write as x-tracseq-consistent-with, so each step reads what the previous one wrote.
 */
export const subgraphCaller = (options: {
  urls: Record<string, string>;
  signer: IdentitySigner;
  tenantId: string;
  subject: string;
  /** The request that submitted the saga: every step's events carry it. */
  correlationId: string;
  signal: AbortSignal;
  position: { value: string };
  /** Keep-alive connections shared by the worker's calls (undici: no fetch Request/Response and web streams per call). */
  dispatcher: Dispatcher;
}): SubgraphCall => async (subgraph, query, variables = {}) => {
  const url = options.urls[subgraph];
  if (!url) throw new Error(`no URL for subgraph ${subgraph}`);
  const response = await request(url, {
    method: 'POST',
    signal: options.signal,
    dispatcher: options.dispatcher,
    headers: {
      'content-type': 'application/json',
      [IDENTITY_HEADER]: options.signer.sign({ tenantId: options.tenantId, subject: options.subject, roles: ['saga'] }),
      [CONSISTENCY_HEADER]: options.position.value,
      [CORRELATION_HEADER]: options.correlationId,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.body.json()) as { data?: Record<string, any>; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
    if (PERMANENT.has(code)) throw new PermanentStepError(error.message, code);
    throw new SubgraphCallError(error.message, code);
  }
  const payload = Object.values(body.data ?? {})[0] as { position?: string } | null;
  if (payload && typeof payload.position === 'string' && payload.position !== '0:0') options.position.value = payload.position;
  return body.data as any;
};
