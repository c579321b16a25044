import { randomUUID } from 'node:crypto';
import type DataLoader from 'dataloader';
import type { CommandHandler } from '../../event-store/command-handler.js';
import type { StoredEvent } from '../../event-store/types.js';
import { BadInputError, NotFoundError } from '../../platform/errors.js';
import { toLabEvent } from '../../platform/graphql/lab-event.js';
import { canonicalUuid, DateTimeScalar, JSONScalar } from '../../platform/graphql/scalars.js';
import { ForbiddenError, hasRole } from '../../platform/roles.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { exportTrail } from './domain/export.js';
import { signatureDecider } from './domain/signature.js';
import { qcRecordersOf, signaturesIn, trailDigest } from './domain/trail.js';
import type { RecordSigned, RecordType } from './events.js';

export interface AuditContext extends RequestContext {
  /** A record's trail (every event about it), per request. */
  trails: DataLoader<string, StoredEvent[]>;
}

/** `Sample` and `SequencingRun` as this subgraph knows them: by id. */
export interface RecordReference {
  id: string;
}

export type SignatureView = RecordSigned['data'];

/** The stream that makes a record of each type exist (a sample's id on a run ref is no run). */
const OWN_STREAM: Record<RecordType, string> = { SAMPLE: 'Sample', RUN: 'SequencingRun' };

/**
 * A record named by a client (its id in any case, as the trail index and the record's own stream
 * spell it), with its trail; NOT_FOUND when the record does not exist in the caller's tenant.
 */
const recordTrail = async (ctx: AuditContext, record: { type: RecordType; id: string }): Promise<{ id: string; trail: StoredEvent[] }> => {
  const what = record.type.toLowerCase();
  const id = canonicalUuid(record.id);
  if (!id) throw new BadInputError(`${record.id} is not a ${what} id`, { field: 'record.id' });
  const trail = await ctx.trails.load(id);
  if (!trail.some((event) => event.streamId === `${OWN_STREAM[record.type]}-${id}`)) throw new NotFoundError(`${what} ${record.id} not found`);
  return { id, trail };
};

export const auditResolvers = (deps: { commands: CommandHandler; maxAuthAgeSeconds: number }): Resolvers<AuditContext> => {
  const history = (record: RecordReference, _: unknown, ctx: AuditContext) => {
    const id = canonicalUuid(record.id);
    return id ? ctx.trails.load(id).then((trail) => trail.map(toLabEvent)) : [];
  };
  const signatures = async (record: RecordReference, _: unknown, ctx: AuditContext) => {
    const id = canonicalUuid(record.id);
    return id ? signaturesIn(await ctx.trails.load(id), id) : [];
  };

  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: {
      auditTrailExport: async (_, { record, format }, ctx) => {
        const { id, trail } = await recordTrail(ctx, record);
        return exportTrail({ ...record, id }, trail.map(toLabEvent), format);
      },
    },
    Mutation: {
      signRecord: async (_, { record, meaning }, ctx) => {
        // §11.50: approval is a manager's act; the other meanings are any technician's.
        if (meaning === 'APPROVED' && !hasRole(ctx.identity.roles, 'manager')) throw new ForbiddenError('manager');
        // The hash covers every change that finished before the signature: the trail loader waits for the index to hold it.
        const { id, trail } = await recordTrail(ctx, record);
        const digest = trailDigest(trail);
        const signatureId = randomUUID();
        const result = await deps.commands.execute(
          signatureDecider,
          signatureId,
          {
            type: 'SignRecord',
            data: {
              signatureId,
              recordType: record.type,
              recordId: id,
              meaning,
              signer: ctx.identity.subject,
              printedName: ctx.identity.name ?? null,
              authTime: ctx.identity.authTime ?? null,
              maxAuthAgeSeconds: deps.maxAuthAgeSeconds,
              trailHash: digest.hash,
              trailLength: digest.length,
              qcRecorders: qcRecordersOf(trail),
            },
          },
          commandContext(ctx),
        );
        if (result.state.status !== 'SIGNED') throw new Error('signRecord produced no signature');
        const { status: _status, ...signature } = result.state;
        // The trail this request read predates the signature: later fields read it afresh.
        ctx.trails.clear(id);
        return { signature, position: result.position };
      },
    },
    Signature: {
      id: (signature) => signature.signatureId,
      coversCurrentState: async (signature, _, ctx) => trailDigest(await ctx.trails.load(signature.recordId)).hash === signature.trailHash,
    },
    Sample: { history, signatures },
    SequencingRun: { history, signatures },
  };
};
