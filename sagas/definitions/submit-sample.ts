import { PermanentStepError, type SagaDefinition, type StepContext } from '../orchestrator/saga-definition.js';
import { SubgraphCallError } from '../orchestrator/subgraph-client.js';

export interface SubmitSampleData {
  input: {
    sample: { barcode: string; sampleType: string; [field: string]: unknown };
    storageUnitId?: string | null;
    zone?: string | null;
    notify?: string | null;
  };
  sampleId?: string;
  positionId?: string;
  positionLabel?: string;
  notification?: { to: string; message: string; at: string };
}

type Context = StepContext<SubmitSampleData>;

const status = (mutation: string) => async ({ call, data, idempotencyKey }: Context) => {
  await call('samples', `mutation($id: ID!, $key: String) { ${mutation}(id: $id, idempotencyKey: $key) { position } }`, { id: data.sampleId, key: idempotencyKey });
};

/** Treats "already undone" as undone: compensations must be safe to repeat. */
const tolerate = async (work: Promise<unknown>, ...codes: string[]) => {
  try {
    await work;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!code || !codes.includes(code)) throw error;
  }
};

/**
 * submitSample (API.md): registerSample → receiveSample → validateSample → reservePosition →
 * storeSample → notify. A failure compensates the done steps in reverse: take the sample out,
 * release the reservation, reject the sample with the reason (discard it if it can no longer be
 * rejected).
 */
export const submitSampleSaga: SagaDefinition<SubmitSampleData> = {
  type: 'submitSample',
  deadlineMs: 120_000,
  sampleIdOf: (data) => data.sampleId,
  steps: [
    {
      name: 'registerSample',
      async action({ call, data, idempotencyKey }) {
        const result = await call('samples', `mutation($input: RegisterSampleInput!, $key: String) { registerSample(input: $input, idempotencyKey: $key) { position sample { id } } }`, {
          input: data.input.sample,
          key: idempotencyKey,
        });
        return { sampleId: result.registerSample.sample.id };
      },
      async compensate({ call, data, reason, idempotencyKey }) {
        const why = `submission undone: ${reason ?? 'unknown failure'}`.slice(0, 500);
        try {
          await call('samples', `mutation($id: ID!, $r: String!, $key: String) { rejectSample(id: $id, reason: $r, idempotencyKey: $key) { position } }`, { id: data.sampleId, r: why, key: idempotencyKey });
        } catch (error) {
          // Stored samples cannot be rejected (API.md's table); discarding is the way out.
          if ((error as { code?: string }).code !== 'INVALID_TRANSITION') throw error;
          await tolerate(
            call('samples', `mutation($id: ID!, $r: String!, $key: String) { discardSample(id: $id, reason: $r, idempotencyKey: $key) { position } }`, { id: data.sampleId, r: why, key: idempotencyKey }),
            'INVALID_TRANSITION',
          );
        }
      },
    },
    { name: 'receiveSample', action: status('receiveSample') },
    { name: 'validateSample', action: status('validateSample') },
    {
      name: 'reservePosition',
      // Concurrent submissions race for the same free positions: a lost race is retried, soon.
      retry: { attempts: 10, baseDelayMs: 50, maxDelayMs: 1000 },
      async action({ call, data, idempotencyKey, attempt }) {
        // The first free position first (API.md); after a lost race, spread out over the next free ones.
        const found = await call('storage', `query($t: String!, $u: ID, $z: TemperatureZone, $s: Int) { findFreePosition(sampleType: $t, underUnitId: $u, zone: $z, spread: $s) { id label } }`, {
          t: data.input.sample.sampleType,
          u: data.input.storageUnitId ?? null,
          z: data.input.zone ?? null,
          s: Math.min(16, 2 ** (attempt - 1)),
        });
        if (!found.findFreePosition) {
          const where = data.input.storageUnitId ? `under storage unit ${data.input.storageUnitId}` : `in zone ${data.input.zone}`;
          throw new PermanentStepError(`no free position for a ${data.input.sample.sampleType} sample ${where}`);
        }
        try {
          const reserved = await call('storage', `mutation($p: ID!, $s: ID!, $key: String) { reservePosition(positionId: $p, sampleId: $s, idempotencyKey: $key) { position storagePosition { id label } } }`, {
            p: found.findFreePosition.id,
            s: data.sampleId,
            key: idempotencyKey,
          });
          return { positionId: reserved.reservePosition.storagePosition.id, positionLabel: reserved.reservePosition.storagePosition.label };
        } catch (error) {
          // Someone else took it between the look-up and the reservation: look again.
          if (error instanceof PermanentStepError && /is reserved|is occupied/.test(error.message)) throw new SubgraphCallError(error.message, 'CONFLICT');
          throw error;
        }
      },
      async compensate({ call, data, idempotencyKey }) {
        await tolerate(call('storage', `mutation($p: ID!, $key: String) { releaseReservation(positionId: $p, idempotencyKey: $key) { position } }`, { p: data.positionId, key: idempotencyKey }), 'CONFLICT', 'BAD_USER_INPUT');
      },
    },
    {
      name: 'storeSample',
      async action({ call, data, idempotencyKey }) {
        await call('storage', `mutation($s: ID!, $p: ID!, $key: String) { storeSample(sampleId: $s, positionId: $p, idempotencyKey: $key) { position } }`, { s: data.sampleId, p: data.positionId, key: idempotencyKey });
      },
      async compensate({ call, data, reason, idempotencyKey }) {
        await tolerate(
          call('storage', `mutation($s: ID!, $r: String!, $key: String) { removeSampleFromStorage(sampleId: $s, reason: $r, idempotencyKey: $key) { position } }`, { s: data.sampleId, r: `submission undone: ${reason}`, key: idempotencyKey }),
          'CONFLICT',
          'BAD_USER_INPUT',
        );
      },
    },
    {
      name: 'notify',
      skip: (data) => !data.input.notify,
      // The message is saved with the saga (and so on its SagaStepCompleted event): the outbox a
      // mail or chat integration delivers from. Nothing to undo once sent.
      async action({ data }) {
        return {
          notification: {
            to: data.input.notify!,
            message: `Sample ${data.input.sample.barcode} is stored at ${data.positionLabel}.`,
            at: new Date().toISOString(),
          },
        };
      },
    },
  ],
};
