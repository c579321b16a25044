import { policy } from '../../../event-store/projection.js';
import type { AlertResolved } from '../events.js';
import type { AlertCommands } from '../commands/alert-commands.js';

export const ESCALATION_RESOLUTION_POLICY = 'notifications-escalation-resolution';

/**
 * An ESCALATION alert is about another alert being left open: once that alert is resolved, so is
 * its escalation, by whoever resolved it (`actor: 'cause'`). Idempotent per AlertResolved event (the
 * command is keyed by it); resolving an alert with no escalation open about it does nothing.
 */
export const escalationResolutionPolicy = (alerts: AlertCommands) =>
  policy<AlertResolved>(
    ESCALATION_RESOLUTION_POLICY,
    {
      AlertResolved: (event, dispatch) => alerts.resolveEscalation(dispatch.context, event.data.alertId, event.eventId),
    },
    { actor: 'cause', live: true },
  );
