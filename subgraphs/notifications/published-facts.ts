import type { EventStore } from '../../event-store/event-store.js';
import type { StoredEvent } from '../../event-store/types.js';
import type { SampleRegistered } from '../samples/events.js';

/**
 * What notifications reads of other contexts' published events, straight from the log: facts an
 * alert needs at the moment it is raised, which a replica of our own might not have applied yet.
 */
export interface PublishedFacts {
  /** A sequencing run's events (`SequencingRun-<id>`), oldest first. */
  runEvents(tenantId: string, runId: string): Promise<readonly StoredEvent[]>;
  /** A sample's barcode as registered (it never changes); null when the log holds no registration. */
  sampleBarcode(tenantId: string, sampleId: string): Promise<string | null>;
}

export const publishedFacts = (store: EventStore): PublishedFacts => ({
  runEvents: (tenantId, runId) => store.readStream(`SequencingRun-${runId}`, { tenantId }),
  async sampleBarcode(tenantId, sampleId) {
    const [first] = await store.readStream(`Sample-${sampleId}`, { tenantId, toVersion: 1 });
    return first?.type === 'SampleRegistered' ? (first.data as SampleRegistered['data']).barcode : null;
  },
});
