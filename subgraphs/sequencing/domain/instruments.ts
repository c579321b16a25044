/**
 * The instrument catalogue: models, their chemistry, flowcell types with lane counts, how the i5
 * index goes into a BCL Convert v2 sample sheet, and the values Illumina's sample sheet [Header]
 * expects. Only values a source states are listed; a model or flowcell without a cited value is
 * left out rather than guessed.
 *
 * Sources (stored copies searched on 2026-12-02):
 * [OR]  Illumina, "Guidelines for reverse complementing i5 sequences for demultiplexing"
 *       https://knowledge.illumina.com/software/general/software-general-reference_material-list/000001800
 *       and the Index Orientation Guide https://help.connected.illumina.com/run-set-up/overview/index-orientation-guide
 *       (MiSeq reads i5 forward; iSeq 100, MiniSeq, NextSeq 500/550, NextSeq 1000/2000, NovaSeq 6000 v1.5
 *       and NovaSeq X read it reverse-complemented. Standalone BCL Convert column: MiSeq F, MiniSeq RC,
 *       iSeq 100 RC, NextSeq 500/550 RC, NextSeq 1000/2000 F).
 * [N2K] Illumina KB 000003142 "Index orientation in v2 sample sheets for the NextSeq 1000/2000": DRAGEN
 *       reverse-complements i5 from v2 sheets itself; enter i5 forward.
 * [NX]  Illumina KB 000005078: NextSeq 1000/2000 and NovaSeq X RunInfo.xml carry IsReverseComplement, so
 *       BCL Convert takes the sample sheet's i5 forward; BCL Convert interactive sample sheet
 *       https://help.connected.illumina.com/run-set-up/overview/sample-sheet-structure/bcl-convert-interactive-sample-sheet
 *       (InstrumentPlatform NovaSeqXSeries, IndexOrientation Forward).
 * [NV15] Twist Bioscience HT UDI sample sheet templates README: "NovaSeq ... Version 1.5 chemistry: ALWAYS
 *       forward i7 and reverse i5 indexes".
 * [HDR] Illumina, Sample Sheet Structure https://help.connected.illumina.com/run-set-up/overview/sample-sheet-structure
 *       ([Header] example: InstrumentPlatform,NextSeq1k2k / InstrumentType,NextSeq2000).
 * [CHX] Illumina KB 000007970 "Chemistry and Imaging on the NovaSeq X Series": two-colour (blue/green; G dark);
 *       NovaSeq 6000, NextSeq 500/550 and MiniSeq are two-colour (red/green), NextSeq 1000/2000 two-colour (blue/green).
 * [N5C] Illumina KB 000002078 "Chemistry and imaging on NextSeq 500/550": two-colour, lanes 1–4.
 * [CZB] CZ Biohub genomics notes: MiSeq four dyes; iSeq one dye.
 * [LN6] University of Utah HTG NovaSeq FAQ and University of Oslo NovaSeq results page: SP, S1, S2 two
 *       lanes, S4 four lanes. Illumina NovaSeq 6000Dx consumables: S2 two lanes, S4 four.
 * [LNX] Illumina KB 000008935: "NovaSeq X/X Plus flow cells contain 8 independent lanes" (10B and 25B;
 *       the 1.5B is left out: no stored source states its lane count).
 * [LN1] Illumina KB 000002392 "Flow cell overview for the NextSeq 1000/2000": a single lane; URI GSC MiSeq
 *       page: "single-lane flow cell"; y9c Illumina specification table: iSeq 100 one lane per cell.
 * [DEN] Illumina bulletin "Cluster density guidelines ... non-patterned flow cells" (2016): MiSeq v2
 *       1000–1200 K/mm², v3 1200–1400; MiniSeq and NextSeq 500/550 170–220; iSeq 100, NextSeq 1000/2000 and
 *       NovaSeq 6000 are patterned: judge by %PF, not density.
 * [ONT] Oxford Nanopore, ont-output-specifications, protocol_formats/sample_sheet
 *       https://nanoporetech.github.io/ont-output-specifications/latest/protocol_formats/sample_sheet
 *       (flow_cell_product_code examples FLO-PRO114, FLO-MIN114); a flow cell sits in one device position,
 *       so it is one "lane" here.
 */

