import { labelDate, printLabels, tubeLabel, type LabelFormat } from '../../platform/labels/print.js';
import type { Symbology } from '../../platform/labels/zpl.js';
import type { SampleView } from './read-model/queries.js';

/** A sample's tube label: the barcode to scan, the same as text, its type and the day it was registered. */
export const sampleLabel = (sample: Pick<SampleView, 'barcode' | 'sampleType' | 'createdAt'>, format: LabelFormat, symbology: Symbology): string =>
  printLabels(format, [tubeLabel(sample.barcode, symbology, [sample.sampleType, labelDate(sample.createdAt)])]);
