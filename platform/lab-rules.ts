import { BadInputError } from './errors.js';

/**
 * Lab rules that more than one context applies: the samples context when it registers a sample,
 * storage when it places one, and the submission saga when it refuses a submission before it starts.
 * They live here, not in one context that the others import, because they are the lab's
 * configuration of the API contract (API.md's sample types and zones), owned by no single context.
 */
export const SAMPLE_TYPES = ['DNA', 'RNA', 'BLOOD', 'PLASMA', 'SALIVA', 'TISSUE', 'CELL_LINE', 'LIBRARY', 'OTHER'] as const;
export type SampleType = (typeof SAMPLE_TYPES)[number];

export const TEMPERATURE_ZONES = ['MINUS_80', 'MINUS_20', 'PLUS_4', 'ROOM_TEMPERATURE', 'PLUS_37'] as const;
export type TemperatureZone = (typeof TEMPERATURE_ZONES)[number];

/** Which zones keep a sample type viable (API.md); a type not listed may go anywhere. */
export const ZONE_RULES: Partial<Record<string, readonly TemperatureZone[]>> = {
  RNA: ['MINUS_80'],
  DNA: ['MINUS_80', 'MINUS_20'],
  LIBRARY: ['MINUS_80', 'MINUS_20'],
  BLOOD: ['MINUS_80', 'MINUS_20', 'PLUS_4'],
  PLASMA: ['MINUS_80', 'MINUS_20', 'PLUS_4'],
  SALIVA: ['MINUS_80', 'MINUS_20', 'PLUS_4'],
};

export const zonesFor = (sampleType: string): readonly TemperatureZone[] | null => ZONE_RULES[sampleType] ?? null;

export const zoneSuits = (sampleType: string, zone: TemperatureZone | null): boolean => {
  const allowed = zonesFor(sampleType);
  return !allowed || (zone !== null && allowed.includes(zone));
};

const BARCODE = /^[A-Z0-9_-]{6,32}$/;

export const validateBarcode = (barcode: string): string => {
  if (!BARCODE.test(barcode)) {
    throw new BadInputError(`barcode "${barcode}" must be 6–32 characters of A-Z, 0-9, - and _`, { field: 'barcode' });
  }
  return barcode;
};

const nonNegative = (value: number | null | undefined, field: string): number | null => {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value) || value < 0) throw new BadInputError(`${field} must be a number ≥ 0`, { field });
  return value;
};

const boundedText = (value: string | null | undefined, field: string, max: number): string | null => {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed.length > max) throw new BadInputError(`${field} is longer than ${max} characters`, { field });
  return trimmed === '' ? null : trimmed;
};

/** A sample as it may be registered. */
export interface SampleFields {
  barcode: string;
  sampleType: string;
  volumeUl?: number | null;
  concentrationNgUl?: number | null;
  submitter?: string | null;
  projectCode?: string | null;
}

/**
 * What a sample may be registered with, in the order registration checks it: the samples context
 * records the normalised fields, the submission saga refuses bad ones before it starts.
 */
export const validateSampleFields = (sample: SampleFields) => {
  const barcode = validateBarcode(sample.barcode);
  if (!(SAMPLE_TYPES as readonly string[]).includes(sample.sampleType)) throw new BadInputError(`unknown sample type ${sample.sampleType}`, { field: 'sampleType' });
  return {
    barcode,
    sampleType: sample.sampleType as SampleType,
    volumeUl: nonNegative(sample.volumeUl, 'volumeUl'),
    concentrationNgUl: nonNegative(sample.concentrationNgUl, 'concentrationNgUl'),
    submitter: boundedText(sample.submitter, 'submitter', 200),
    projectCode: boundedText(sample.projectCode, 'projectCode', 64),
  };
};
