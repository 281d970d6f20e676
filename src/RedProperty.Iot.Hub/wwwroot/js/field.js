// The grid worker's phone page (/m): my assigned alerts first, then my zones', each with where, what the
// device says and the time left; Respond, On my way, Arrived (the place's sticker, scanned), Resolve with a note
// and a photo. Live over the desk's SignalR hub. Actions are kept in this browser while
// the phone has no connection and sent once each when it returns (the hub answers a repeated step as done
// or as already done).
import { t, applyStatic, lang, setLanguage, formatDuration } from './i18n.js';
import { getJson, postJson, problemText } from './api.js';
import { FieldOutbox, sendAction } from './outbox.js';
import { shrinkPhoto, toDataUrl } from './photo.js';
import { deskHubConnection } from './live.js';
import { h } from './dom.js';
import { alertFactText } from './facts.js';
import { Chime } from './chime.js';

const state = { me: null, zones: new Set(), alerts: new Map(), lastSeq: null, duty: 'roster', onDutyNow: false, reports: new Map() };
const chime = new Chime();
const outbox = new FieldOutbox(showQueued);
let reconnects = 0;

const el = id => document.getElementById(id);

function showQueued(n) {
  if (n < 0) { showError(t('field.storageFull')); return; }
  const box = el('queued');
  box.hidden = n === 0;
  box.textContent = t('field.queued', { n });
}

function showError(text) {
  el('error').hidden = !text;
  el('error').textContent = text || '';
}

// ------------------------------------------------------------ actions, queued while offline

async function act(alertId, action, body) {
  outbox.push({ alertId, action, body: body ?? {} });
  await flush();
}

function flush() {
  return outbox.flush(async item => {
    const alert = await sendAction(item);
    if (alert) apply(alert);
    showError('');
  }, (item, e) => {
    // Refused: a step already done (a retry whose first answer was lost) is not news to the worker.
    if (e.status !== 409 || !alreadyDone(item)) showError(problemText(e, t('field.failed')));
  });
}

function alreadyDone(item) {
  const a = state.alerts.get(item.alertId);
  return !a || (item.action === 'ack' && a.state !== 'active') || (item.action === 'resolve' && a.state === 'resolved')
    || (item.action === 'arrive' && a.arrivedBy?.toLowerCase() === state.me?.username.toLowerCase());
}

// ------------------------------------------------------------ the list

function mine(a) { return a.assignedTo && state.me && a.assignedTo.toLowerCase() === state.me.username.toLowerCase(); }

function inMyZones(a) { return state.zones.has(`${a.site}/${a.zone}`); }

function apply(a, raised = false) {
  const before = state.alerts.get(a.id);
  if (before && before.seq > a.seq) return;
  if (a.state === 'resolved') state.alerts.delete(a.id);
  else state.alerts.set(a.id, a);
  // Newly mine: tell the worker, by vibration and sound where the phone allows.
  if (a.state !== 'resolved' && mine(a) && (!before || !mine(before))) {
    alertWorker();
    document.body.dataset.assigned = a.id;
  }
  // Escalated in a zone I supervise: the supervisor hears of it here too (and through the site's webhook).
  if (before && a.state !== 'resolved' && (a.escalations?.length ?? 0) > (before.escalations?.length ?? 0)
    && state.me?.role === 'supervisor' && inMyZones(a)) {
    alertWorker();
    const reason = a.escalations[a.escalations.length - 1].reason;
    el('escalated').hidden = false;
    el('escalated').textContent = t('field.escalatedNotice', { type: t(`type.${a.type}`), place: a.placeName ?? a.zone, reason: t(`escalation.${reason}`) });
    document.body.dataset.escalated = a.id;
  }
  if (raised || before || a.state !== 'resolved') render();
}

function alertWorker() {
  navigator.vibrate?.([300, 150, 300]);
  chime.set(true);
  setTimeout(() => chime.set(false), 3000);
}

function countdown(a, now) {
  if (a.state === 'active') {
    const left = new Date(a.acknowledgeDueAt) - now;
    return { text: t(left >= 0 ? 'sla.ack' : 'sla.ackOverdue', { t: formatDuration(left) }), late: left < 0 };
  }
  if (a.arrivedAt) return { text: t('sla.onSite', { who: a.arrivedBy }), late: false };
  if (a.arriveDueAt) {
    const left = new Date(a.arriveDueAt) - now;
    return { text: t(left >= 0 ? 'sla.arrive' : 'sla.arriveOverdue', { t: formatDuration(left) }), late: left < 0 };
  }
  return { text: t('sla.ackedBy', { who: a.acknowledgedBy ?? '' }), late: false };
}

