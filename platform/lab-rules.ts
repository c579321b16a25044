import { BadInputError } from './errors.js';

/**
 * Lab rules that more than one context applies: the samples context when it registers a sample,
 * storage when it places one, and the submission saga when it refuses a submission before it starts.
 * They live here, not in one context that the others import, because they are the lab's
 * configuration of the API contract (API.md's sample types and zones), owned by no single context.
 */
export const SAMPLE_TYPES = ['DNA', 'RNA', 'BLOOD', 'PLASMA', 'SALIVA', 'TISSUE', 'CELL_LINE', 'LIBRARY', 'OTHER'] as const;
export type SampleType = (typeof SAMPLE_TYPES)[number];

/** One of the lab's sample types, spelt as the SampleType enum spells it (case included). */
export const isSampleType = (value: string): value is SampleType => (SAMPLE_TYPES as readonly string[]).includes(value);

/** Why `value` is refused as a sample type, quoted and cut short (it comes from a client or a CSV cell). */
export const notASampleType = (value: string): string => `sampleType "${value.length > 40 ? `${value.slice(0, 40)}…` : value}" is not one of ${SAMPLE_TYPES.join(', ')}`;

/** CRYO: liquid-nitrogen storage, below −130 °C. */
export const TEMPERATURE_ZONES = ['MINUS_80', 'MINUS_20', 'PLUS_4', 'ROOM_TEMPERATURE', 'PLUS_37', 'CRYO'] as const;
export type TemperatureZone = (typeof TEMPERATURE_ZONES)[number];

/** Which zones keep each sample type viable; a type not listed may go anywhere. */
export type ZoneRules = Partial<Record<SampleType, readonly TemperatureZone[]>>;

/**
 * The defaults (API.md). Colder than −80 °C keeps whatever −80 °C keeps, so CRYO is allowed wherever
 * MINUS_80 is. A lab changes them with ZONE_RULES (platform/config.ts), e.g. SALIVA in room-temperature
 * kits, or cell lines only in CRYO.
 */
export const DEFAULT_ZONE_RULES: ZoneRules = {
  RNA: ['MINUS_80', 'CRYO'],
  DNA: ['MINUS_80', 'MINUS_20', 'CRYO'],
  LIBRARY: ['MINUS_80', 'MINUS_20', 'CRYO'],
  BLOOD: ['MINUS_80', 'MINUS_20', 'PLUS_4', 'CRYO'],
  PLASMA: ['MINUS_80', 'MINUS_20', 'PLUS_4', 'CRYO'],
  SALIVA: ['MINUS_80', 'MINUS_20', 'PLUS_4', 'CRYO'],
};

export const zonesFor = (sampleType: string, rules: ZoneRules = DEFAULT_ZONE_RULES): readonly TemperatureZone[] | null => rules[sampleType as SampleType] ?? null;

export const zoneSuits = (sampleType: string, zone: TemperatureZone | null, rules: ZoneRules = DEFAULT_ZONE_RULES): boolean => {
  const allowed = zonesFor(sampleType, rules);
  return !allowed || (zone !== null && allowed.includes(zone));
};

/**
 * A lab's zone rules as configured: a JSON object of sample type → allowed zones, over the defaults
 * (a type given replaces its default; an empty list means any zone). Throws with every problem.
 */
