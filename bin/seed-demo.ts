import type { CommandContext } from '../event-store/command-handler.js';
import type { Runtime } from '../platform/runtime.js';
import { DEMO_TENANT } from '../platform/identity.js';
import { SampleCommands } from '../subgraphs/samples/commands/sample-commands.js';
import type { SampleStatus, SampleType } from '../subgraphs/samples/domain/events.js';

/** Each demo sample walks the real command path to its status, so its history is a true audit trail. */
const DEMO: Array<{ barcode: string; type: SampleType; path: SampleStatus[]; project: string; reason?: string }> = [
  { barcode: 'DEMO-DNA-0001', type: 'DNA', path: [], project: 'ONCO-2026' },
  { barcode: 'DEMO-DNA-0002', type: 'DNA', path: ['RECEIVED'], project: 'ONCO-2026' },
  { barcode: 'DEMO-RNA-0001', type: 'RNA', path: ['RECEIVED', 'VALIDATED'], project: 'ONCO-2026' },
  { barcode: 'DEMO-BLD-0001', type: 'BLOOD', path: ['RECEIVED', 'VALIDATED'], project: 'CARDIO-7' },
  { barcode: 'DEMO-PLS-0001', type: 'PLASMA', path: ['RECEIVED'], project: 'CARDIO-7' },
  { barcode: 'DEMO-SAL-0001', type: 'SALIVA', path: ['REJECTED'], project: 'CARDIO-7', reason: 'tube leaked in transit' },
  { barcode: 'DEMO-TIS-0001', type: 'TISSUE', path: ['RECEIVED', 'DISCARDED'], project: 'DERM-3', reason: 'consent withdrawn' },
  { barcode: 'DEMO-LIB-0001', type: 'LIBRARY', path: ['RECEIVED', 'VALIDATED'], project: 'ONCO-2026' },
  { barcode: 'DEMO-CEL-0001', type: 'CELL_LINE', path: ['RECEIVED', 'VALIDATED'], project: 'DERM-3' },
];

/** Seeds an empty database with a small demo lab in tenant `demo`; does nothing once any event exists. */
export const seedDemo = async (runtime: Runtime): Promise<boolean> => {
  const any = await runtime.pool.query('SELECT 1 FROM es.events WHERE tenant_id = $1 LIMIT 1', [DEMO_TENANT]);
  if (any.rowCount) return false;
  const samples = new SampleCommands(runtime.commands);
  const context: CommandContext = { tenantId: DEMO_TENANT, actor: 'demo-seed' };
  for (const demo of DEMO) {
    const { sample } = await samples.register(context, {
      barcode: demo.barcode,
      sampleType: demo.type,
      volumeUl: 250,
      concentrationNgUl: demo.type === 'DNA' || demo.type === 'RNA' ? 42.5 : null,
      submitter: 'Dr. Ada Demo',
      projectCode: demo.project,
    }, `seed-${demo.barcode}`);
    for (const status of demo.path) await samples.changeStatus(context, sample.id, status, { reason: demo.reason });
  }
  return true;
};
