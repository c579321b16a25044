import { policy } from '../../../event-store/projection.js';
import type { SampleResubmitted } from '../../samples/events.js';
import type { AlertResolved } from '../events.js';
import type { AlertCommands } from '../commands/alert-commands.js';

/** The consumer's name predates its second handler (it resolved escalations only); kept, so its checkpoint is kept. */
export const ALERT_RESOLUTION_POLICY = 'notifications-escalation-resolution';

/**
 * Alerts whose condition was dealt with elsewhere are resolved, by whoever dealt with it (`actor:
 * 'cause'`): an ESCALATION alert once the alert it is about is resolved; a SAMPLE_REJECTED alert once
 * the sample is resubmitted. Idempotent per event (the command is keyed by it); nothing open does
 * nothing.
 */
export const alertResolutionPolicy = (alerts: AlertCommands) =>
  policy<AlertResolved | SampleResubmitted>(
    ALERT_RESOLUTION_POLICY,
    {
      AlertResolved: (event, dispatch) => alerts.resolveEscalation(dispatch.context, event.data.alertId, event.eventId),
      SampleResubmitted: (event, dispatch) =>
        alerts.resolveOpen(dispatch.context, 'SAMPLE_REJECTED', event.data.sampleId, 'Resolved: the sample was resubmitted', event.eventId),
    },
    { actor: 'cause', live: true },
  );
