import { policy, type Dispatcher, type StoredOf } from '../../../event-store/projection.js';
import { asDomainError, InvalidTransitionError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import type { JobCompleted, JobFailed, JobRequeued, JobStarted } from '../../sequencing/events.js';
import type { CustodyStored } from '../../storage/events.js';
import type { SampleStatus } from '../events.js';
import { moveTo, sampleDecider } from '../domain/sample.js';

export const LAB_WORK_POLICY = 'samples-status-from-lab-work';

type LabWork = CustodyStored | JobStarted | JobCompleted | JobFailed | JobRequeued;

/**
 * Statuses that follow from other contexts' work (API.md): storing a sample makes it IN_STORAGE;
 * starting its job IN_SEQUENCING; completing it SEQUENCED (FAILED on a QC fail); failing it FAILED;
 * requeueing a failed job makes its samples VALIDATED again. Each move is keyed by the source event
 * (the same keys as before the architecture step), so a redelivered event changes nothing.
 */
export const statusFromLabWork = (logger?: Logger) => {
  const move = async (event: StoredOf<LabWork, LabWork['type']>, dispatch: Dispatcher, sampleIds: readonly string[], to: SampleStatus) => {
    for (const sampleId of sampleIds) {
      try {
        await dispatch.send(sampleDecider, sampleId, moveTo(to, sampleId), { idempotencyKey: `${to}/${event.eventId}/${sampleId}` });
      } catch (error) {
        // A sample already there (or moved on, e.g. discarded meanwhile) is a fact, not a failure.
        if (error instanceof InvalidTransitionError && error.from === to) continue;
        // A received sample may wait for QC in storage: it stays RECEIVED (its location says where it is).
        if (error instanceof InvalidTransitionError && error.from === 'RECEIVED' && to === 'IN_STORAGE') continue;
        const refused = asDomainError(error);
        if (!refused) throw error;
        logger?.warn({ eventId: event.eventId, sampleId, to, reason: refused.message }, 'status change from lab work not applied');
      }
    }
  };
  return policy<LabWork>(LAB_WORK_POLICY, {
    CustodyStored: (event, dispatch) => move(event, dispatch, [event.data.sampleId], 'IN_STORAGE'),
    JobStarted: (event, dispatch) => move(event, dispatch, event.data.sampleIds, 'IN_SEQUENCING'),
    JobCompleted: (event, dispatch) => move(event, dispatch, event.data.sampleIds, event.data.qcVerdict === 'FAIL' ? 'FAILED' : 'SEQUENCED'),
    JobFailed: (event, dispatch) => move(event, dispatch, event.data.sampleIds, 'FAILED'),
    JobRequeued: (event, dispatch) => move(event, dispatch, event.data.sampleIds, 'VALIDATED'),
  },
  // The status change is the consequence of the person's lab work: the audit trail names them.
  { actor: 'cause' });
};
