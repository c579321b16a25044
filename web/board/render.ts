import { alertOrder, currentStep, type Alert, type Freezer, type LabEvent, type Saga } from './model.js';

/** A DOM element with text content only: nothing from the API is ever parsed as HTML. */
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Array<Node | string | null>): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null) element.append(child);
  return element;
};

const ZONES: Record<string, string> = { MINUS_80: '−80 °C', MINUS_20: '−20 °C', PLUS_4: '+4 °C', ROOM_TEMPERATURE: 'room temperature', PLUS_37: '+37 °C' };
const words = (value: string) => value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, ' ');
/** submitSample, submit-sample or SUBMIT_SAMPLE → "Submit sample". */
const label = (value: string) => words(value.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase());
const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const celsius = (value: number) => `${value < 0 ? '−' : ''}${Math.abs(value).toFixed(1)} °C`;

/**
 * Replaces a list's items, keeping keyboard focus on the same thing (by data-focus-key) so a live
 * update never throws the person at the screen back to the top of the page.
 */
const replaceItems = (list: HTMLElement, items: HTMLElement[], empty: string) => {
  const focused = document.activeElement instanceof HTMLElement && list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : undefined;
  list.replaceChildren(...(items.length ? items : [el('li', { class: 'empty' }, empty)]));
  if (!focused) return;
  const again = list.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused)}"]`) ?? list.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused.split(':').slice(0, 2).join(':'))}"]`);
  again?.focus();
};

export interface AlertView extends Alert {
  /** When this page last received the alert (ms since epoch): tests measure delivery with it. */
  receivedAt: number;
}

export const renderAlerts = (
  list: HTMLElement,
  count: HTMLElement,
  alerts: AlertView[],
  options: { canAcknowledge: boolean; pending: ReadonlySet<string>; onAcknowledge: (id: string) => void },
) => {
  const sorted = [...alerts].sort(alertOrder);
  const open = sorted.filter((alert) => alert.status === 'OPEN').length;
  count.textContent = `${open} open, ${sorted.length - open} acknowledged`;
  replaceItems(
    list,
    sorted.map((alert) => {
      const subject = alert.storageUnit?.name ?? alert.sample?.barcode ?? alert.sequencingJob?.name ?? null;
      const item = el(
        'li',
        {
          class: `alert severity-${alert.severity.toLowerCase()} status-${alert.status.toLowerCase()}`,
          'data-alert-id': alert.id,
          'data-status': alert.status,
          'data-received-at': String(alert.receivedAt),
          'data-focus-key': `alert:${alert.id}`,
          'data-unit-id': alert.storageUnit?.id ?? '',
          tabindex: '-1',
        },
        el('p', { class: 'alert-head' }, el('span', { class: 'severity' }, alert.severity), ' ', el('span', { class: 'kind' }, words(alert.kind)), subject ? el('span', { class: 'subject' }, ` · ${subject}`) : null),
        el('p', { class: 'message' }, alert.message),
        el(
          'p',
          { class: 'meta' },
          `Raised ${time(alert.raisedAt)}`,
          alert.escalationLevel > 0 ? ` · escalation level ${alert.escalationLevel}` : '',
          ' · ',
          el('span', { class: 'status' }, alert.status === 'OPEN' ? 'OPEN' : `ACKNOWLEDGED by ${alert.acknowledgedBy ?? 'someone'}${alert.acknowledgedAt ? ` at ${time(alert.acknowledgedAt)}` : ''}`),
        ),
      );
      if (alert.status === 'OPEN') {
        const pending = options.pending.has(alert.id);
        const button = el(
          'button',
          { type: 'button', class: 'acknowledge', 'data-focus-key': `alert:${alert.id}:acknowledge`, 'aria-label': `Acknowledge: ${alert.message}` },
          pending ? 'Acknowledging…' : 'Acknowledge',
        );
        if (!options.canAcknowledge) {
          button.disabled = true;
          button.title = 'Acknowledging needs the technician role or higher';
        }
        // Still focusable while pending (a disabled button would drop the keyboard focus).
        if (pending) button.setAttribute('aria-disabled', 'true');
        button.addEventListener('click', () => {
          if (!pending) options.onAcknowledge(alert.id);
        });
        item.append(button);
      }
      return item;
    }),
    'No open alerts.',
  );
};

export const renderFreezers = (list: HTMLElement, freezers: Freezer[]) => {
  replaceItems(
    list,
    [...freezers]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((freezer) => {
        const reading = freezer.latestTemperature;
        const percent = Math.round(freezer.utilization * 100);
        const range = freezer.minTempC !== null && freezer.maxTempC !== null ? `range ${celsius(freezer.minTempC)} to ${celsius(freezer.maxTempC)}` : 'no range set';
        return el(
          'li',
          { class: `freezer${reading && !reading.inRange ? ' out-of-range' : ''}`, 'data-unit-id': freezer.id, 'data-focus-key': `freezer:${freezer.id}`, tabindex: '-1' },
          el('h3', {}, freezer.name),
          el('p', { class: 'zone' }, `Zone ${freezer.zone ? (ZONES[freezer.zone] ?? freezer.zone) : 'unset'} · ${range}`),
          el(
            'p',
            { class: 'temperature', 'data-celsius': reading ? String(reading.celsius) : '' },
            reading ? celsius(reading.celsius) : 'no reading yet',
            reading && !reading.inRange ? el('span', { class: 'flag' }, ' OUT OF RANGE') : null,
          ),
          reading ? el('p', { class: 'meta' }, `read ${time(reading.recordedAt)}`) : null,
          el('label', { class: 'capacity-label', for: `capacity-${freezer.id}` }, `Capacity: ${freezer.occupied} of ${freezer.capacity} used (${percent}%)`),
          el('meter', { id: `capacity-${freezer.id}`, min: '0', max: String(Math.max(1, freezer.capacity)), low: String(freezer.capacity * 0.8), high: String(freezer.capacity * 0.95), optimum: '0', value: String(freezer.occupied) }),
        );
      }),
    'No freezers.',
  );
};

export const renderSagas = (list: HTMLElement, sagas: Saga[]) => {
  replaceItems(
    list,
    [...sagas]
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .map((saga) => {
        const at = currentStep(saga);
        return el(
          'li',
          { class: `saga status-${saga.status.toLowerCase()}`, 'data-saga-id': saga.id, 'data-status': saga.status, 'data-focus-key': `saga:${saga.id}`, tabindex: '-1' },
          el('p', { class: 'saga-head' }, el('strong', {}, label(saga.type)), saga.sample ? ` · ${saga.sample.barcode}` : '', ` · ${saga.status}`),
          el('p', { class: 'step' }, at ? `Step ${at.index + 1} of ${saga.steps.length}: ${at.step.name} (${at.step.status.toLowerCase()}${at.step.attempts > 1 ? `, attempt ${at.step.attempts}` : ''})` : 'No steps yet'),
          saga.error ? el('p', { class: 'meta' }, saga.error) : null,
        );
      }),
    'No sagas running.',
  );
};

export const renderEvents = (list: HTMLElement, events: LabEvent[]) => {
  replaceItems(
    list,
    events.map((event) =>
      el('li', { class: 'event', 'data-event-type': event.type }, el('time', { datetime: event.occurredAt }, time(event.occurredAt)), ' ', el('strong', {}, event.type), ` · ${event.streamType}${event.actor ? ` · ${event.actor}` : ''}`),
    ),
    'Waiting for lab events…',
  );
};
