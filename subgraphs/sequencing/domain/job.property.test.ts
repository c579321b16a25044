import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../event-store/decider.js';
import { DomainError } from '../../../platform/errors.js';
import type { JobEvent, JobStatus } from '../events.js';
import { indexDistance, JOB_TRANSITIONS, jobDecider, qcVerdict, type Job, type JobCommand, type JobState } from './job.js';
import { sequencingLabConfig } from '../lab-config.js';

const thresholds = sequencingLabConfig(undefined).qcThresholds('MISEQ', 'MISEQ_V3');

const SEED = 19;
const env = (event: JobEvent): Envelope<JobEvent> => ({ ...event, occurredAt: '2026-11-21T10:00:00.000Z', streamVersion: 1 });

const decide = (state: JobState, command: JobCommand): readonly JobEvent[] | DomainError => {
  try {
    return jobDecider.decide(command, state, { now: '2026-11-21T10:00:00.000Z', version: 1 });
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
};

const index = fc.oneof(fc.stringMatching(/^[ACGT]{6,10}$/), fc.constantFrom('', 'ACGTN', 'acgtac', 'X'.repeat(30), 'ACGT\u0000AC'));
const metric = fc.oneof(fc.double(), fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 1e308), fc.constant(null));
const command = fc.oneof(
  fc.record({ op: fc.constant('add' as const), sample: fc.nat(5), i7: index, i5: fc.option(index, { nil: null }), lane: fc.option(fc.integer({ min: -1, max: 10 }), { nil: null }), status: fc.constantFrom('VALIDATED', 'IN_STORAGE', 'PENDING') }),
  fc.record({ op: fc.constant('remove' as const), sample: fc.nat(5) }),
  fc.record({ op: fc.constant('metrics' as const), q30Percent: metric, clusterDensityKmm2: metric, percentPf: metric, yieldGb: metric }),
  fc.record({ op: fc.constantFrom('queue', 'start', 'pause', 'resume', 'complete', 'fail', 'cancel', 'requeue'), text: fc.oneof(fc.string(), fc.constantFrom('FC-0001', '', ' ', 'x'.repeat(50))) }),
);

/** Every sample the commands may add, as the replica would have it: startable. */
const READY = Array.from({ length: 6 }, (_, n) => ({ sampleId: `s${n}`, barcode: `S${n}`, status: 'VALIDATED' }));

const toCommand = (c: typeof command extends fc.Arbitrary<infer T> ? T : never): JobCommand => {
  switch (c.op) {
    case 'add': return { type: 'AddSample', data: { sampleId: `s${c.sample}`, barcode: `S${c.sample}`, status: c.status, i7Index: c.i7, i5Index: c.i5, lane: c.lane } };
    case 'remove': return { type: 'RemoveSample', data: { sampleId: `s${c.sample}` } };
    case 'metrics': return { type: 'RecordRunMetrics', data: { metrics: c, thresholds } };
    case 'queue': return { type: 'QueueJob', data: {} };
    case 'start': return { type: 'StartJob', data: { flowcellId: c.text, samples: READY, onOtherRuns: [] } };
    case 'pause': return { type: 'PauseJob', data: {} };
    case 'resume': return { type: 'ResumeJob', data: {} };
    case 'complete': return { type: 'CompleteJob', data: {} };
    case 'fail': return { type: 'FailJob', data: { reason: c.text } };
    case 'cancel': return { type: 'CancelJob', data: { reason: c.text } };
    default: return { type: 'RequeueJob', data: {} };
  }
};

describe('sequencing job decider, for any sequence of commands', () => {
  it('only moves along the job transition table, keeps lane indexes apart and QC consistent', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        let state: JobState = jobDecider.evolve(jobDecider.initialState(), env({ type: 'JobCreated', data: { jobId: 'j', name: 'Run 1', platform: 'MISEQ', priority: 'NORMAL', readStructure: null, flowcellType: 'MISEQ_V3' } }));
        for (const c of commands) {
          const before = (state as Job).status;
          const outcome = decide(state, toCommand(c));
          if (outcome instanceof DomainError) continue;
          for (const event of outcome) state = jobDecider.evolve(state, env(event));
          const job = state as Job;
          if (job.status !== before) expect(JOB_TRANSITIONS[before as JobStatus]).toContain(job.status);
          if (job.metrics) expect(job.qcVerdict).toBe(qcVerdict(job, job.metrics, thresholds));
          for (const value of Object.values(job.metrics ?? {})) if (value !== null) expect(Number.isFinite(value) && value >= 0).toBe(true);
          job.samples.forEach((a, i) =>
            job.samples.slice(i + 1).forEach((b) => {
              const shareLane = a.lane === null || b.lane === null || a.lane === b.lane;
              if (shareLane) expect(indexDistance(a, b)).toBeGreaterThanOrEqual(3);
            }),
          );
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
