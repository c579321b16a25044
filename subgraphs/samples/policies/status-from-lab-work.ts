import { policy, type Dispatcher, type StoredOf } from '../../../event-store/projection.js';
import { asDomainError, InvalidTransitionError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import type { JobCancelled, JobCompleted, JobFailed, JobRequeued, JobStarted } from '../../sequencing/events.js';
import type { CustodyRemoved, CustodyStored } from '../../storage/events.js';
import type { SampleStatus } from '../events.js';
import { moveTo, sampleDecider, type SampleCommand } from '../domain/sample.js';

export const LAB_WORK_POLICY = 'samples-status-from-lab-work';

const noted = (sampleId: string, inStorage: boolean): SampleCommand => ({ type: 'NoteSampleStorage', data: { sampleId, inStorage } });

type LabWork = CustodyStored | CustodyRemoved | JobStarted | JobCompleted | JobFailed | JobCancelled | JobRequeued;

/**
 * Statuses that follow from other contexts' work (API.md): storing a sample makes it IN_STORAGE (a
 * sample not VALIDATED at that moment once it is: the sample remembers its tube is in a box, as it
 * remembers the tube taken out for good); starting its job IN_SEQUENCING; completing it SEQUENCED
 * (FAILED on a QC fail); failing it, or cancelling it on the instrument, FAILED; requeueing a failed
 * job makes its samples VALIDATED again (and IN_STORAGE in the same write when the tube is still in
 * its box). Each change is keyed by the source event (the same keys as before the architecture
 * step), so a redelivered event changes nothing.
 */
export const statusFromLabWork = (logger?: Logger) => {
  const send = async (event: StoredOf<LabWork, LabWork['type']>, dispatch: Dispatcher, sampleIds: readonly string[], to: SampleStatus, command: (sampleId: string) => SampleCommand = (id) => moveTo(to, id)) => {
    for (const sampleId of sampleIds) {
      try {
        await dispatch.send(sampleDecider, sampleId, command(sampleId), { idempotencyKey: `${to}/${event.eventId}/${sampleId}` });
      } catch (error) {
        // A sample already there (or moved on, e.g. discarded meanwhile) is a fact, not a failure.
        if (error instanceof InvalidTransitionError && error.from === to) continue;
        const refused = asDomainError(error);
        if (!refused) throw error;
        logger?.warn({ eventId: event.eventId, sampleId, to, reason: refused.message }, 'status change from lab work not applied');
      }
    }
  };
  return policy<LabWork>(LAB_WORK_POLICY, {
    CustodyStored: (event, dispatch) => send(event, dispatch, [event.data.sampleId], 'IN_STORAGE', (sampleId) => noted(sampleId, true)),
    // Taken out for good: the sample no longer has a box to return to (no status follows).
    CustodyRemoved: (event, dispatch) => send(event, dispatch, [event.data.sampleId], 'IN_STORAGE', (sampleId) => noted(sampleId, false)),
    JobStarted: (event, dispatch) => send(event, dispatch, event.data.sampleIds, 'IN_SEQUENCING'),
    JobCompleted: (event, dispatch) => send(event, dispatch, event.data.sampleIds, event.data.qcVerdict === 'FAIL' ? 'FAILED' : 'SEQUENCED'),
    JobFailed: (event, dispatch) => send(event, dispatch, event.data.sampleIds, 'FAILED'),
    // Cancelled while paused on the instrument: those samples' sequencing failed (validateSample re-admits them).
    JobCancelled: (event, dispatch) => send(event, dispatch, event.data.sampleIds ?? [], 'FAILED'),
    JobRequeued: (event, dispatch) => send(event, dispatch, event.data.sampleIds, 'VALIDATED'),
  },
  // The status change is the consequence of the person's lab work: the audit trail names them.
  { actor: 'cause' });
};