export const parseZoneRules = (json: string): ZoneRules => {
  let given: unknown;
  try {
    given = JSON.parse(json);
  } catch {
    throw new Error('must be a JSON object of sample type → list of zones');
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new Error('must be a JSON object of sample type → list of zones');
  const rules: ZoneRules = { ...DEFAULT_ZONE_RULES };
  const problems: string[] = [];
  for (const [type, zones] of Object.entries(given)) {
    if (!isSampleType(type)) problems.push(`unknown sample type ${type}`);
    else if (!Array.isArray(zones) || zones.some((zone) => !(TEMPERATURE_ZONES as readonly unknown[]).includes(zone))) problems.push(`${type} needs a list of zones from ${TEMPERATURE_ZONES.join(', ')}`);
    else if (zones.length === 0) delete rules[type as SampleType];
    else rules[type as SampleType] = [...new Set(zones as TemperatureZone[])];
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return rules;
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

/**
 * The most a sample's volume (µL: one litre) and concentration (ng/µL: 1 g/mL) may be, on every path
 * that records one (GraphQL, CSV import, derivations, submissions): docs/input-limits.md's
 * `volumeUl` and `concentrationNgUl`, which the GraphQL edge also checks before this.
 */
export const MAX_VOLUME_UL = 1_000_000;
export const MAX_CONCENTRATION_NG_UL = 1_000_000;

/** A measured amount: absent, or a finite number from 0 to `max`. */
const measured = (value: number | null | undefined, field: string, max: number): number | null => {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value) || value < 0 || value > max) throw new BadInputError(`${field} must be between 0 and ${max}`, { field, min: 0, max });
  return value;
};

/**
 * A sample's measured volume (µL) as the lab records it: absent, 0 (an empty tube), or a volume of
 * whole nanolitres up to `MAX_VOLUME_UL`, kept to the nanolitre (0.001 µL) as every volume the lab
 * takes from it is (positiveVolume). A volume that is not 0 but rounds to no nanolitre (e.g.
 * 0.0001 µL) is refused: no aliquot could be taken from it, and it is no measurement the bench makes.
 */
export const measuredVolume = (value: number | null | undefined, field = 'volumeUl'): number | null => {
  const volume = measured(value, field, MAX_VOLUME_UL);
  if (volume === null || volume === 0) return volume;
  const nanolitres = toNanolitres(volume);
  if (nanolitres === 0) throw new BadInputError(`${field} must be 0 or at least 0.001 µL (volumes count in whole nanolitres)`, { field, min: 0.001 });
  return toMicrolitres(nanolitres);
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
  if (!isSampleType(input.sampleType)) throw new BadInputError(`unknown sample type ${input.sampleType}`, { field: 'sampleType' });
  return {
    barcode,
    sampleType: input.sampleType,
    volumeUl: measuredVolume(input.volumeUl),
    concentrationNgUl: measured(input.concentrationNgUl, 'concentrationNgUl', MAX_CONCENTRATION_NG_UL),
    submitter: boundedText(input.submitter, 'submitter', 200),
    projectCode: boundedText(input.projectCode, 'projectCode', 64),
  };
};

/**
 * What an extraction may produce from each source material (e.g. DNA or RNA from whole blood):
 * a source not listed cannot be extracted from. An aliquot is the same material, so it has no table.
 */
export const EXTRACTIONS: Partial<Record<SampleType, readonly SampleType[]>> = {
  BLOOD: ['DNA', 'RNA', 'PLASMA'],
  PLASMA: ['DNA', 'RNA'],
  TISSUE: ['DNA', 'RNA'],
  SALIVA: ['DNA', 'RNA'],
  CELL_LINE: ['DNA', 'RNA'],
};

export const canExtract = (source: SampleType, product: SampleType): boolean => EXTRACTIONS[source]?.includes(product) ?? false;

/**
 * Volumes as the lab measures them: to the nanolitre. Arithmetic on volumes runs on whole
 * nanolitres, so taking 0.1 µL ten times from 1 µL leaves exactly 0, not 1.3e-16.
 */
export const NL_PER_UL = 1000;
export const toNanolitres = (volumeUl: number): number => Math.round(volumeUl * NL_PER_UL);
export const toMicrolitres = (nanolitres: number): number => nanolitres / NL_PER_UL;

/** A volume to take or dispense: a finite number of µL, at least one nanolitre once rounded. */
export const positiveVolume = (volumeUl: number, field: string): number => {
  const nanolitres = Number.isFinite(volumeUl) ? toNanolitres(volumeUl) : Number.NaN;
  if (!Number.isSafeInteger(nanolitres) || nanolitres <= 0) throw new BadInputError(`${field} must be a volume > 0 µL (at least 0.001 µL)`, { field });
  return nanolitres;
};
