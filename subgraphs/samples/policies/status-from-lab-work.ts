import type { EventConsumer } from '../../../event-store/projection.js';
import type { StoredEvent } from '../../../event-store/types.js';
import { asDomainError, InvalidTransitionError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import type { SampleCommands } from '../commands/sample-commands.js';
import type { SampleStatus } from '../domain/events.js';

export const LAB_WORK_POLICY = 'samples-status-from-lab-work';

/**
 * Statuses that follow from other contexts' work (API.md): storing a sample makes it IN_STORAGE;
 * starting its job IN_SEQUENCING; completing it SEQUENCED (FAILED on a QC fail); failing it FAILED;
 * requeueing a failed job makes its samples VALIDATED again. Reacts to the storage and sequencing
 * contexts' published events and issues the samples context's own command, keyed by the source
 * event, so a redelivered event changes nothing.
 */
const targets = (event: StoredEvent): Array<{ sampleId: string; to: SampleStatus }> => {
  const data = event.data as { sampleId?: string; sampleIds?: string[]; qcVerdict?: string | null };
  const all = (to: SampleStatus) => (data.sampleIds ?? []).map((sampleId) => ({ sampleId, to }));
  switch (event.type) {
    case 'CustodyStored':
      return [{ sampleId: data.sampleId!, to: 'IN_STORAGE' }];
    case 'JobStarted':
      return all('IN_SEQUENCING');
    case 'JobCompleted':
      return all(data.qcVerdict === 'FAIL' ? 'FAILED' : 'SEQUENCED');
    case 'JobFailed':
      return all('FAILED');
    case 'JobRequeued':
      return all('VALIDATED');
    default:
      return [];
  }
};

export const statusFromLabWork = (samples: SampleCommands, logger?: Logger): EventConsumer => ({
  name: LAB_WORK_POLICY,
  handles: new Set(['CustodyStored', 'JobStarted', 'JobCompleted', 'JobFailed', 'JobRequeued']),
  async apply(_trx, event) {
    for (const { sampleId, to } of targets(event)) {
      const context = { tenantId: event.tenantId, actor: event.metadata.actor, correlationId: event.metadata.correlationId, causationId: event.eventId };
      try {
        await samples.changeStatus(context, sampleId, to, { idempotencyKey: `${event.eventId}/${sampleId}` });
      } catch (error) {
        // A sample already there (or moved on, e.g. discarded meanwhile) is a fact, not a failure.
        if (error instanceof InvalidTransitionError && error.from === to) continue;
        const refused = asDomainError(error);
        if (!refused) throw error;
        logger?.warn({ eventId: event.eventId, sampleId, to, reason: refused.message }, 'status change from lab work not applied');
      }
    }
  },
});
