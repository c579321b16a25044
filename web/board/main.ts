import { ApiError, createApi, saveCredentials, savedCredentials, tokenRoles, type Api, type Credentials } from './api.js';
import { ACTIVE_SAGA, type Alert, type Freezer, type LabEvent, type Saga } from './model.js';
import { renderAlerts, renderEvents, renderFreezers, renderSagas, type AlertView } from './render.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  connection: $('connection'),
  notice: $('notice'),
  alerts: $('alert-list'),
  alertCount: $('alert-count'),
  freezers: $('freezer-list'),
  sagas: $('saga-list'),
  events: $('event-list'),
  signIn: $<HTMLDialogElement>('sign-in'),
  signInForm: $<HTMLFormElement>('sign-in-form'),
  signInError: $('sign-in-error'),
  signOut: $<HTMLButtonElement>('sign-out'),
};

/** Enough to see what just happened; more would not be readable from across the room. */
const EVENTS_SHOWN = 12;
/** How long a finished saga stays on the board before it leaves. */
const FINISHED_SAGA_MS = 30_000;
const ACKNOWLEDGING_ROLES = new Set(['technician', 'manager', 'admin']);

const state = {
  alerts: new Map<string, AlertView>(),
  freezers: [] as Freezer[],
  sagas: new Map<string, Saga>(),
  sagaSubscriptions: new Map<string, () => void>(),
  events: [] as LabEvent[],
  acknowledging: new Set<string>(),
};
let api: Api | null = null;
let credentials: Credentials | null = savedCredentials();

const canAcknowledge = () => {
  const roles = tokenRoles(credentials);
  return roles === null || roles.some((role) => ACKNOWLEDGING_ROLES.has(role));
};

const notify = (message: string) => {
  ui.notice.textContent = message;
};

const setConnection = (connection: 'connecting' | 'live' | 'reconnecting' | 'signed-out', text: string) => {
  ui.connection.dataset.state = connection;
  ui.connection.textContent = text;
};

const drawAlerts = () =>
  renderAlerts(ui.alerts, ui.alertCount, [...state.alerts.values()], { canAcknowledge: canAcknowledge(), pending: state.acknowledging, onAcknowledge: acknowledge });
const drawSagas = () => renderSagas(ui.sagas, [...state.sagas.values()]);

const putAlert = (alert: Alert) => {
  if (alert.status === 'RESOLVED') state.alerts.delete(alert.id);
  else state.alerts.set(alert.id, { ...alert, receivedAt: Date.now() });
};

const putSaga = (saga: Saga) => {
  state.sagas.set(saga.id, saga);
  if (api && !state.sagaSubscriptions.has(saga.id) && ACTIVE_SAGA.has(saga.status)) {
    state.sagaSubscriptions.set(
      saga.id,
      api.subscribe<{ sagaUpdated: Saga }>('BoardSagaUpdated', { id: saga.id }, ({ sagaUpdated }) => {
        putSaga(sagaUpdated);
        drawSagas();
      }, failed),
    );
  }
  if (!ACTIVE_SAGA.has(saga.status)) {
    state.sagaSubscriptions.get(saga.id)?.();
    state.sagaSubscriptions.delete(saga.id);
    setTimeout(() => {
      if (!ACTIVE_SAGA.has(state.sagas.get(saga.id)?.status ?? '')) {
        state.sagas.delete(saga.id);
        drawSagas();
      }
    }, FINISHED_SAGA_MS);
  }
};

const failed = (error: ApiError) => {
  if (error.code === 'UNAUTHENTICATED') return askForCredentials('The gateway did not accept these credentials.');
  notify(error.code === 'NETWORK_ERROR' ? 'The gateway cannot be reached; the board will refresh when it is back.' : `${error.message} (${error.code})`);
};

const loadAlerts = async () => {
  const { alerts } = await api!.run<{ alerts: { edges: Array<{ node: Alert }> } }>('BoardAlerts');
  state.alerts.clear();
  for (const { node } of alerts.edges) putAlert(node);
  drawAlerts();
};

const loadFreezers = async () => {
  state.freezers = (await api!.run<{ storageUnits: Freezer[] }>('BoardFreezers')).storageUnits;
  renderFreezers(ui.freezers, state.freezers);
};

const loadSagas = async () => {
  const { sagas } = await api!.run<{ sagas: { edges: Array<{ node: Saga }> } }>('BoardSagas');
  const running = new Set(sagas.edges.map(({ node }) => node.id));
  for (const [id, saga] of state.sagas) if (!running.has(id) && ACTIVE_SAGA.has(saga.status)) state.sagas.delete(id);
  for (const { node } of sagas.edges) putSaga(node);
  drawSagas();
};

