import { sql, type Kysely } from 'kysely';
import type { Logger } from '../../../platform/logger.js';
import type { AlertCommands } from '../commands/alert-commands.js';

/**
 * Escalates CRITICAL alerts left OPEN (unacknowledged) for `delayMs`. Any number of processes may
 * run it: each escalation is a versioned decision on the alert (expected level), so a race
 * escalates once.
 */
export const startEscalation = (options: { db: Kysely<any>; alerts: AlertCommands; delayMs: number; logger?: Logger }) => {
  const interval = Math.max(100, Math.min(30_000, options.delayMs / 4));
  let running: Promise<void> | null = null;
  const tick = async () => {
    const due = await sql<{ tenant_id: string; id: string; escalation_level: number }>`
      SELECT tenant_id, id, escalation_level FROM notifications_read.alerts
      WHERE status = 'OPEN' AND severity = 'CRITICAL' AND kind <> 'ESCALATION'
        AND coalesce(last_escalated_at, raised_at) <= now() - make_interval(secs => ${options.delayMs / 1000})
      ORDER BY raised_at LIMIT 100`.execute(options.db);
    for (const alert of due.rows) {
      await options.alerts.escalate({ tenantId: alert.tenant_id, actor: 'escalation' }, alert.id, alert.escalation_level, options.delayMs);
    }
  };
  const timer = setInterval(() => {
    running ??= tick()
      .catch((error) => options.logger?.error({ err: error }, 'alert escalation failed'))
      .finally(() => {
        running = null;
      });
  }, interval);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
};
