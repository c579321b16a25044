import { randomUUID } from 'node:crypto';
import type DataLoader from 'dataloader';
import type { CommandHandler } from '../../event-store/command-handler.js';
import type { StoredEvent } from '../../event-store/types.js';
import { BadInputError, NotFoundError } from '../../platform/errors.js';
import { toLabEvent } from '../../platform/graphql/lab-event.js';
import { DateTimeScalar, JSONScalar, isUuid } from '../../platform/graphql/scalars.js';
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

/** A record's trail, or NOT_FOUND when the record does not exist in the caller's tenant. */
const recordTrail = async (ctx: AuditContext, record: { type: RecordType; id: string }): Promise<StoredEvent[]> => {
  const what = record.type.toLowerCase();
  if (!isUuid(record.id)) throw new BadInputError(`${record.id} is not a ${what} id`, { field: 'record.id' });
  const trail = await ctx.trails.load(record.id);
  if (!trail.some((event) => event.streamId === `${OWN_STREAM[record.type]}-${record.id}`)) throw new NotFoundError(`${what} ${record.id} not found`);
  return trail;
};

export const auditResolvers = (deps: { commands: CommandHandler; maxAuthAgeSeconds: number }): Resolvers<AuditContext> => {
  const history = (record: RecordReference, _: unknown, ctx: AuditContext) => (isUuid(record.id) ? ctx.trails.load(record.id).then((trail) => trail.map(toLabEvent)) : []);
  const signatures = async (record: RecordReference, _: unknown, ctx: AuditContext) => (isUuid(record.id) ? signaturesIn(await ctx.trails.load(record.id), record.id) : []);

  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: {
      auditTrailExport: async (_, { record, format }, ctx) => exportTrail(record, (await recordTrail(ctx, record)).map(toLabEvent), format),
    },
    Mutation: {
      signRecord: async (_, { record, meaning }, ctx) => {
        // §11.50: approval is a manager's act; the other meanings are any technician's.
        if (meaning === 'APPROVED' && !hasRole(ctx.identity.roles, 'manager')) throw new ForbiddenError('manager');
        // The hash covers every change that finished before the signature: the trail loader waits for the index to hold it.
        const trail = await recordTrail(ctx, record);
        const id = record.id;
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
