import { decideAcross } from '../../../event-store/decider.js';
import { barcodeDecider } from './barcode.js';
import { sampleDecider, type RegisterSample } from './sample.js';

/**
 * Registering a sample claims its barcode in the same commit. When another registration claims the
 * barcode first, the handler reruns this on the reloaded claim and the barcode decider refuses.
 */
export const sampleRegistration = decideAcross({ sample: sampleDecider, barcode: barcodeDecider }, (command: RegisterSample, states, { now, versions }) => {
  // The sample decides first, so a malformed barcode is refused as such before its claim is looked at.
  const sample = sampleDecider.decide(command, states.sample, { now, version: versions.sample });
  const claim = { type: 'ClaimBarcode', data: { barcode: command.data.barcode, sampleId: command.data.sampleId } } as const;
  return { sample, barcode: barcodeDecider.decide(claim, states.barcode, { now, version: versions.barcode }) };
});