function card(a, now) {
  const due = countdown(a, now);
  const buttons = [];
  const button = (key, action, cls = '') => {
    const b = h('button', { type: 'button', class: `field-button ${cls}`, dataset: { action, id: a.id } }, t(key));
    buttons.push(b);
  };
  if (a.state === 'active') button('field.respond', 'ack');
  if (!a.onTheWayAt && !a.arrivedAt) button('field.onMyWay', 'on-the-way', 'secondary');
  if (!a.arrivedAt) button('field.arrived', 'scan', 'secondary');
  button('field.resolve', 'resolve', 'ghost');
  return h('li', { class: `field-alert sev-${a.severity}`, dataset: { alert: a.id, state: a.state } },
    h('div', { class: 'field-type' }, t(`type.${a.type}`)),
    h('div', { class: 'field-where' }, [a.placeName ?? a.zone, a.deviceId].filter(Boolean).join(' · ')),
    h('div', { class: 'field-message' }, alertFactText(a)),
    h('div', { class: `field-step${due.late ? ' late' : ''}` }, due.text),
    a.assignedTo && !mine(a) ? h('div', { class: 'field-step' }, t('alert.assignedTo', { who: a.assignedTo })) : null,
    a.type === 'resident_report' ? residentReports(a) : null,
    a.escalations?.length ? h('div', { class: 'field-step late field-escalated' }, a.escalations.map(e => t(`escalation.${e.reason}`)).join(' · ')) : null,
    h('div', { class: 'field-actions' }, buttons));
}

/** The residents behind a report alert: what they said, their photo, and for the assigned worker their number. */
function residentReports(a) {
  const known = state.reports.get(a.id);
  if (!known || known.count !== a.count || known.assignedTo !== a.assignedTo) {
    state.reports.set(a.id, { count: a.count, assignedTo: a.assignedTo, list: known?.list ?? [] });
    getJson(`/api/alerts/${encodeURIComponent(a.id)}/resident-reports`)
      .then(list => { state.reports.set(a.id, { count: a.count, assignedTo: a.assignedTo, list }); render(); })
      .catch(() => state.reports.delete(a.id));
  }
  const list = state.reports.get(a.id).list;
  return h('div', { class: 'field-residents' },
    a.residentPhotoUrl ? h('img', { class: 'field-photo', src: a.residentPhotoUrl, alt: t('field.residentPhoto') }) : null,
    ...list.map(r => h('div', { class: 'field-resident' },
      r.text ? h('span', null, r.text) : null,
      r.phone && !r.phoneMasked ? h('a', { class: 'field-call', href: `tel:${r.phone.replace(/[^0-9+]/g, '')}` }, t('field.callBack', { phone: r.phone })) : null,
      r.phone && r.phoneMasked ? h('span', { class: 'field-hint' }, t('field.phoneMasked', { phone: r.phone })) : null)));
}

function render() {
  const now = Date.now();
  const open = [...state.alerts.values()].sort((x, y) => new Date(x.raisedAt) - new Date(y.raisedAt));
  const my = open.filter(mine);
  const zone = open.filter(a => !mine(a) && inMyZones(a));
  el('mine').replaceChildren(...my.map(a => card(a, now)));
  el('zones').replaceChildren(...zone.map(a => card(a, now)));
  el('mine-empty').hidden = my.length > 0;
  el('zones-empty').hidden = zone.length > 0;
  const duty = el('duty');
  duty.dataset.duty = state.onDutyNow ? 'on' : 'off';
  duty.textContent = t(state.onDutyNow ? 'field.onDuty' : 'field.offDuty');
}

// ------------------------------------------------------------ who I am, my zones, my duty

async function loadMe() {
  state.me = await getJson('/api/auth/me');
  el('who').textContent = state.me.displayName ?? state.me.username;
  const sites = await getJson('/api/sites');
  state.zones = new Set();
  for (const site of sites) {
    const staff = await getJson(`/api/grid-staff?site=${encodeURIComponent(site.id)}`);
    const me = staff.find(w => w.username.toLowerCase() === state.me.username.toLowerCase());
    if (!me) continue;
    me.zones.forEach(z => state.zones.add(`${site.id}/${z}`));
    state.duty = me.duty;
    state.onDutyNow = state.onDutyNow || me.onDutyNow;
  }
}

async function toggleDuty() {
  try {
    const answer = await postJson('/api/duty', { duty: state.onDutyNow ? 'off' : 'on' });
    state.duty = answer.duty;
    state.onDutyNow = answer.duty === 'on';
    render();
  } catch (e) {
    showError(problemText(e, t('field.failed')));
  }
}

