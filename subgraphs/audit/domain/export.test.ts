import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvOf, exportTrail, type TrailRow } from './export.js';
import { canonicalJson, trailDigest } from './trail.js';
import type { StoredEvent } from '../../../event-store/types.js';

const row = (extra: Partial<TrailRow> = {}): TrailRow => ({
  id: '00000000-0000-4000-8000-0000000000f1', type: 'SampleRejected', streamId: 'Sample-1', streamType: 'Sample', version: 2, position: '10:20',
  occurredAt: '2026-12-02T12:00:00.000Z', actor: 'ada@lab', correlationId: 'c-1', data: { reason: 'haemolysed' }, ...extra,
});

describe('trail export', () => {
  it('writes RFC 4180 CSV: header, CRLF after every record, quoted fields with doubled quotes', () => {
    const csv = csvOf([row({ data: { reason: 'a, "b"\r\nc' } })]);
    expect(csv).toBe(
      'position,occurredAt,type,streamType,streamId,version,actor,correlationId,eventId,data\r\n' +
        '10:20,2026-12-02T12:00:00.000Z,SampleRejected,Sample,Sample-1,2,ada@lab,c-1,00000000-0000-4000-8000-0000000000f1,"{""reason"":""a, \\""b\\""\\r\\nc""}"\r\n',
    );
    expect(JSON.parse((parse(csv, { columns: true }) as Array<Record<string, string>>)[0]!.data!)).toEqual({ reason: 'a, "b"\r\nc' });
  });

  it.each(['=1+1', '+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1'])('makes a cell starting like a formula (%j) text', (actor) => {
    const [parsed] = parse(csvOf([row({ actor })]), { columns: true, relax_quotes: true }) as Array<Record<string, string>>;
    expect(parsed!.actor).toBe(`'${actor}`);
  });

  it('names the file by record and format, with its content type', () => {
    expect(exportTrail({ type: 'RUN', id: 'r1' }, [row()], 'CSV')).toMatchObject({ fileName: 'run-r1-audit-trail.csv', contentType: 'text/csv; charset=utf-8; header=present' });
    const json = exportTrail({ type: 'SAMPLE', id: 's1' }, [row()], 'JSON');
    expect(json).toMatchObject({ fileName: 'sample-s1-audit-trail.json', contentType: 'application/json' });
    expect(JSON.parse(json.content)).toEqual({ record: { type: 'SAMPLE', id: 's1' }, events: [row()] });
  });
});

describe('trail hash', () => {
  const event = (type: string, data: Record<string, unknown>, version: number): StoredEvent => ({
    type, data, eventId: `e${version}`, streamId: 'SequencingRun-1', streamType: 'SequencingRun', streamVersion: version, globalPosition: String(version), transactionId: '1',
    position: `1:${version}`, tenantId: 't', occurredAt: '2026-12-02T12:00:00.000Z', schemaVersion: 1, metadata: { tenantId: 't', actor: 'ada', correlationId: 'c', occurredAt: '2026-12-02T12:00:00.000Z' },
  });

  it('is canonical: key order does not matter, signatures are left out, any other change does', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true })).toBe('{"a":true,"b":[1,{"c":"x","d":null}]}');
    const trail = [event('RunCreated', { name: 'r', runId: '1' }, 1), event('PoolLoaded', { lane: 1, poolId: 'p' }, 2)];
    const reordered = [event('RunCreated', { runId: '1', name: 'r' }, 1), event('PoolLoaded', { poolId: 'p', lane: 1 }, 2)];
    expect(trailDigest(reordered)).toEqual(trailDigest(trail));
    expect(trailDigest([...trail, event('RecordSigned', { recordId: '1' }, 3)])).toEqual(trailDigest(trail));
    expect(trailDigest(trail).length).toBe(2);
    expect(trailDigest([...trail, event('LaneQcRecorded', { lane: 1 }, 3)]).hash).not.toBe(trailDigest(trail).hash);
    expect(trailDigest([trail[0]!, event('PoolLoaded', { lane: 2, poolId: 'p' }, 2)]).hash).not.toBe(trailDigest(trail).hash);
  });
});
