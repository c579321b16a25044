import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { BadInputError } from '../../../platform/errors.js';
import { nameUuid } from '../../../platform/ids.js';
import { canonicalUuid } from '../../../platform/graphql/scalars.js';
import type { PublishedFacts } from '../published-facts.js';
import type { AlertKind } from '../events.js';
import { alertDecider, alertExists, raiseAlert, raiseRoute, resolveAlert, resolveOpenAlert, resolveOpenAlertRoute, resolveRoute, type Alert, type RaiseAlert } from '../domain/alert.js';

export interface AlertWrite {
  alert: Alert;
  position: string;
}

export type AlertToRaise = Omit<RaiseAlert['data'], 'alertId'>;

/** Repeats whose alert state is kept for the subscriptions still mapping them. */
const RECENT_REPEATS = 256;

/** The notifications write path: alerts and the slot that keeps one open per kind and subject. */
export class AlertCommands {
  constructor(
    private readonly commands: CommandHandler,
    private readonly facts: Pick<PublishedFacts, 'sampleBarcode'>,
  ) {}

  /**
   * Raised by policies; keyed by the source event, so a redelivered event raises nothing new. An
   * alert about a sample records its barcode, read from the sample's registration in the log.
   */
  async raise(context: CommandContext, alert: AlertToRaise): Promise<AlertWrite> {
    const alertId = nameUuid('alert', `${context.tenantId}/${alert.sourceEventId}/${alert.kind}/${alert.subjectId}`);
    const sampleBarcode = alert.sampleId ? (alert.sampleBarcode ?? (await this.facts.sampleBarcode(context.tenantId, alert.sampleId))) : null;
    const command: RaiseAlert = { type: 'RaiseAlert', data: { ...alert, sampleBarcode, alertId } };
    const result = await this.commands.executeAcross(raiseAlert, raiseRoute(context.tenantId, command), command, context, {
      idempotencyKey: { scope: 'Alert', key: `${alert.sourceEventId}/${alert.kind}/${alert.subjectId}` },
    });
    return { alert: result.states.alert as Alert, position: result.position };
  }

  /**
   * The alert as the write at `position` left it (what a repeat's subscribers get). Every
   * subscription of the process asks for the same repeat at once: they share one read of the stream
   * (the log up to a position never changes, so a recent answer stays right).
   */
  asOf(tenantId: string, alertId: string, position: string): Promise<Alert | null> {
    const key = `${tenantId}\u0000${alertId}\u0000${position}`;
    const known = this.recentRepeats.get(key);
    if (known) return known;
    const read = this.commands.loadAsOf(alertDecider, alertId, tenantId, position).then(({ state }) => (alertExists(state) ? state : null));
    read.catch(() => this.recentRepeats.delete(key));
    if (this.recentRepeats.size >= RECENT_REPEATS) this.recentRepeats.delete(this.recentRepeats.keys().next().value!);
    this.recentRepeats.set(key, read);
    return read;
  }

  private readonly recentRepeats = new Map<string, Promise<Alert | null>>();

  async acknowledge(context: CommandContext, id: string, note: string | null): Promise<AlertWrite> {
    const result = await this.commands.execute(alertDecider, alertIdOf(id), { type: 'AcknowledgeAlert', data: { by: context.actor, note } }, context);
    return { alert: result.state as Alert, position: result.position };
  }

  async resolve(context: CommandContext, id: string, note: string | null): Promise<AlertWrite> {
    const result = await this.commands.executeAcross(resolveAlert, resolveRoute(context.tenantId, alertIdOf(id)), { type: 'ResolveAlert', data: { by: context.actor, note } }, context);
    return { alert: result.states.alert as Alert, position: result.position };
  }

  /**
   * Resolves the alert open for `kind` and `subject`, if any, because `causeEventId` dealt with its
   * condition. Keyed by that event (and the kind), so a redelivery resolves nothing again.
   */
  async resolveOpen(context: CommandContext, kind: AlertKind, subjectId: string, note: string, causeEventId: string): Promise<void> {
    const command = { type: 'ResolveOpenAlert' as const, data: { by: context.actor, note } };
    await this.commands.executeAcross(resolveOpenAlert, resolveOpenAlertRoute(context.tenantId, kind, subjectId), command, context, {
      idempotencyKey: { scope: kind === 'ESCALATION' ? 'AlertEscalationResolved' : `AlertResolvedBy/${kind}`, key: causeEventId },
    });
  }

  /** The ESCALATION alert open about `sourceAlertId`, resolved with it (by `resolvedEventId`). */
  resolveEscalation(context: CommandContext, sourceAlertId: string, resolvedEventId: string): Promise<void> {
    return this.resolveOpen(context, 'ESCALATION', sourceAlertId, 'Resolved with the alert it escalated', resolvedEventId);
  }

  /** One level up for a CRITICAL alert left open too long, plus an ESCALATION alert about it. */
  async escalate(context: CommandContext, id: string, expectedLevel: number, delayMs: number): Promise<boolean> {
    const result = await this.commands.execute(alertDecider, id, { type: 'EscalateAlert', data: { expectedLevel, delayMs } }, context);
    const alert = result.state as Alert;
    if (alert.escalationLevel === expectedLevel) return false;
    const minutes = Math.round(delayMs / 600) / 100;
    await this.raise(context, {
      kind: 'ESCALATION',
      severity: 'CRITICAL',
      message: `Unacknowledged for ${minutes} min, escalated to level ${alert.escalationLevel}: ${alert.message}`,
      sourceEventId: nameUuid(alert.id, `escalation-${alert.escalationLevel}`),
      sampleId: alert.sampleId,
      sampleBarcode: alert.sampleBarcode,
      storageUnitId: alert.storageUnitId,
      sequencingJobId: alert.sequencingJobId,
      sequencingRunId: alert.sequencingRunId,
      subjectId: alert.id,
    });
    return true;
  }
}

/** An alert id as its stream spells it (any case accepted); BAD_USER_INPUT when it is no id. */
const alertIdOf = (id: string): string => {
  const alertId = canonicalUuid(id);
  if (!alertId) throw new BadInputError(`"${id}" is not an alert id`, { field: 'id' });
  return alertId;
};
