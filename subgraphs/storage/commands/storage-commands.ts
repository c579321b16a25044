import { randomUUID } from 'node:crypto';
import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { BadInputError, ConflictError, NoCapacityError, NotFoundError } from '../../../platform/errors.js';
import { canonicalUuid } from '../../../platform/graphql/scalars.js';
import {
  custodyDecider,
  placement,
  positionDecider,
  PositionTakenError,
  sampleMove,
  type PlacementCommand,
  type PositionState,
  type SampleFacts,
  type Target,
} from '../domain/placement.js';
import { storageUnitDecider, unitExists, type CreateStorageUnitData, type StorageUnit } from '../domain/storage-unit.js';
import type { PositionRow, StorageQueries } from '../read-model/queries.js';
import { sampleFactsFromStream } from '../../../platform/replicas/sample-replica.js';
import { DEFAULT_ZONE_RULES, isSampleType, notASampleType, zonesFor, type ZoneRules } from '../../../platform/lab-rules.js';

const CONSISTENCY_HINT = '(if it was just created, send its position as x-tracseq-consistent-with)';

/**
 * A storage command's context. A placement reads a position's fixed facts (box, label, zone) from
 * the read model; for a box created just before, `readModelsAt` waits until the read model includes
 * the position the caller was given, explicitly, and only when the position is not there yet.
 */
export interface StorageCommandContext extends CommandContext {
  readModelsAt?: () => Promise<boolean>;
}

/** A client's key, scoped by what it does and to which record: reused on another sample or position, it is a new request. */
const keyed = (scope: string, recordId: string, key?: string | null) => (key ? { scope: `storage/${scope}/${recordId}`, key } : undefined);

/** An id as streams, idempotency scopes and the read model spell it (a client may send any case); BAD_USER_INPUT when it is no id. */
const requireId = (id: string, field: string): string => {
  const canonical = canonicalUuid(id);
  if (!canonical) throw new BadInputError(`"${id}" is not an id`, { field });
  return canonical;
};

/** One of the lab's sample types (isSampleType); BAD_USER_INPUT otherwise. */
const requireSampleType = (sampleType: string): void => {
  if (!isSampleType(sampleType)) throw new BadInputError(notASampleType(sampleType), { field: 'sampleType' });
};

/** Free positions listed per round of a search (a read model lagging by more reservations than this answers CONFLICT). */
const CANDIDATES = 64;

/**
 * The first free position first (an uncontended reservation takes it), the rest in random order:
 * concurrent reservations that lost the first one then scatter instead of all trying the second.
 */
const spreadAfterFirst = <T>(candidates: T[]): T[] => {
  const rest = candidates.slice(1);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return candidates.length === 0 ? [] : [candidates[0]!, ...rest];
};

/**
 * The storage write path. Placements decide over a position and the sample's custody together and
 * append both atomically with their loaded versions: two samples racing for one position, or one
 * sample racing into two positions, leave exactly one winner.
 */
export class StorageCommands {
  /** Positions a reservation of this process is trying now: concurrent searches pass them by. */
  private readonly trying = new Set<string>();

  constructor(
    private readonly commands: CommandHandler,
    private readonly queries: StorageQueries,
    /** The lab's configured zone rules (ZONE_RULES). */
    private readonly zoneRules: ZoneRules = DEFAULT_ZONE_RULES,
  ) {}

  async createUnit(context: CommandContext, input: Omit<CreateStorageUnitData, 'unitId'>, idempotencyKey?: string | null) {
    const parentId = input.parentId ? requireId(input.parentId, 'parentId') : input.parentId;
    const parent = parentId ? (await this.commands.load(storageUnitDecider, parentId, context.tenantId)).state : null;
    if (parentId && parent && !unitExists(parent)) throw new NotFoundError(`storage unit ${input.parentId} not found`);
    const unitId = randomUUID();
    const result = await this.commands.execute(storageUnitDecider, unitId, { type: 'CreateStorageUnit', data: { ...input, parentId, unitId, parent } }, context, { idempotencyKey });
    return { unit: result.state as StorageUnit, position: result.position };
  }

  async recordTemperature(context: CommandContext, unitId: string, celsius: number, recordedAt: string | null | undefined) {
    const id = requireId(unitId, 'unitId');
    const at = recordedAt ?? context.now ?? new Date().toISOString();
    const result = await this.commands.execute(storageUnitDecider, id, { type: 'RecordTemperature', data: { unitId: id, celsius, recordedAt: at } }, context);
    const unit = result.state as StorageUnit;
    return { reading: { celsius, recordedAt: at, inRange: celsius >= unit.minTempC! && celsius <= unit.maxTempC! }, position: result.position };
  }

