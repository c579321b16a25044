/** What the board shows, as its manifest operations return it. */
export interface Alert {
  id: string;
  kind: string;
  severity: 'INFO' | 'WARNING' | 'CRITICAL';
  status: 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';
  message: string;
  raisedAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  escalationLevel: number;
  storageUnit: { id: string; name: string } | null;
  sample: { barcode: string } | null;
  sequencingJob: { name: string } | null;
}

export interface Freezer {
  id: string;
  name: string;
  zone: string | null;
  capacity: number;
  occupied: number;
  utilization: number;
  minTempC: number | null;
  maxTempC: number | null;
  latestTemperature: { celsius: number; recordedAt: string; inRange: boolean } | null;
}

export interface Saga {
  id: string;
  type: string;
  status: string;
  startedAt: string;
  error: string | null;
  sample: { barcode: string } | null;
  steps: Array<{ name: string; status: string; attempts: number }>;
}

export interface LabEvent {
  id: string;
  type: string;
  streamId: string;
  streamType: string;
  occurredAt: string;
  actor: string | null;
}

export const ACTIVE_SAGA = new Set(['RUNNING', 'COMPENSATING']);

const SEVERITY_RANK: Record<Alert['severity'], number> = { CRITICAL: 0, WARNING: 1, INFO: 2 };

/** Open before acknowledged, then the most severe, then the newest. */
export const alertOrder = (a: Alert, b: Alert): number =>
  (a.status === 'OPEN' ? 0 : 1) - (b.status === 'OPEN' ? 0 : 1) ||
  SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
  b.raisedAt.localeCompare(a.raisedAt);

/** The step a saga is on: the first not yet done (or the last one, once all are). */
export const currentStep = (saga: Saga): { index: number; step: Saga['steps'][number] } | null => {
  const index = saga.steps.findIndex((step) => step.status !== 'DONE' && step.status !== 'SKIPPED');
  const at = index === -1 ? saga.steps.length - 1 : index;
  const step = saga.steps[at];
  return step ? { index: at, step } : null;
};
