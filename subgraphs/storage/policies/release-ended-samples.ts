import { policy } from '../../../event-store/projection.js';
import type { SampleArchived, SampleDiscarded } from '../../samples/events.js';
import type { StorageCommandContext, StorageCommands } from '../commands/storage-commands.js';

export const RELEASE_ENDED_SAMPLES_POLICY = 'storage-release-ended-samples';

type SampleEnded = SampleDiscarded | SampleArchived;

/**
 * Storage follows the bench: a discarded or archived sample no longer sits in a box, so its
 * position becomes free and its custody closes (removed, or its reservation released). Keyed by the
 * source event, so a redelivered event changes nothing.
 */
export const releaseEndedSamples = (commands: StorageCommands) => {
  const release = (event: { eventId: string; type: SampleEnded['type']; data: SampleEnded['data'] }, context: StorageCommandContext) =>
    commands.releaseFor(context, event.data.sampleId, `sample ${event.type === 'SampleDiscarded' ? 'discarded' : 'archived'}${event.data.reason ? `: ${event.data.reason}` : ''}`.slice(0, 500), event.eventId);
  return policy<SampleEnded>(
    RELEASE_ENDED_SAMPLES_POLICY,
    {
      SampleDiscarded: (event, dispatch) => release(event, dispatch.context),
      SampleArchived: (event, dispatch) => release(event, dispatch.context),
    },
    // Freeing the position is the consequence of the person's discard: the custody record names them.
    { actor: 'cause' },
  );
};