  async reserve(context: StorageCommandContext, positionId: string, sampleId: string, key?: string | null) {
    const [target, sample] = await Promise.all([this.target(context, positionId), this.sample(context, sampleId)]);
    return this.place(context, target, sample.sampleId, { type: 'ReservePosition', data: { sample, target: this.asTarget(target) } }, keyed('reserve', sample.sampleId, key), { positionId: target.id });
  }

  /**
   * The first free suitable position, reserved: candidates come from the read model (waited for up
   * to the caller's position only when it lists none, so they may still lag), the reservation
   * itself is decided on the position's stream, so a position someone took meanwhile fails fast and
   * the next candidate is tried.
   * Concurrent reservations are kept from all trying the same position: the walk passes over
   * positions whose stream has moved past the read model, however many (on Kafka under load the
   * storage read model trailed by more than the 320 candidates five rounds used to list, and
   * submissions failed with free boxes), and those another reservation of this process is trying
   * right now are not tried. No suitable position at all is NO_CAPACITY (permanent); free positions
   * all taken by concurrent reservations are CONFLICT (a retry finds the next ones).
   */
  async reserveFree(context: StorageCommandContext, anySampleId: string, anyUnderUnitId: string | null, zone: string | null, key?: string | null) {
    const sampleId = requireId(anySampleId, 'sampleId');
    // The sample's stream and whether this key reserved already: one statement.
    const claim = keyed('reserve', sampleId, key);
    const read = claim ? await this.commands.store.readStreamWithKey(`Sample-${sampleId}`, context.tenantId, claim) : null;
    const sample = read ? this.factsOf(sampleId, read.events) : await this.sample(context, sampleId);
    const first = read?.idempotent;
    if (first) return this.reserve(context, first.result.positionId as string, sampleId, key);
    const underUnitId = anyUnderUnitId ? requireId(anyUnderUnitId, 'underUnitId') : null;
    if (!underUnitId && !zone) throw new BadInputError('give underUnitId or zone', { field: 'zone' });
    const zones = sample.zones as string[] | null;
    const tried = new Set<string>();
    const list = () => this.queries.freePositions(context.tenantId, { underUnitId, zone, zones }, CANDIDATES, [...tried], { skipMoved: true });
    for (let round = 0; round < 5; round++) {
      // The first round waits for a box created before the caller's position (a saga's next step, a
      // lab that just set up a freezer) before calling the lab full; still behind: not known to be full.
      const { rows: listed, behind } = round === 0 ? await this.readAtCaller(context, list) : { rows: await list(), behind: false };
      if (behind) throw new ConflictError('storage has not yet reached your position (x-tracseq-consistent-with) to list free positions; retry', { reason: 'READ_MODEL_BEHIND' });
      if (listed.length === 0) break;
      for (const candidate of spreadAfterFirst(listed)) {
        const busy = this.trying.has(candidate.id);
        tried.add(candidate.id);
        if (busy) continue;
        this.trying.add(candidate.id);
        try {
          // A position the read model has never seen written has no stream yet (the walk left out moved ones).
          const fresh = candidate.version === 0 ? (['position', 'custody'] as const) : (['custody'] as const);
          return await this.place(context, candidate, sampleId, { type: 'ReservePosition', data: { sample, target: this.asTarget(candidate) } }, keyed('reserve', sampleId, key), { positionId: candidate.id }, fresh);
        } catch (error) {
          // Taken since the read model listed it (the handler has already reloaded and asked the position).
          if (!(error instanceof PositionTakenError)) throw error;
        } finally {
          // Committed or not, the log now tells: a reservation shows as a moved stream.
          this.trying.delete(candidate.id);
        }
      }
    }
    const where = underUnitId ? `under storage unit ${underUnitId}` : `in zone ${zone}`;
    // Nothing tried: the read model may still list positions taken since (the walk passed over them).
    if (tried.size > 0 || (await this.queries.freePositions(context.tenantId, { underUnitId, zone, zones }, 1)).length > 0) {
      throw new ConflictError(`every free position ${where} was taken concurrently`, { reason: 'ALL_CANDIDATES_TAKEN', tried: tried.size });
    }
    throw new NoCapacityError(`no free position for a ${sample.sampleType} sample ${where}`);
  }

