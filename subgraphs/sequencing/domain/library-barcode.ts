import { decideAcross, type Command, type Decider } from '../../../event-store/decider.js';
import { ConflictError } from '../../../platform/errors.js';
import type { LibraryBarcodeClaimed } from '../events.js';
import { libraryDecider, type LibraryCommand } from './library.js';

/** A library barcode's claim, one stream per (tenant, barcode): "unique per tenant" lives here. */
export type LibraryBarcodeClaim = { libraryId: string | null };
export type ClaimLibraryBarcode = Command<'ClaimLibraryBarcode', { barcode: string; libraryId: string }>;

/** The tenant is part of the id, so two labs may use the same barcode. */
export const libraryBarcodeClaimId = (tenantId: string, barcode: string) => `${tenantId}/${barcode}`;

export const libraryBarcodeDecider: Decider<ClaimLibraryBarcode, LibraryBarcodeClaimed, LibraryBarcodeClaim> = {
  streamType: 'LibraryBarcode',
  stateSchema: 1,
  initialState: () => ({ libraryId: null }),
  decide: (command, state) => {
    switch (command.type) {
      case 'ClaimLibraryBarcode':
        if (state.libraryId) throw new ConflictError(`library barcode ${command.data.barcode} is already used`, { field: 'barcode' });
        return [{ type: 'LibraryBarcodeClaimed', data: { barcode: command.data.barcode, libraryId: command.data.libraryId } }];
      default: {
        const unknown: never = command.type;
        throw new Error(`unknown library barcode command ${String(unknown)}`);
      }
    }
  },
  evolve: (_state, event) => ({ libraryId: event.data.libraryId }),
};

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
