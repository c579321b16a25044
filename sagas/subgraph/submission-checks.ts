import type { Kysely } from 'kysely';
import { BadInputError, NotFoundError } from '../../platform/errors.js';
import { isUuid } from '../../platform/graphql/scalars.js';
// The lab's rules, as pure functions: the same checks the owning contexts' commands make later.
import { validateSampleFields, ZONE_RULES, type SampleFieldsInput } from '../../platform/lab-rules.js';
import type { SubmitSampleData } from '../definitions/submit-sample.js';
import { boxesFor } from './storage-units-replica.js';

/**
 * What submitSample can refuse before any saga starts, with the code a step would have failed with:
 * the sample as registerSample would judge it (barcode, type, volumes), a target that exists, and a
 * zone (or a box under the unit) that can hold the sample type. A barcode already taken, or a box
 * that fills up meanwhile, still fail in the saga, which compensates.
 */
export const checkSubmission = async (db: Kysely<any>, tenantId: string, input: SubmitSampleData['input']): Promise<void> => {
  if (!input.storageUnitId && !input.zone) throw new BadInputError('give storageUnitId or zone', { field: 'zone' });
  if (input.storageUnitId && !isUuid(input.storageUnitId)) throw new BadInputError('storageUnitId is not an id', { field: 'storageUnitId' });
  const { sample } = input;
  try {
    // The GraphQL input type has already given every field its type.
    validateSampleFields(sample as SampleFieldsInput);
  } catch (error) {
    if (error instanceof BadInputError) throw new BadInputError(error.message, { ...error.details, field: `sample.${String(error.details.field ?? '')}` });
    throw error;
  }
  const zones = ZONE_RULES[sample.sampleType] ?? null;
  if (input.zone && zones && !zones.includes(input.zone as never)) {
    throw new BadInputError(`${sample.sampleType} samples cannot be kept in zone ${input.zone} (needs ${zones.join(' or ')})`, { field: 'zone' });
  }
  if (input.storageUnitId) {
    const allowed = input.zone ? [input.zone] : (zones as string[] | null);
    const found = await boxesFor(db, tenantId, input.storageUnitId, allowed);
    if (!found.exists) throw new NotFoundError(`storage unit ${input.storageUnitId} not found (if it was just created, send its position as x-tracseq-consistent-with)`);
    if (!found.suitable) {
      throw new BadInputError(`no box under storage unit ${input.storageUnitId} can hold ${sample.sampleType} samples${zones ? ` (needs ${zones.join(' or ')})` : ''}`, { field: 'storageUnitId' });
    }
  }
};
