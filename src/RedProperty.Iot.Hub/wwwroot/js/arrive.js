// The page a staff sticker's QR code opens (/m/arrive/{token}): the place, its open alerts, and "Arrived" for
// each. The token goes to the hub as it is; only the hub can tell whether the sticker is genuine.
import { t, applyStatic, lang, setLanguage, formatTime } from './i18n.js';
import { getJson, ApiError, problemText } from './api.js';
import { FieldOutbox, sendAction } from './outbox.js';
import { h } from './dom.js';
import { alertFactText } from './facts.js';

const token = decodeURIComponent(location.pathname.split('/').pop() || '');
const list = document.getElementById('alerts');
const error = document.getElementById('error');
let current = null;
// My open alerts at other places: a sticker here does not count for them, and the hub says so if tried.
let elsewhere = [];
let me = null;
const outbox = new FieldOutbox(n => {
  const box = document.getElementById('queued');
  box.hidden = n === 0;
  box.textContent = n < 0 ? t('field.storageFull') : t('field.queued', { n });
});

function showError(text) {
  error.hidden = !text;
  error.textContent = text || '';
}

function stepOf(alert) {
  if (alert.arrivedAt) return t('arrive.arrivedBy', { who: alert.arrivedBy, at: formatTime(alert.arrivedAt) });
  if (alert.onTheWayAt) return t('arrive.onTheWayBy', { who: alert.onTheWayBy });
  if (alert.acknowledgedAt) return t('sla.ackedBy', { who: alert.acknowledgedBy });
  return t('arrive.waiting');
}

function item(alert, here) {
  const button = h('button', { type: 'button', class: 'field-button', text: t('arrive.button'), disabled: alert.arrivedAt ? true : undefined });
  button.addEventListener('click', () => arrive(alert, button));
  return h('li', { class: `field-alert sev-${alert.severity}${here ? '' : ' elsewhere'}`, dataset: { alert: alert.id } },
    h('div', { class: 'field-type', text: t(`type.${alert.type}`) }),
    here ? null : h('div', { class: 'field-step late', text: t('arrive.elsewhere', { place: alert.placeName ?? alert.zone }) }),
    h('div', { class: 'field-message', text: alertFactText(alert) }),
    h('div', { class: 'field-step', text: stepOf(alert) }),
    button);
}

function render() {
  document.getElementById('site').textContent = current.siteName;
  document.getElementById('place').textContent = current.placeName;
  document.getElementById('zone').textContent = current.zoneName;
  document.getElementById('empty').hidden = current.openAlerts.length > 0;
  list.replaceChildren(...current.openAlerts.map(a => item(a, true)), ...elsewhere.map(a => item(a, false)));
}

function update(updated) {
  current.openAlerts = current.openAlerts.map(a => (a.id === updated.id ? updated : a));
  elsewhere = elsewhere.map(a => (a.id === updated.id ? updated : a));
  render();
}

async function arrive(alert, button) {
  button.disabled = true;
  showError('');
  const item = { alertId: alert.id, action: 'arrive', body: { place: token } };
  try {
    update(await sendAction(item));
  } catch (e) {
    if (e instanceof ApiError) {
      showError(problemText(e, t('arrive.failed')));
      button.disabled = false;
      return;
    }
    // No connection (a basement, a lift shaft): the arrival waits on the phone and goes when it returns.
    outbox.push(item);
  }
}

/** Sends arrivals (and any other step) that waited for the connection. */
function flush() {
  return outbox.flush(async item => {
    const updated = await sendAction(item);
    if (updated) update(updated);
  }, (item, e) => {
    const mineAlready = e.status === 409 && [...current.openAlerts, ...elsewhere].some(a => a.id === item.alertId && a.arrivedBy?.toLowerCase() === me?.username.toLowerCase());
    if (!mineAlready) showError(problemText(e, t('arrive.failed')));
  });
}

async function load() {
  try {
    current = await getJson(`/api/places/sticker/${encodeURIComponent(token)}`);
    me = await getJson('/api/auth/me');
    const open = await getJson(`/api/alerts?state=open&site=${encodeURIComponent(current.site)}`);
    elsewhere = open.filter(a => a.assignedTo?.toLowerCase() === me.username.toLowerCase() && a.place !== current.place && !a.arrivedAt);
    document.body.dataset.state = 'ready';
    render();
  } catch (e) {
    document.body.dataset.state = 'refused';
    document.getElementById('place').textContent = t('arrive.refused');
    showError(problemText(e, t('arrive.failed')));
  }
}

document.getElementById('lang').addEventListener('click', () => {
  setLanguage(lang() === 'zh-CN' ? 'en' : 'zh-CN');
  if (current) render();
});

applyStatic();
outbox.refresh();
await load();
flush();
window.addEventListener('online', flush);
setInterval(() => { if (outbox.items.length > 0) flush(); }, 5000);
