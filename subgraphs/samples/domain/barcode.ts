import type { Command } from '../../../event-store/decider.js';
import { claimStreamId, uniqueClaim } from '../../../event-store/unique-claim.js';
import { ConflictError } from '../../../platform/errors.js';
import type { BarcodeClaimed } from '../events.js';

/** A barcode's claim, one stream per (tenant, barcode): the invariant "unique per tenant" lives here. */
export type ClaimBarcode = Command<'ClaimBarcode', { barcode: string; sampleId: string }>;

export const barcodeClaimId = claimStreamId;

export const barcodeDecider = uniqueClaim<ClaimBarcode, BarcodeClaimed>({
  streamType: 'SampleBarcode',
  claimed: ({ data }) => ({ type: 'BarcodeClaimed', data: { barcode: data.barcode, sampleId: data.sampleId } }),
  owner: (event) => event.data.sampleId,
  taken: ({ data }) => new ConflictError(`barcode ${data.barcode} is already registered`, { field: 'barcode' }),
});
