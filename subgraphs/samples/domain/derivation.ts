import type { Command } from '../../../event-store/decider.js';
import { decideAcross } from '../../../event-store/decider.js';
import { BadInputError, ConcurrencyError, NotFoundError } from '../../../platform/errors.js';
import { canExtract, EXTRACTIONS, toNanolitres } from '../../../platform/lab-rules.js';
import type { DerivationKind, SampleType } from '../events.js';
import { barcodeDecider } from './barcode.js';
import { exists, sampleDecider, type RegisterSample, type Sample, type TakeSampleVolume } from './sample.js';

/**
 * Making a child sample from a parent: an aliquot (same material) or an extract (e.g. DNA from
 * blood). `sampleType` is the product's type: required for an extract, the parent's for an aliquot.
 * The child's own volume and concentration default, for an aliquot, to the volume taken and the
 * parent's concentration (its volume may be less than was taken, never more); an extract's are what
 * the bench measured (unknown when not given; the eluate may hold more than was taken).
 */
export type DeriveSample = Command<
  'DeriveSample',
  {
    kind: DerivationKind;
    parentId: string;
    childId: string;
    barcode: string;
    sampleType?: SampleType | null;
    volumeTakenUl: number;
    volumeUl?: number | null;
    concentrationNgUl?: number | null;
    metadata?: unknown;
    /** The parent's version the client decided on; another write since then is CONCURRENCY_CONFLICT. */
    expectedParentVersion?: number | null;
  }
>;

const productType = (command: DeriveSample, parent: Sample): SampleType => {
  const { kind, sampleType } = command.data;
  if (kind === 'ALIQUOT') {
    if (sampleType && sampleType !== parent.sampleType) throw new BadInputError(`an aliquot of a ${parent.sampleType} sample is ${parent.sampleType}, not ${sampleType}`, { field: 'sampleType' });
    return parent.sampleType;
  }
  if (!sampleType) throw new BadInputError('an extraction needs the sample type it produces', { field: 'sampleType' });
  if (!canExtract(parent.sampleType, sampleType)) {
    const allowed = EXTRACTIONS[parent.sampleType];
    throw new BadInputError(`${sampleType} cannot be extracted from ${parent.sampleType}${allowed ? ` (only ${allowed.join(', ')})` : ' (nothing can)'}`, { field: 'sampleType' });
  }
  return sampleType;
};

/**
 * One commit across the parent (volume taken, remaining volume), the new child (registered with its
 * parent and derivation) and the child's barcode claim. A concurrent derivation from the same parent
 * reruns this on the reloaded parent, so two aliquots can never together overdraw it.
 */
export const sampleDerivation = decideAcross({ parent: sampleDecider, child: sampleDecider, barcode: barcodeDecider }, (command: DeriveSample, states, { now, versions }) => {
  const { data } = command;
  if (data.expectedParentVersion != null && data.expectedParentVersion !== versions.parent) {
    throw new ConcurrencyError(`${sampleDecider.streamType}-${data.parentId}`, data.expectedParentVersion, versions.parent);
  }
  const parent = states.parent;
  if (!exists(parent)) throw new NotFoundError(`sample ${data.parentId} not found`);
  const sampleType = productType(command, parent);
  const take: TakeSampleVolume = { type: 'TakeSampleVolume', data: { sampleId: data.parentId, childId: data.childId, kind: data.kind, volumeTakenUl: data.volumeTakenUl } };
  const taken = sampleDecider.decide(take, parent, { now, version: versions.parent });
  const { volumeTakenUl } = (taken[0] as Extract<(typeof taken)[number], { type: 'SampleVolumeTaken' }>).data;
  const aliquot = data.kind === 'ALIQUOT';
  // An aliquot is a portion of the parent: it may hold less than was taken (dead volume), never more.
  // An extract's volume is the eluate's, which the elution buffer decides, so it is not bounded here.
  if (aliquot && data.volumeUl != null && Number.isFinite(data.volumeUl) && toNanolitres(data.volumeUl) > toNanolitres(volumeTakenUl)) {
    throw new BadInputError(`an aliquot holds at most the ${volumeTakenUl} µL taken for it, not ${data.volumeUl} µL`, { field: 'volumeUl' });
  }
  const register: RegisterSample = {
    type: 'RegisterSample',
    data: {
      sampleId: data.childId,
      barcode: data.barcode,
      sampleType,
      volumeUl: data.volumeUl ?? (aliquot ? volumeTakenUl : null),
      concentrationNgUl: data.concentrationNgUl ?? (aliquot ? parent.concentrationNgUl : null),
      // The child belongs to the same submitter and project as the material it came from.
      submitter: parent.submitter,
      projectCode: parent.projectCode,
      metadata: data.metadata ?? null,
      parentId: parent.id,
      derivation: { kind: data.kind, volumeTakenUl },
    },
  };
  const child = sampleDecider.decide(register, states.child, { now, version: versions.child });
  const claim = { type: 'ClaimBarcode', data: { barcode: data.barcode, sampleId: data.childId } } as const;
  return { parent: taken, child, barcode: barcodeDecider.decide(claim, states.barcode, { now, version: versions.barcode }) };
});
