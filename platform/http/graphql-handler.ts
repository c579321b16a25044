import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { extensionsOf, statusOf } from '../error-codes.js';
import { DomainError } from '../errors.js';

export interface GraphQLHandlerOptions<C extends BaseContext> {
  /** Builds the request context; a DomainError here becomes a typed GraphQL error with its HTTP status. */
  context?: (req: IncomingMessage, headers: HeaderMap) => Promise<C>;
  /**
   * Runs before Apollo Server with the parsed request (POST body, or GET parameters): may rewrite
   * it (a persisted query's text, also for a GET) and builds the context; a DomainError refuses the request.
   */
  prepare?: (
    headers: HeaderMap,
    request: { query?: string; variables?: Record<string, unknown>; operationName?: string; extensions?: Record<string, any> },
    method: string,
  ) => Promise<{ body?: unknown; context: C }>;
  /**
   * Largest request body accepted, in bytes.
   * @default 1_048_576
   */
  maxBodyBytes?: number;
}

/** Apollo Server on plain node:http (the documented executeHTTPGraphQLRequest integration). */
export const graphqlHandler = <C extends BaseContext>(apollo: ApolloServer<C>, options: GraphQLHandlerOptions<C>) => {
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  return async (req: IncomingMessage, res: ServerResponse, search: string): Promise<void> => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBodyBytes);
      if (raw === null) return sendError(res, 413, 'BAD_REQUEST', `request body exceeds ${maxBodyBytes} bytes`);
      const type = headers.get('content-type') ?? '';
      if (type.includes('application/json')) {
        try {
          body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
        } catch {
          return sendError(res, 400, 'BAD_REQUEST', 'request body is not valid JSON');
        }
      } else {
        body = raw.toString('utf8');
      }
    }
    let prepared: { body?: unknown; context: C } | null = null;
    if (options.prepare) {
      const params = new URLSearchParams(search);
      const request = (req.method === 'POST' ? body : {
        query: params.get('query') ?? undefined,
        operationName: params.get('operationName') ?? undefined,
        variables: parseJsonParam(params.get('variables')),
        extensions: parseJsonParam(params.get('extensions')),
      }) as Parameters<NonNullable<typeof options.prepare>>[1];
      try {
        prepared = await options.prepare(headers, request && typeof request === 'object' ? request : {}, req.method ?? 'GET');
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const retryAfter = error.details.retryAfterSeconds;
        if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter));
        return sendJson(res, statusOf(error), { errors: [{ message: error.message, extensions: extensionsOf(error) }] });
      }
      if (prepared.body !== undefined) body = prepared.body;
    }
    let method = req.method ?? 'GET';
    if (method === 'GET' && body !== undefined) {
      // A persisted operation asked for by GET, replaced by its text: Apollo Server runs it as the
      // JSON POST it now is (prepare has refused mutations by GET).
      method = 'POST';
      headers.set('content-type', 'application/json');
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search, body },
      context: async () => {
        try {
          if (prepared) return prepared.context;
          return await options.context!(req, headers);
        } catch (error) {
          if (error instanceof DomainError) {
            throw new GraphQLError(error.message, {
              extensions: { code: extensionsOf(error).code, http: { status: statusOf(error) } },
            });
          }
          throw error;
        }
      },
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    // Apollo Server may mark a response cacheable from hints; an API answer is per caller, never cached.
    res.setHeader('cache-control', 'no-store');
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
};

const parseJsonParam = (value: string | null): Record<string, any> | undefined => {
  if (!value) return undefined;
  try {
    return JSON.parse(value) as Record<string, any>;
  } catch {
    return undefined;
  }
};

const readBody = (req: IncomingMessage, limit: number): Promise<Buffer | null> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });

export const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
};

const sendError = (res: ServerResponse, status: number, code: string, message: string): void =>
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
