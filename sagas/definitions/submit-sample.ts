import { PermanentStepError, type SagaDefinition, type StepContext } from '../orchestrator/saga-definition.js';

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

/** Storage's "no suitable position exists": the sample is fine, the lab is full. */
const NO_CAPACITY = 'NO_CAPACITY';

/**
 * submitSample: registerSample → receiveSample → reservePosition → validateSample → storeSample →
 * notify. A place is secured before validation (received samples may be reserved for), so a lab
 * without room leaves the sample RECEIVED, not REJECTED: the saga ends COMPENSATED with an error
 * starting "reservePosition: NO_CAPACITY". Any other failure compensates the done steps in reverse:
 * take the sample out, release the reservation, reject the sample with the reason (discard it if it
 * can no longer be rejected).
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
      async compensate({ call, data, reason, failure, idempotencyKey }) {
        // Nothing is wrong with the sample: it stays RECEIVED, waiting for room.
        if (failure?.code === NO_CAPACITY) return;
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
    {
      name: 'reservePosition',
      retry: { attempts: 5, baseDelayMs: 50, maxDelayMs: 1000 },
      // Storage answers NO_CAPACITY (permanent) when nothing suitable exists, and CONFLICT when
      // every candidate was taken concurrently: a retry then tries the next ones.
      async action({ call, data, idempotencyKey }) {
        const reserved = await call('storage', `mutation($s: ID!, $u: ID, $z: TemperatureZone, $key: String) {
            reserveFreePosition(sampleId: $s, underUnitId: $u, zone: $z, idempotencyKey: $key) { position storagePosition { id label } } }`, {
          s: data.sampleId,
          u: data.input.storageUnitId ?? null,
          z: data.input.zone ?? null,
          key: idempotencyKey,
        }).catch((error: unknown) => {
          // The code also heads the saga's error, so a person reading `Saga.error` sees why at once.
          if (error instanceof PermanentStepError && error.code === NO_CAPACITY) throw new PermanentStepError(`${NO_CAPACITY}: ${error.message}`, NO_CAPACITY);
          throw error;
        });
        return { positionId: reserved.reserveFreePosition.storagePosition.id, positionLabel: reserved.reserveFreePosition.storagePosition.label };
      },
      async compensate({ call, data, idempotencyKey }) {
        await tolerate(call('storage', `mutation($p: ID!, $key: String) { releaseReservation(positionId: $p, idempotencyKey: $key) { position } }`, { p: data.positionId, key: idempotencyKey }), 'CONFLICT', 'BAD_USER_INPUT');
      },
    },
    { name: 'validateSample', action: status('validateSample') },
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