/** Everything the board shows, read again: at start and after every reconnect (events were missed). */
const refetch = async () => {
  const results = await Promise.allSettled([loadAlerts(), loadFreezers(), loadSagas()]);
  const problem = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (problem) failed(problem.reason instanceof ApiError ? problem.reason : new ApiError(String(problem.reason), 'INTERNAL_SERVER_ERROR'));
  else notify('');
  document.body.dataset.refreshedAt = String(Date.now());
};

/** Coalesces bursts of events (a seeding script, a busy saga) into one read. */
const debounced = (run: () => Promise<void>, ms = 150) => {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      run().catch(failed);
    }, ms);
  };
};
const refreshFreezers = debounced(loadFreezers);

/** A saga the board has not seen: read it by id, as it may already have finished by now. */
const sagasLoading = new Set<string>();
const loadSaga = async (id: string) => {
  if (sagasLoading.has(id)) return;
  sagasLoading.add(id);
  try {
    const { saga } = await api!.run<{ saga: Saga | null }>('BoardSaga', { id });
    if (saga && !state.sagas.has(saga.id)) {
      putSaga(saga);
      drawSagas();
    }
  } finally {
    sagasLoading.delete(id);
  }
};

const onLabEvent = (event: LabEvent) => {
  state.events = [event, ...state.events].slice(0, EVENTS_SHOWN);
  renderEvents(ui.events, state.events);
  // Temperatures and capacity change with storage events; a new saga shows up as its first event.
  if (event.streamType === 'StorageUnit' || event.streamType === 'StoragePosition') refreshFreezers();
  const sagaId = event.streamId.startsWith('Saga-') ? event.streamId.slice('Saga-'.length) : null;
  if (sagaId && !state.sagas.has(sagaId)) loadSaga(sagaId).catch(failed);
};

async function acknowledge(id: string) {
  state.acknowledging.add(id);
  drawAlerts();
  try {
    const { acknowledgeAlert } = await api!.run<{ acknowledgeAlert: { alert: Alert } }>('BoardAcknowledgeAlert', { id });
    putAlert(acknowledgeAlert.alert);
    notify(`Acknowledged: ${acknowledgeAlert.alert.message}`);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'FORBIDDEN') notify('Your role may not acknowledge alerts (technician or higher needed).');
    else failed(error instanceof ApiError ? error : new ApiError(String(error), 'INTERNAL_SERVER_ERROR'));
  } finally {
    state.acknowledging.delete(id);
    drawAlerts();
  }
}

const stop = () => {
  for (const unsubscribe of state.sagaSubscriptions.values()) unsubscribe();
  state.sagaSubscriptions.clear();
  api?.dispose();
  api = null;
};

function askForCredentials(reason: string) {
  stop();
  setConnection('signed-out', 'Not signed in');
  ui.signInError.textContent = reason;
  if (!ui.signIn.open) ui.signIn.showModal();
}

const start = () => {
  stop();
  setConnection('connecting', 'Connecting…');
  ui.signOut.hidden = credentials === null;
  api = createApi(credentials, {
    onConnected: (reconnected) => {
      setConnection('live', 'Live');
      if (reconnected) void refetch();
    },
    onDisconnected: () => setConnection('reconnecting', 'Connection lost: reconnecting…'),
    onUnauthenticated: () => askForCredentials(credentials ? 'The gateway did not accept these credentials.' : 'This lab board needs a token or an API key.'),
  });
  api.subscribe<{ alertRaised: Alert }>('BoardAlertRaised', {}, ({ alertRaised }) => {
    putAlert(alertRaised);
    drawAlerts();
  }, failed);
  api.subscribe<{ labEvents: LabEvent }>('BoardLabEvents', {}, ({ labEvents }) => onLabEvent(labEvents), failed);
  void refetch();
};

ui.signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(ui.signInForm);
  const token = String(form.get('token') ?? '').trim().replace(/^Bearer\s+/i, '');
  const apiKey = String(form.get('apiKey') ?? '').trim();
  if (!token && !apiKey) {
    ui.signInError.textContent = 'Enter a token or an API key.';
    return;
  }
  credentials = token ? { kind: 'token', value: token } : { kind: 'apiKey', value: apiKey };
  saveCredentials(credentials);
  ui.signIn.close();
  ui.signInForm.reset();
  start();
});

// Escape would leave an empty board behind the dialog: it stays until someone signs in.
ui.signIn.addEventListener('cancel', (event) => event.preventDefault());

ui.signOut.addEventListener('click', () => {
  credentials = null;
  saveCredentials(null);
  askForCredentials('Signed out.');
});

renderEvents(ui.events, state.events);
start();
