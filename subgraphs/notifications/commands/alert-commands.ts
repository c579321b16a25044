import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { BadInputError, NotFoundError } from '../../../platform/errors.js';
import { nameUuid } from '../../../platform/ids.js';
import { isUuid } from '../../../platform/graphql/scalars.js';
import { acknowledgeAlert, alertDecider, alertExists, escalateAlert, raiseAlert, resolveAlert, slotDecider, slotId, type Alert, type RaiseAlert } from '../domain/alert.js';

export interface AlertWrite {
  alert: Alert;
  position: string;
}

/** The notifications write path: alerts and the slot that keeps one open per kind and subject. */
export class AlertCommands {
  constructor(private readonly commands: CommandHandler) {}

  /** Raised by policies; keyed by the source event, so a redelivered event raises nothing new. */
  async raise(context: CommandContext, alert: Omit<RaiseAlert, 'alertId'>): Promise<AlertWrite> {
    const slot = slotId(context.tenantId, alert.kind, alert.subjectId);
    const idempotencyKey = { scope: 'Alert', key: `${alert.sourceEventId}/${alert.kind}/${alert.subjectId}` };
    for (let attempt = 0; ; attempt++) {
      const { state } = await this.commands.load(slotDecider, slot, context.tenantId);
      const alertId = state.openAlertId ?? nameUuid('alert', `${context.tenantId}/${alert.sourceEventId}/${alert.kind}/${alert.subjectId}`);
      let moved = false;
      const result = await this.commands.handleAcross({
        context,
        idempotencyKey,
        streams: [
          { decider: slotDecider, id: slot },
          { decider: alertDecider, id: alertId },
        ],
        decide: ([current, open]) => {
          // The slot changed since we looked (resolved or opened meanwhile): look again.
          moved = current.openAlertId !== state.openAlertId;
          return moved ? [[], []] : raiseAlert({ ...alert, alertId }, current, open);
        },
      }).catch((error) => {
        if (moved && attempt < 3) return null;
        throw error;
      });
      if (result) return { alert: result.states[1] as Alert, position: result.position };
    }
  }

  async acknowledge(context: CommandContext, id: string, note: string | null): Promise<AlertWrite> {
    assertId(id);
    const result = await this.commands.handle(alertDecider, {
      id,
      context,
      decide: (state) => {
        if (!alertExists(state)) throw new NotFoundError(`alert ${id} not found`);
        return acknowledgeAlert(state, context.actor, note);
      },
    });
    return { alert: result.state as Alert, position: result.position };
  }

  async resolve(context: CommandContext, id: string, note: string | null): Promise<AlertWrite> {
    assertId(id);
    const { state } = await this.commands.load(alertDecider, id, context.tenantId);
    if (!alertExists(state)) throw new NotFoundError(`alert ${id} not found`);
    const result = await this.commands.handleAcross({
      context,
      streams: [
        { decider: alertDecider, id },
        { decider: slotDecider, id: slotId(context.tenantId, state.kind, state.subjectId) },
      ],
      decide: ([alert]) => resolveAlert(alert, context.actor, note),
    });
    return { alert: result.states[0] as Alert, position: result.position };
  }

  /** One level up for a CRITICAL alert left open too long, plus an ESCALATION alert about it. */
  async escalate(context: CommandContext, id: string, expectedLevel: number, delayMs: number): Promise<boolean> {
    const result = await this.commands.handle(alertDecider, { id, context, decide: (state, { now }) => escalateAlert(state, expectedLevel, now, delayMs) });
    const alert = result.state as Alert;
    if (alert.escalationLevel === expectedLevel) return false;
    const minutes = Math.round(delayMs / 600) / 100;
    await this.raise(context, {
      kind: 'ESCALATION',
      severity: 'CRITICAL',
      message: `Unacknowledged for ${minutes} min, escalated to level ${alert.escalationLevel}: ${alert.message}`,
      sourceEventId: nameUuid(alert.id, `escalation-${alert.escalationLevel}`),
      sampleId: alert.sampleId,
      storageUnitId: alert.storageUnitId,
      sequencingJobId: alert.sequencingJobId,
      subjectId: alert.id,
    });
    return true;
  }
}

const assertId = (id: string) => {
  if (!isUuid(id)) throw new BadInputError(`"${id}" is not an alert id`, { field: 'id' });
};