  async release(context: StorageCommandContext, positionId: string, key?: string | null) {
    const target = await this.target(context, positionId);
    // Who holds it is the position's own stream's word, not the read model's.
    const { state } = await this.commands.load(positionDecider, target.id, context.tenantId);
    const held = state.sampleId ?? (key ? await this.reservedBy(context.tenantId, target.id) : null);
    if (!held) throw new BadInputError(`position ${target.label} holds no reservation`, { field: 'positionId' });
    return this.place(context, target, held, { type: 'ReleaseReservation', data: { sampleId: held, target: this.asTarget(target) } }, keyed('release', target.id, key));
  }

  async store(context: StorageCommandContext, sampleId: string, positionId: string, key?: string | null) {
    const [target, sample] = await Promise.all([this.target(context, positionId), this.sample(context, sampleId)]);
    return this.place(context, target, sample.sampleId, { type: 'StoreSample', data: { sample, target: this.asTarget(target) } }, keyed('store', sample.sampleId, key));
  }

  async remove(context: StorageCommandContext, anySampleId: string, reason: string, key?: string | null) {
    const sampleId = requireId(anySampleId, 'sampleId');
    const target = await this.currentPosition(context, sampleId);
    return this.place(context, target, sampleId, { type: 'RemoveSample', data: { sampleId, target: this.asTarget(target), reason } }, keyed('remove', sampleId, key));
  }

  /**
   * A sample that left the lab (discarded, archived): out of its position, or its reservation
   * released; nothing when storage holds nothing for it. `key` makes a repeat a no-op.
   */
  async releaseFor(context: StorageCommandContext, sampleId: string, reason: string, key: string) {
    const { state } = await this.commands.load(custodyDecider, sampleId, context.tenantId);
    if (state.positionId) {
      const target = await this.target(context, state.positionId);
      return this.place(context, target, sampleId, { type: 'RemoveSample', data: { sampleId, target: this.asTarget(target), reason } }, keyed('end', sampleId, key));
    }
    if (state.reservedPositionId) {
      const target = await this.target(context, state.reservedPositionId);
      return this.place(context, target, sampleId, { type: 'ReleaseReservation', data: { sampleId, target: this.asTarget(target) } }, keyed('end', sampleId, key));
    }
    return null;
  }

  /**
   * A free position whose box suits the sample type, under a unit or anywhere in a zone. The type is
   * one of the samples context's (its SampleType enum, which takes its values from the lab rules'
   * SAMPLE_TYPES): the zone rules answer "no rule" for any other string, which would read as "any
   * zone" ("BANANA", "rna").
   */
  async findFree(tenantId: string, sampleType: string, underUnitId: string | null, zone: string | null, spread: number) {
    requireSampleType(sampleType);
    const unitId = underUnitId ? requireId(underUnitId, 'underUnitId') : null;
    if (!unitId && !zone) throw new BadInputError('give underUnitId or zone', { field: 'zone' });
    if (!Number.isInteger(spread) || spread < 1 || spread > 100) throw new BadInputError('spread must be between 1 and 100', { field: 'spread' });
    const zones = zonesFor(sampleType, this.zoneRules) as string[] | null;
    return this.queries.freePosition(tenantId, { underUnitId: unitId, zone, zones, spread });
  }

  /** Who a position was last reserved for, from its stream (the read model may have moved on). */
  private async reservedBy(tenantId: string, positionId: string): Promise<string | null> {
    const events = await this.commands.store.readStream(`StoragePosition-${positionId}`, { tenantId });
    const last = events.filter((e) => e.type === 'PositionReserved').at(-1);
    return last ? (last.data as { sampleId: string }).sampleId : null;
  }

  async checkOut(context: StorageCommandContext, anySampleId: string, reason: string) {
    const sampleId = requireId(anySampleId, 'sampleId');
    const target = await this.currentPosition(context, sampleId);
    return this.place(context, target, sampleId, { type: 'CheckOutSample', data: { sampleId, target: this.asTarget(target), reason } });
  }

  async checkIn(context: StorageCommandContext, anySampleId: string) {
    const sampleId = requireId(anySampleId, 'sampleId');
    const target = await this.currentPosition(context, sampleId);
    return this.place(context, target, sampleId, { type: 'CheckInSample', data: { sampleId, target: this.asTarget(target) } });
  }