// ------------------------------------------------------------ live

async function connect() {
  const url = state.lastSeq === null ? '/hubs/desk' : `/hubs/desk?lastSeq=${state.lastSeq}`;
  const hub = deskHubConnection(url);
  const seen = a => { if (state.lastSeq === null || a.seq > state.lastSeq) state.lastSeq = a.seq; };
  hub.on('snapshot', s => {
    state.alerts = new Map();
    state.lastSeq = s.seq;
    for (const a of s.alerts) if (a.state !== 'resolved') state.alerts.set(a.id, a);
    render();
  });
  hub.on('alertRaised', a => { seen(a); apply(a, true); });
  hub.on('alertUpdated', a => { seen(a); apply(a); });
  hub.on('deviceStatusChanged', () => {});
  hub.on('elevatorChanged', () => {});
  hub.onclose(() => { reconnects++; setConn('reconnecting'); setTimeout(connect, 2000 + Math.random() * 1000); });
  setConn('connecting');
  try {
    await hub.start();
    reconnects = 0;
    setConn('live');
    document.body.dataset.state = 'ready';
    flush();
  } catch {
    reconnects++;
    setConn('reconnecting');
    setTimeout(connect, 3000);
  }
}

function setConn(name) {
  el('conn').dataset.state = name;
  el('conn').textContent = t(`conn.${name}`, { n: reconnects });
}

document.addEventListener('click', e => {
  chime.unlock();
  const button = e.target.closest('button[data-action]');
  if (!button) return;
  const { action, id } = button.dataset;
  if (action === 'scan') {
    scanSticker(id);
    return;
  }
  if (action === 'resolve') {
    const dialog = el('resolve');
    dialog.dataset.id = id;
    el('resolve-form').note.value = '';
    el('resolve-form').photo.value = '';
    dialog.showModal();
    return;
  }
  button.disabled = true;
  act(id, action);
});

// ------------------------------------------------------------ arrival by the place's sticker

/**
 * "Arrived": the phone's camera takes a picture of the place's sticker and the browser reads its QR code
 * (BarcodeDetector, where the browser has it: Chrome on Android); the arrival goes into the queue like any
 * step, so it also waits out a dead spot. Elsewhere the phone's camera app opens the sticker's link instead.
 */
function scanSticker(id) {
  if (!('BarcodeDetector' in window)) {
    showError(t('field.scanUnsupported'));
    return;
  }
  const input = el('scan-input');
  input.dataset.id = id;
  input.value = '';
  input.click();
}

el('scan-input').addEventListener('change', async () => {
  const input = el('scan-input');
  const file = input.files[0];
  if (!file) return;
  let token = null;
  try {
    const bitmap = await createImageBitmap(file);
    const codes = await new window.BarcodeDetector({ formats: ['qr_code'] }).detect(bitmap);
    bitmap.close();
    token = codes.map(c => stickerToken(c.rawValue)).find(Boolean) ?? null;
  } catch {
    token = null;
  }
  if (!token) {
    showError(t('field.scanNone'));
    return;
  }
  showError('');
  act(input.dataset.id, 'arrive', { place: token });
});

/** The token of a staff sticker's link (…/m/arrive/{token}); null for anything else (a residents' code, a shop's). */
function stickerToken(text) {
  try {
    const match = new URL(text).pathname.match(/^\/m\/arrive\/([^/]+)$/);
    return match ? decodeURIComponent(match[1]) : null;
  } catch {
    return null;
  }
}

el('resolve-form').addEventListener('submit', async () => {
  const form = el('resolve-form');
  const note = form.note.value.trim();
  const file = form.photo.files[0];
  const id = el('resolve').dataset.id;
  if (!note) return;
  if (file) {
    // The photo goes first, kept as a data URL while offline; the resolve follows it in the queue.
    try {
      outbox.push({ alertId: id, action: 'photo', body: { photo: await toDataUrl(await shrinkPhoto(file)) } });
    } catch {
      showError(t('field.photoUnreadable'));
    }
  }
  act(id, 'resolve', { note });
});
el('resolve-cancel').addEventListener('click', () => el('resolve').close());
el('duty').addEventListener('click', toggleDuty);
el('lang').addEventListener('click', () => { setLanguage(lang() === 'zh-CN' ? 'en' : 'zh-CN'); applyStatic(); render(); outbox.refresh(); });
window.addEventListener('online', flush);
setInterval(() => { if (outbox.items.length > 0) flush(); }, 5000);
setInterval(render, 1000);

applyStatic();
outbox.refresh();
chime.start();
try {
  await loadMe();
} catch (e) {
  showError(problemText(e, t('field.failed')));
}
connect();
