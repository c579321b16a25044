import type { Kysely } from 'kysely';
import { BadInputError, NotFoundError } from '../../platform/errors.js';
import { isUuid } from '../../platform/graphql/scalars.js';
// The lab's rules the samples and storage contexts apply later, so the answer here is theirs.
import { DEFAULT_ZONE_RULES, validateSampleFields, zonesFor, type ZoneRules } from '../../platform/lab-rules.js';
import type { SubmitSampleInput } from './__generated__/resolvers-types.js';
import { boxesFor } from './storage-units-replica.js';

/**
 * What submitSample can refuse before any saga starts, with the code a step would have failed with:
 * the sample as registration would judge it (barcode, type, volumes), a target that exists, and a
 * zone (or a box under the unit) that can hold the sample type. A barcode already taken, or a box
 * that fills up meanwhile, still fail in the saga, which compensates.
 */
export const checkSubmission = async (db: Kysely<any>, tenantId: string, input: SubmitSampleInput, zoneRules: ZoneRules = DEFAULT_ZONE_RULES): Promise<void> => {
  if (!input.storageUnitId && !input.zone) throw new BadInputError('give storageUnitId or zone', { field: 'zone' });
  if (input.storageUnitId && !isUuid(input.storageUnitId)) throw new BadInputError('storageUnitId is not an id', { field: 'storageUnitId' });
  const { sample } = input;
  try {
    validateSampleFields(sample);
  } catch (error) {
    if (error instanceof BadInputError) throw new BadInputError(error.message, { ...error.details, field: `sample.${String(error.details.field ?? '')}` });
    throw error;
  }
  const zones = zonesFor(sample.sampleType, zoneRules);
  if (input.zone && zones && !zones.includes(input.zone)) {
    throw new BadInputError(`${sample.sampleType} samples cannot be kept in zone ${input.zone} (needs ${zones.join(' or ')})`, { field: 'zone' });
  }
  if (input.storageUnitId) {
    const allowed = input.zone ? [input.zone] : zones;
    const found = await boxesFor(db, tenantId, input.storageUnitId, allowed);
    if (!found.exists) throw new NotFoundError(`storage unit ${input.storageUnitId} not found (if it was just created, send its position as x-tracseq-consistent-with)`);
    if (!found.suitable) {
      throw new BadInputError(`no box under storage unit ${input.storageUnitId} can hold ${sample.sampleType} samples${zones ? ` (needs ${zones.join(' or ')})` : ''}`, { field: 'storageUnitId' });
    }
  }
};
