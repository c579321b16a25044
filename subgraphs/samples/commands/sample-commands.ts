import { randomUUID } from 'node:crypto';
import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { BadInputError, NotFoundError } from '../../../platform/errors.js';
import { isUuid } from '../../../platform/graphql/scalars.js';
import type { SampleStatus, SampleType } from '../domain/events.js';
import { changeStatus, exists, registerSample, sampleDecider, type Sample, type SampleState } from '../domain/sample.js';
import type { SampleView } from '../read-model/queries.js';

export interface RegisterSampleInput {
  barcode: string;
  sampleType: SampleType;
  volumeUl?: number | null;
  concentrationNgUl?: number | null;
  submitter?: string | null;
  projectCode?: string | null;
  metadata?: unknown;
  parentId?: string | null;
}

export interface SampleWrite {
  sample: SampleView;
  position: string;
}

/** The samples write path: each command loads the aggregate, decides and appends through the one pipeline. */
export class SampleCommands {
  constructor(private readonly commands: CommandHandler) {}

  async register(context: CommandContext, input: RegisterSampleInput, idempotencyKey?: string | null): Promise<SampleWrite> {
    if (input.parentId) await this.requireSample(context.tenantId, input.parentId);
    const sampleId = randomUUID();
    const result = await this.commands.handle(sampleDecider, {
      id: sampleId,
      context,
      idempotencyKey,
      decide: (state) => registerSample({ ...input, sampleId, tenantId: context.tenantId }, state),
    });
    return this.written(result);
  }

  /** Moves a sample to `to`; the transition table decides whether it may. */
  async changeStatus(
    context: CommandContext,
    id: string,
    to: SampleStatus,
    options: { expectedVersion?: number | null; reason?: string | null; idempotencyKey?: string } = {},
  ): Promise<SampleWrite> {
    assertSampleId(id);
    const result = await this.commands.handle(sampleDecider, {
      id,
      context,
      expectedVersion: options.expectedVersion,
      // Scoped by target status: one client key reused for two different commands must not collide.
      idempotencyKey: options.idempotencyKey ? `${to}/${options.idempotencyKey}` : undefined,
      decide: (state) => {
        if (!exists(state)) throw new NotFoundError(`sample ${id} not found`);
        return changeStatus(state, to, options.reason ?? null);
      },
    });
    return this.written(result);
  }

  /** Write-side read (consistent, from the stream), used before commands that reference a sample. */
  async requireSample(tenantId: string, id: string): Promise<Sample & { version: number }> {
    assertSampleId(id);
    const { state, version } = await this.commands.load(sampleDecider, id, tenantId);
    if (!exists(state)) throw new NotFoundError(`sample ${id} not found`);
    return { ...state, version };
  }

  private written(result: { state: SampleState; version: number; position: string }): SampleWrite {
    if (!exists(result.state)) throw new Error('command produced no sample');
    return { sample: { ...result.state, version: result.version }, position: result.position };
  }
}

const assertSampleId = (id: string): void => {
  if (!isUuid(id)) throw new BadInputError(`"${id}" is not a sample id`, { field: 'id' });
};