  async move(context: StorageCommandContext, anySampleId: string, toPositionId: string) {
    const sampleId = requireId(anySampleId, 'sampleId');
    const [from, to, sample] = await Promise.all([this.currentPosition(context, sampleId), this.target(context, toPositionId), this.sample(context, sampleId)]);
    const result = await this.commands.executeAcross(
      sampleMove,
      { from: from.id, to: to.id, custody: sampleId },
      { type: 'MoveSample', data: { sample, from: this.asTarget(from), to: this.asTarget(to) } },
      context,
    );
    return { storagePosition: this.view(to, result.states.to), position: result.position };
  }

  private async place(
    context: CommandContext,
    target: PositionRow,
    sampleId: string,
    command: PlacementCommand,
    idempotencyKey?: { scope: string; key: string },
    result?: Record<string, unknown>,
    // Most samples are reserved for once: their custody starts with it (a wrong guess costs a load).
    likelyNew: ReadonlyArray<'position' | 'custody'> = command.type === 'ReservePosition' ? ['custody'] : [],
  ) {
    const placed = await this.commands.executeAcross(placement, { position: target.id, custody: sampleId }, command, context, {
      idempotencyKey,
      likelyNew,
      result: result ? () => result : undefined,
      // A replay answers with the position the first call reserved, not today's candidate, as that call left it.
      replayedIds: (first) => (typeof first.positionId === 'string' ? { position: first.positionId } : {}),
    });
    const first = placed.result.positionId as string | undefined;
    if (placed.replayed && first && first !== target.id) return { storagePosition: this.view(await this.target(context, first), placed.states.position), position: placed.position };
    return { storagePosition: this.view(target, placed.states.position), position: placed.position };
  }

  private asTarget(row: PositionRow): Target {
    return { positionId: row.id, boxId: row.unit_id, label: row.label, zone: row.zone };
  }

  private view(row: PositionRow, state: PositionState): PositionRow {
    return { ...row, state: state.state, sample_id: state.sampleId };
  }

  /**
   * A position's fixed facts (box, label, zone) from the read model; its state comes from its stream.
   * A box created at or before the caller's position is waited for only when it is not there yet.
   */
  private async target(context: StorageCommandContext, positionId: string): Promise<PositionRow> {
    const id = requireId(positionId, 'positionId');
    const { rows: [row] } = await this.readAtCaller(context, () => this.queries.positionsByIds(context.tenantId, [id]));
    if (!row) throw new NotFoundError(`position ${positionId} not found ${CONSISTENCY_HINT}`);
    return row;
  }

  /**
   * Rows from the read model; when there are none, waits once for the read model to reach the
   * caller's position and reads again (commands do not wait otherwise). `behind`: none, and the read
   * model did not get there within CONSISTENCY_TIMEOUT_MS.
   */
  private async readAtCaller<R>(context: StorageCommandContext, read: () => Promise<R[]>): Promise<{ rows: R[]; behind: boolean }> {
    const rows = await read();
    if (rows.length > 0 || !context.readModelsAt) return { rows, behind: false };
    if (!(await context.readModelsAt())) return { rows, behind: true };
    return { rows: await read(), behind: false };
  }

  /** Where the sample's custody says it is (stored or checked out), from the write side. */
  private async currentPosition(context: StorageCommandContext, sampleId: string): Promise<PositionRow> {
    const { state } = await this.commands.load(custodyDecider, requireId(sampleId, 'sampleId'), context.tenantId);
    if (!state.positionId) throw new BadInputError('sample is not in storage', { field: 'sampleId' });
    return this.target(context, state.positionId);
  }

  /**
   * The samples context's facts about a sample (type, status), folded from the sample's stream at
   * the time of the command: never older than any position the caller was given, and no wait for a
   * projection. The replica serves queries.
   */
  private async sample(context: StorageCommandContext, sampleId: string): Promise<SampleFacts> {
    const id = requireId(sampleId, 'sampleId');
    return this.factsOf(id, await this.commands.store.readStream(`Sample-${id}`, { tenantId: context.tenantId }));
  }

  private factsOf(sampleId: string, events: Parameters<typeof sampleFactsFromStream>[0]): SampleFacts {
    const row = sampleFactsFromStream(events);
    if (!row) throw new NotFoundError(`sample ${sampleId} not found`);
    return { sampleId: row.id, sampleType: row.sample_type, status: row.status, zones: zonesFor(row.sample_type, this.zoneRules) };
  }
}
