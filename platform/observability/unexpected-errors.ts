import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { unexpectedCause } from '../errors.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import type { Logger } from '../logger.js';

/**
 * Logs every unexpected error (a bug, an outage: what callers see as INTERNAL_SERVER_ERROR) with the
 * id of the request it broke, read from the request itself. The id is not kept in an
 * AsyncLocalStorage for the logger to find: on Node 20 that installs promise hooks on every promise
 * of the process, about a fifth of a subgraph's CPU per federated page (docs/performance.md).
 */
export const logUnexpectedErrors = <C extends BaseContext>(logger: Logger, message: string, fields: Record<string, unknown> = {}): ApolloServerPlugin<C> => ({
  async contextCreationDidFail({ error }) {
    const cause = unexpectedCause(error, undefined);
    if (cause !== null) logger.error({ err: cause, ...fields }, message);
  },
  async requestDidStart({ request }) {
    const requestId = request.http?.headers.get(REQUEST_ID_HEADER);
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors) {
          const cause = unexpectedCause(error, error.extensions?.code);
          if (cause !== null) logger.error({ err: cause, requestId, ...fields }, message);
        }
      },
    };
  },
});
