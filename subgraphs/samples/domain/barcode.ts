import type { Command, Decider } from '../../../event-store/decider.js';
import { ConflictError } from '../../../platform/errors.js';
import type { BarcodeClaimed } from '../events.js';

/** A barcode's claim, one stream per (tenant, barcode): the invariant "unique per tenant" lives here. */
export type BarcodeClaim = { sampleId: string | null };
export type ClaimBarcode = Command<'ClaimBarcode', { barcode: string; sampleId: string }>;

/** The claim's stream id: the tenant is part of it, so two labs may use the same barcode. */
export const barcodeClaimId = (tenantId: string, barcode: string) => `${tenantId}/${barcode}`;

export const barcodeDecider: Decider<ClaimBarcode, BarcodeClaimed, BarcodeClaim> = {
  streamType: 'SampleBarcode',
  stateSchema: 1,
  initialState: () => ({ sampleId: null }),
  decide: (command, state) => {
    switch (command.type) {
      case 'ClaimBarcode':
        if (state.sampleId) throw new ConflictError(`barcode ${command.data.barcode} is already registered`, { field: 'barcode' });
        return [{ type: 'BarcodeClaimed', data: { barcode: command.data.barcode, sampleId: command.data.sampleId } }];
      default: {
        const unknown: never = command.type;
        throw new Error(`unknown barcode command ${String(unknown)}`);
      }
    }
  },
  evolve: (_state, event) => ({ sampleId: event.data.sampleId }),
};
