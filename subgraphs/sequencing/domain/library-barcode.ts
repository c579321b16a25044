import { decideAcross, type Command } from '../../../event-store/decider.js';
import { claimStreamId, uniqueClaim } from '../../../event-store/unique-claim.js';
import { ConflictError } from '../../../platform/errors.js';
import type { LibraryBarcodeClaimed } from '../events.js';
import { libraryDecider, type LibraryCommand } from './library.js';

/** A library barcode's claim, one stream per (tenant, barcode): "unique per tenant" lives here. */
export type ClaimLibraryBarcode = Command<'ClaimLibraryBarcode', { barcode: string; libraryId: string }>;

export const libraryBarcodeClaimId = claimStreamId;

export const libraryBarcodeDecider = uniqueClaim<ClaimLibraryBarcode, LibraryBarcodeClaimed>({
  streamType: 'LibraryBarcode',
  claimed: ({ data }) => ({ type: 'LibraryBarcodeClaimed', data: { barcode: data.barcode, libraryId: data.libraryId } }),
  owner: (event) => event.data.libraryId,
  taken: ({ data }) => new ConflictError(`library barcode ${data.barcode} is already used`, { field: 'barcode' }),
});

export type PrepareLibrary = Extract<LibraryCommand, { type: 'PrepareLibrary' }>;

/**
 * Preparing a library claims its barcode in the same commit; when another preparation claims it
 * first, the handler reruns this on the reloaded claim and the claim refuses.
 */
export const libraryPreparation = decideAcross({ library: libraryDecider, barcode: libraryBarcodeDecider }, (command: PrepareLibrary, states, { now, versions }) => {
  // The library decides first, so a malformed barcode is refused as such before its claim is looked at.
  const library = libraryDecider.decide(command, states.library, { now, version: versions.library });
  const prepared = library[0];
  const barcode = prepared?.type === 'LibraryPrepared' ? prepared.data.barcode : command.data.barcode;
  return { library, barcode: libraryBarcodeDecider.decide({ type: 'ClaimLibraryBarcode', data: { barcode, libraryId: command.data.libraryId } }, states.barcode, { now, version: versions.barcode }) };
});
