import { createHash } from 'node:crypto';
import type { StoredEvent } from '../../../event-store/types.js';
import type { RecordSigned } from '../events.js';

/** JSON with object keys sorted at every depth and no whitespace: one text per value, whoever wrote it. */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
};

const SIGNATURE: RecordSigned['type'] = 'RecordSigned';

/**
 * What a signature is linked to (§11.70): the sha256 of the record's trail as canonical JSON, each
 * event with what makes it that event (id, type, stream, version, time, actor, data). Signatures
 * are left out, so a second signature does not stop the first from covering the record.
 */
export const trailDigest = (trail: readonly StoredEvent[]): { hash: string; length: number } => {
  const signed = trail
    .filter((event) => event.type !== SIGNATURE)
    .map((event) => ({ id: event.eventId, type: event.type, streamId: event.streamId, version: event.streamVersion, occurredAt: event.occurredAt, actor: event.metadata.actor, data: event.data }));
  return { hash: createHash('sha256').update(canonicalJson(signed)).digest('hex'), length: signed.length };
};

/** QC results: a job's run metrics, a lane's QC, a library's QC. */
const QC_RESULTS = new Set(['RunMetricsRecorded', 'LaneQcRecorded', 'LibraryQcRecorded']);

/** Who recorded a QC result in this trail (the event's actor, and `recordedBy` where the event names one). */
export const qcRecordersOf = (trail: readonly StoredEvent[]): string[] => {
  const people = new Set<string>();
  for (const event of trail) {
    if (!QC_RESULTS.has(event.type)) continue;
    if (event.metadata.actor) people.add(event.metadata.actor);
    const recordedBy = (event.data as { recordedBy?: unknown }).recordedBy;
    if (typeof recordedBy === 'string' && recordedBy) people.add(recordedBy);
  }
  return [...people];
};

/** The signatures in a trail, oldest first. */
export const signaturesIn = (trail: readonly StoredEvent[], recordId: string): Array<RecordSigned['data']> =>
  trail.filter((event) => event.type === SIGNATURE).map((event) => event.data as RecordSigned['data']).filter((signature) => signature.recordId === recordId);
