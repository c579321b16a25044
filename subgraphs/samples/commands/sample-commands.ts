import { randomUUID } from 'node:crypto';
import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { BadInputError, NotFoundError } from '../../../platform/errors.js';
import { canonicalUuid } from '../../../platform/graphql/scalars.js';
import { validateBarcode } from '../../../platform/lab-rules.js';
import type { SampleStatus } from '../events.js';
import { barcodeClaimId, barcodeDecider } from '../domain/barcode.js';
import { sampleDerivation, type DeriveSample } from '../domain/derivation.js';
import { sampleRegistration } from '../domain/registration.js';
import { exists, moveTo, sampleDecider, type RegisterSample, type Sample, type SampleState } from '../domain/sample.js';
import type { SampleView } from '../read-model/queries.js';

/** What a client registers: the command's data before the sample has an id (a derivation record only comes from aliquotSample / extractSample). */
export type RegisterSampleInput = Omit<RegisterSample['data'], 'sampleId' | 'derivation'>;

export interface SampleWrite {
  sample: SampleView;
  position: string;
}

/** What a client asks for when it aliquots or extracts: the command's data before the child has an id. */
export type DeriveSampleInput = Omit<DeriveSample['data'], 'childId' | 'kind' | 'expectedParentVersion'>;

/** A derivation's outcome: the new child, the parent with its remaining volume, and the commit's position. */
export interface DerivationWrite extends SampleWrite {
  parent: SampleView;
}

/** The samples write path: each command goes through the one command handler. */
export class SampleCommands {
  constructor(private readonly commands: CommandHandler) {}

  async register(context: CommandContext, input: RegisterSampleInput, idempotencyKey?: string | null): Promise<SampleWrite> {
    const parentId = input.parentId ? await this.parentIdOf(context.tenantId, input.parentId) : input.parentId;
    const sampleId = randomUUID();
    // The claim's stream is named by the barcode, so a malformed one is refused before it names a stream.
    const claimId = barcodeClaimId(context.tenantId, validateBarcode(input.barcode));
    const result = await this.commands.executeAcross(
      sampleRegistration,
      { sample: sampleId, barcode: claimId },
      { type: 'RegisterSample', data: { ...input, parentId, sampleId } },
      context,
      // Same scope as before the architecture step, so keys sent then still answer alike.
      {
        idempotencyKey: idempotencyKey ? { scope: sampleDecider.streamType, key: idempotencyKey } : undefined,
        result: () => ({ id: sampleId }),
        replayedIds: (first) => ({ sample: String(first.id) }),
        // The id was made up just now; a barcode is claimed once in most labs (a reused one costs a load).
        likelyNew: ['sample', 'barcode'],
      },
    );
    // A replayed key answers the sample the first call created (replayedIds), as that call left it.
    return this.written({ state: result.states.sample, version: result.versions.sample, position: result.position });
  }

  /** Aliquots or extracts: the parent's volume taken, the child registered and its barcode claimed, in one commit. */
  async derive(
    context: CommandContext,
    kind: DeriveSample['data']['kind'],
    input: DeriveSampleInput,
    options: { expectedVersion?: number | null; idempotencyKey?: string | null } = {},
  ): Promise<DerivationWrite> {
    const parentId = sampleIdOf(input.parentId, 'parentId');
    const childId = randomUUID();
    const claimId = barcodeClaimId(context.tenantId, validateBarcode(input.barcode));
    const result = await this.commands.executeAcross(
      sampleDerivation,
      { parent: parentId, child: childId, barcode: claimId },
      { type: 'DeriveSample', data: { ...input, parentId, kind, childId, expectedParentVersion: options.expectedVersion } },
      context,
      // Its own scope, per parent: a key used for a registration, or for another parent's derivation, answers nothing here.
      {
        idempotencyKey: options.idempotencyKey ? { scope: `${sampleDecider.streamType}/${kind}/${parentId}`, key: options.idempotencyKey } : undefined,
        result: () => ({ id: childId }),
        replayedIds: (first) => ({ child: String(first.id) }),
        likelyNew: ['child', 'barcode'],
      },
    );
    // A replayed key's states are as the first write left them, the child the first call's (replayedIds).
    const written = (stream: 'parent' | 'child') => this.written({ state: result.states[stream], version: result.versions[stream], position: result.position });
    return { ...written('child'), parent: written('parent').sample };
  }

  /** Moves a sample to `to`; the transition table decides whether it may. */
  async changeStatus(
    context: CommandContext,
    id: string,
    to: SampleStatus,
    options: { expectedVersion?: number | null; reason?: string | null; idempotencyKey?: string } = {},
  ): Promise<SampleWrite> {
    const sampleId = sampleIdOf(id);
    const result = await this.commands.execute(sampleDecider, sampleId, moveTo(to, sampleId, options.reason ?? null), context, {
      expectedVersion: options.expectedVersion,
      // Scoped by target status and sample: one client key reused for another command, or another
      // sample, is a new request (it answered the first sample's result before).
      idempotencyKey: options.idempotencyKey ? `${to}/${sampleId}/${options.idempotencyKey}` : undefined,
    });
    // A repeated key answers the first result: the sample as that write left it, not as it is now.
    return this.written(result);
  }

  /** Write-side read (consistent, from the stream), used before commands that reference a sample. */
  /** A parent named by its id, or by the barcode on its tube (as an import row may name it). */
  private async parentIdOf(tenantId: string, reference: string): Promise<string> {
    if (canonicalUuid(reference)) return (await this.requireSample(tenantId, reference, 'input.parentId')).id;
    const { state: claim } = await this.commands.load(barcodeDecider, barcodeClaimId(tenantId, reference), tenantId);
    if (!claim.owner) throw new NotFoundError(`parent ${reference} is neither a sample id nor a known barcode`);
    return claim.owner;
  }

  async requireSample(tenantId: string, id: string, field = 'id'): Promise<Sample & { version: number }> {
    const { state, version } = await this.commands.load(sampleDecider, sampleIdOf(id, field), tenantId);
    if (!exists(state)) throw new NotFoundError(`sample ${id} not found`);
    return { ...state, version };
  }

  private written(result: { state: SampleState; version: number; position: string }): SampleWrite {
    if (!exists(result.state)) throw new Error('command produced no sample');
    return { sample: { ...result.state, version: result.version }, position: result.position };
  }
}

/** A sample id as its stream and idempotency scopes spell it (any case accepted); BAD_USER_INPUT when it is no id. */
const sampleIdOf = (id: string, field = 'id'): string => {
  const sampleId = canonicalUuid(id);
  if (!sampleId) throw new BadInputError(`"${id}" is not a sample id`, { field });
  return sampleId;
};