export type Chemistry = 'FOUR_COLOUR' | 'TWO_COLOUR' | 'ONE_COLOUR' | 'NANOPORE';
/** How the i5 index is written in a BCL Convert v2 sample sheet for this instrument. */
export type I5Orientation = 'FORWARD' | 'REVERSE_COMPLEMENT';

export interface FlowcellType {
  /** The flowcell type's name as the lab says it (SP, S4, 10B, P3…). */
  id: string;
  lanes: number;
  /** Patterned flowcells have a fixed density: QC judges them by %PF/occupancy [DEN]. */
  patterned: boolean;
}

export interface InstrumentModel {
  /** Catalogue key (GraphQL `code`), e.g. NOVASEQ_6000. */
  id: string;
  name: string;
  vendor: 'ILLUMINA' | 'OXFORD_NANOPORE';
  chemistry: Chemistry;
  /** Which base is dark (no signal) on a two-colour instrument: a cycle of only these fails registration. */
  darkBase: 'G' | null;
  /** Sample sheet v2 [Header] InstrumentPlatform and InstrumentType, where a source gives them [HDR][NX]. */
  instrumentPlatform: string | null;
  instrumentType: string | null;
  /** [Header] IndexOrientation, where the documented sheet for the platform writes it [NX]. */
  headerIndexOrientation: 'Forward' | null;
  i5InSampleSheet: I5Orientation | null;
  flowcells: readonly FlowcellType[];
}

const one = (id: string, patterned: boolean): FlowcellType => ({ id, lanes: 1, patterned });

