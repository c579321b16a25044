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

/** Free text as the lab keeps it: trimmed, empty means absent, longer than `max` refused. */
export const boundedText = (value: string | null | undefined, field: string, max: number): string | null => {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed.length > max) throw new BadInputError(`${field} is longer than ${max} characters`, { field });
  return trimmed === '' ? null : trimmed;
};

const nonNegative = (value: number | null | undefined, field: string): number | null => {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value) || value < 0) throw new BadInputError(`${field} must be a number ≥ 0`, { field });
  return value;
};

export interface SampleFieldsInput {
  barcode: string;
  sampleType: string;
  volumeUl?: number | null;
  concentrationNgUl?: number | null;
  submitter?: string | null;
  projectCode?: string | null;
}

/**
 * A new sample's own fields as the lab accepts them (barcode, type, volumes, texts), normalised:
 * what registering a sample decides, and what a submission is refused on before its saga starts.
 */
export const validateSampleFields = (input: SampleFieldsInput) => {
  const barcode = validateBarcode(input.barcode);
  if (!(SAMPLE_TYPES as readonly string[]).includes(input.sampleType)) throw new BadInputError(`unknown sample type ${input.sampleType}`, { field: 'sampleType' });
  return {
    barcode,
    sampleType: input.sampleType as SampleType,
    volumeUl: nonNegative(input.volumeUl, 'volumeUl'),
    concentrationNgUl: nonNegative(input.concentrationNgUl, 'concentrationNgUl'),
    submitter: boundedText(input.submitter, 'submitter', 200),
    projectCode: boundedText(input.projectCode, 'projectCode', 64),
  };
};
