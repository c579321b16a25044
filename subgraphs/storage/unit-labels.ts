import { labelDate, printLabels, tubeLabel, type LabelFormat } from '../../platform/labels/print.js';
import { BOX_STOCK, WIDE_BOX_STOCK, type Symbology } from '../../platform/labels/zpl.js';
import type { TemperatureZone } from './events.js';
import type { StoredSampleRow, UnitRow } from './read-model/queries.js';

const ZONE_TEXT: Record<TemperatureZone, string> = {
  MINUS_80: '−80 °C',
  MINUS_20: '−20 °C',
  PLUS_4: '+4 °C',
  ROOM_TEMPERATURE: 'room temperature',
  PLUS_37: '+37 °C',
  CRYO: 'cryo, below −130 °C',
};

/**
 * A unit's print job: its own label, then a tube label per stored sample in position order. The
 * unit's barcode is its id (a scanner's read opens `storageUnit(id)`), which as a Code 128 needs the
 * 4 × 1 in label. A tube shows the date it was put in its position: storage does not hold when the
 * sample was registered, and where and since when is what a box's sheet is for.
 */
export const unitLabels = (unit: UnitRow, stored: readonly StoredSampleRow[], format: LabelFormat, symbology: Symbology): string => {
  const code = unit.id.toUpperCase();
  const size = unit.kind === 'BOX' ? `${unit.rows} × ${unit.columns}, ${stored.length} stored` : unit.kind;
  const own = { content: { code, symbology, title: unit.name, lines: [unit.zone ? ZONE_TEXT[unit.zone] : null, size] }, stock: symbology === 'CODE128' ? WIDE_BOX_STOCK : BOX_STOCK };
  const tubes = stored.map((sample) => tubeLabel(sample.barcode, symbology, [sample.sample_type, [sample.position_label, sample.placed_at && labelDate(sample.placed_at)].filter(Boolean).join(' · ')]));
  return printLabels(format, [own, ...tubes]);
};