export const INSTRUMENT_MODELS: readonly InstrumentModel[] = [
  // [OR] F; [CZB] four dyes; [LN1] single lane; [DEN] v2/v3 non-patterned.
  { id: 'MISEQ', name: 'MiSeq', vendor: 'ILLUMINA', chemistry: 'FOUR_COLOUR', darkBase: null, instrumentPlatform: null, instrumentType: null, headerIndexOrientation: null, i5InSampleSheet: 'FORWARD',
    flowcells: [one('MISEQ_V2', false), one('MISEQ_V3', false)] },
  // [OR] RC for standalone BCL Convert; [CZB] one dye; [LN1] one lane; [DEN] patterned.
  { id: 'ISEQ_100', name: 'iSeq 100', vendor: 'ILLUMINA', chemistry: 'ONE_COLOUR', darkBase: null, instrumentPlatform: null, instrumentType: null, headerIndexOrientation: null, i5InSampleSheet: 'REVERSE_COMPLEMENT',
    flowcells: [one('ISEQ_I1', true)] },
  // [OR] RC; [CHX] two-colour red/green, G dark.
  { id: 'MINISEQ', name: 'MiniSeq', vendor: 'ILLUMINA', chemistry: 'TWO_COLOUR', darkBase: 'G', instrumentPlatform: null, instrumentType: null, headerIndexOrientation: null, i5InSampleSheet: 'REVERSE_COMPLEMENT', flowcells: [] },
  // [OR] RC; [N5C] two-colour, four lanes; [DEN] 170–220 K/mm², non-patterned.
  { id: 'NEXTSEQ_550', name: 'NextSeq 500/550', vendor: 'ILLUMINA', chemistry: 'TWO_COLOUR', darkBase: 'G', instrumentPlatform: null, instrumentType: null, headerIndexOrientation: null, i5InSampleSheet: 'REVERSE_COMPLEMENT',
    flowcells: [{ id: 'NEXTSEQ_HIGH_OUTPUT', lanes: 4, patterned: false }, { id: 'NEXTSEQ_MID_OUTPUT', lanes: 4, patterned: false }] },
  // [OR][N2K] F in v2; [HDR] NextSeq1k2k / NextSeq2000; [CHX] two-colour blue/green; [LN1] one lane.
  { id: 'NEXTSEQ_2000', name: 'NextSeq 1000/2000', vendor: 'ILLUMINA', chemistry: 'TWO_COLOUR', darkBase: 'G', instrumentPlatform: 'NextSeq1k2k', instrumentType: 'NextSeq2000', headerIndexOrientation: null, i5InSampleSheet: 'FORWARD',
    flowcells: [one('P1', true), one('P2', true), one('P3', true)] },
  // [OR][NV15] RC (v1.5 reagents); [CHX] two-colour; [LN6] SP/S1/S2 two lanes, S4 four.
  { id: 'NOVASEQ_6000', name: 'NovaSeq 6000', vendor: 'ILLUMINA', chemistry: 'TWO_COLOUR', darkBase: 'G', instrumentPlatform: null, instrumentType: null, headerIndexOrientation: null, i5InSampleSheet: 'REVERSE_COMPLEMENT',
    flowcells: [{ id: 'SP', lanes: 2, patterned: true }, { id: 'S1', lanes: 2, patterned: true }, { id: 'S2', lanes: 2, patterned: true }, { id: 'S4', lanes: 4, patterned: true }] },
  // [NX] NovaSeqXSeries, i5 forward; [CHX] two-colour blue/green; [LNX] 10B/25B eight lanes.
  { id: 'NOVASEQ_X', name: 'NovaSeq X Series', vendor: 'ILLUMINA', chemistry: 'TWO_COLOUR', darkBase: 'G', instrumentPlatform: 'NovaSeqXSeries', instrumentType: null, headerIndexOrientation: 'Forward', i5InSampleSheet: 'FORWARD',
    flowcells: [{ id: '10B', lanes: 8, patterned: true }, { id: '25B', lanes: 8, patterned: true }] },
  // Nanopore: MinKNOW sample sheets, no i5; [ONT] flow cell product codes, one position each.
  { id: 'PROMETHION', name: 'PromethION', vendor: 'OXFORD_NANOPORE', chemistry: 'NANOPORE', darkBase: null, instrumentPlatform: null, instrumentType: null, headerIndexOrientation: null, i5InSampleSheet: null,
    flowcells: [one('FLO-PRO114', false)] },
  { id: 'MINION', name: 'MinION', vendor: 'OXFORD_NANOPORE', chemistry: 'NANOPORE', darkBase: null, instrumentPlatform: null, instrumentType: null, headerIndexOrientation: null, i5InSampleSheet: null,
    flowcells: [one('FLO-MIN114', false)] },
];

const byCode = new Map(INSTRUMENT_MODELS.map((model) => [model.id, model]));

export const instrumentModel = (code: string): InstrumentModel | null => byCode.get(code) ?? null;

export const flowcellType = (model: InstrumentModel, code: string): FlowcellType | null => model.flowcells.find((f) => f.id === code) ?? null;

/**
 * Whether QC judges this flowcell as patterned [DEN]. Without a flowcell type, the model's catalogue decides
 * when all its types agree (MiSeq: none patterned; NovaSeq, NextSeq 1000/2000: all); otherwise patterned,
 * so density is never judged against a band that may not apply.
 */
export const isPatterned = (model: InstrumentModel, code: string | null): boolean => {
  const known = code === null ? null : flowcellType(model, code);
  if (known) return known.patterned;
  return model.flowcells.length === 0 || !model.flowcells.every((f) => !f.patterned);
};

const COMPLEMENT: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A', N: 'N' };
export const reverseComplement = (sequence: string): string => [...sequence].reverse().map((base) => COMPLEMENT[base] ?? base).join('');

/** The i5 as the instrument's sample sheet wants it, from the forward (kit) sequence. */
export const i5ForSampleSheet = (model: InstrumentModel, i5Forward: string): string =>
  model.i5InSampleSheet === 'REVERSE_COMPLEMENT' ? reverseComplement(i5Forward) : i5Forward;
