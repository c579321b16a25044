import { Agent, request } from 'undici';

export interface SubgraphReply {
  status: number;
  body: string;
  contentType: string | undefined;
}

/** One POST of a GraphQL request to a subgraph, answered raw. */
export type SubgraphFetch = (url: string, request: { headers: Record<string, string>; body: string }) => Promise<SubgraphReply>;

/**
 * HTTP to subgraphs: pooled keep-alive connections (undici), and single-flight for queries — an
 * identical request (same subgraph, same signed identity, same consistency position, same body)
 * already in flight is shared instead of sent again. Mutations are never shared. Each caller gets
 * the raw body and parses its own copy, so no response object is shared between operations.
 */
export class SubgraphTransport {
  /**
   * Requests in flight, by body, then by where and as whom they go. Keyed by the body string itself
   * rather than by one key joining it with the rest: such a key is a new string per request, copied
   * whole (several KB for an entity fetch) to be hashed.
   */
  private readonly inflight = new Map<string, Map<string, Promise<SubgraphReply>>>();
  private readonly agent: Agent;

  constructor(
    options: {
      /** @default 128 connections per subgraph origin */
      connections?: number;
      /** @default true */
      singleFlight?: boolean;
    } = {},
  ) {
    this.agent = new Agent({ connections: options.connections ?? 128, keepAliveTimeout: 30_000, pipelining: 1 });
    this.singleFlight = options.singleFlight ?? true;
  }

  private readonly singleFlight: boolean;

  send(url: string, headers: Record<string, string>, body: string, shareable: boolean): Promise<SubgraphReply> {
    if (!shareable || !this.singleFlight) return this.post(url, headers, body);
    const route = `${url}\n${headers['x-tracseq-identity'] ?? ''}\n${headers['x-tracseq-consistent-with'] ?? ''}`;
    let sameBody = this.inflight.get(body);
    const running = sameBody?.get(route);
    if (running) return running;
    const started = this.post(url, headers, body).finally(() => {
      const routes = this.inflight.get(body);
      if (routes?.get(route) !== started) return;
      routes.delete(route);
      if (routes.size === 0) this.inflight.delete(body);
    });
    if (!sameBody) this.inflight.set(body, (sameBody = new Map()));
    sameBody.set(route, started);
    return started;
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<SubgraphReply> {
    const response = await request(url, { method: 'POST', headers, body, dispatcher: this.agent, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const contentType = response.headers['content-type'];
    return { status: response.statusCode, body: await response.body.text(), contentType: Array.isArray(contentType) ? contentType[0] : contentType };
  }

  /**
   * The entry the gateway's data sources call: the raw answer, which the caller parses once (no
   * fetch Request/Response objects and web streams on the way, which cost more than the request).
   */
  readonly fetch: SubgraphFetch = (url, { headers, body }) =>
    // The gateway sends {"query": "...", ...}: a mutation operation is never shared.
    this.send(url, headers, body, !/"query":"\s*mutation\b/.test(body.slice(0, 200)));

  close(): Promise<void> {
    return this.agent.close();
  }
}
