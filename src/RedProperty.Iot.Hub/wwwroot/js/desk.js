// The property desk: live alert board, device status, filters, alert details and actions.
import { t, applyStatic, lang, setLanguage, formatTime, formatDuration } from './i18n.js';
import { getJson, postJson, forgetToken, toLogin, ApiError } from './api.js';
import { deskHubConnection } from './live.js';
import { h, icon, sparkline } from './dom.js';
import { Chime } from './chime.js';
import { alertFactText, trailNoteText } from './facts.js';
import { wallMode, initWall, renderWallButton, renderWallDevices, fitWall } from './wall.js';

const severityRank = { critical: 0, major: 1, minor: 2 };
const kinds = ['camera', 'light', 'elevator', 'charger'];
// The edge box itself raises alerts too (panic button, cabinet opened); it is not a registry device.
const alertKinds = [...kinds, 'edge'];
const severities = ['critical', 'major', 'minor'];
const filterStates = ['open', 'active', 'acknowledged', 'resolved'];
const amberBeforeMs = 5 * 60 * 1000;
const seriesRefreshMs = 15_000;

const state = {
  me: null,
  sites: new Map(),
  devices: new Map(),
  alerts: new Map(),
  resolved: new Map(),
  elevators: new Map(),
  series: new Map(),
  lastSeq: null,
  lastUpdate: null,
  selected: null,
  filters: readFilters(),
};

const el = id => document.getElementById(id);
const chime = new Chime();
const rows = new Map();
let renderQueued = false;

// ---------------------------------------------------------------- filters in the URL

function readFilters() {
  const p = new URLSearchParams(location.search);
  const pick = (name, allowed) => {
    const v = p.get(name) ?? '';
    return !allowed || allowed.includes(v) ? v : '';
  };
  return {
    site: pick('site'), zone: pick('zone'), kind: pick('kind', alertKinds), severity: pick('severity', severities),
    state: pick('state', filterStates) || 'open', q: p.get('q') ?? '',
  };
}

function writeFilters() {
  const url = new URL(location.href);
  for (const [name, value] of Object.entries(state.filters)) {
    if (value && !(name === 'state' && value === 'open')) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
  }
  history.replaceState(null, '', url);
}

function option(value, label, selected) {
  return h('option', { value, selected: value === selected }, label);
}

function renderFilterOptions() {
  const f = state.filters;
  el('f-site').replaceChildren(option('', t('filter.all'), f.site),
    ...[...state.sites.values()].map(s => option(s.id, s.name, f.site)));
  const zoneSites = f.site ? [state.sites.get(f.site)].filter(Boolean) : [...state.sites.values()];
  el('f-zone').replaceChildren(option('', t('filter.all'), f.zone),
    ...zoneSites.flatMap(s => s.zones.map(z => option(z.id, zoneSites.length > 1 ? `${s.name} · ${z.name}` : z.name, f.zone))));
  el('f-kind').replaceChildren(option('', t('filter.all'), f.kind), ...alertKinds.map(k => option(k, t(`kind.${k}`), f.kind)));
  el('f-severity').replaceChildren(option('', t('filter.all'), f.severity), ...severities.map(s => option(s, t(`severity.${s}`), f.severity)));
  el('f-state').replaceChildren(...filterStates.map(s => option(s, s === 'open' ? t('filter.open') : t(`state.${s}`), f.state)));
  el('f-q').value = f.q;
}

function wireFilters() {
  const form = el('filters');
  form.addEventListener('submit', e => e.preventDefault());
  form.addEventListener('change', e => {
    const name = e.target.name;
    if (!name || name === 'q') return;
    state.filters[name] = e.target.value;
    if (name === 'site') state.filters.zone = '';
    writeFilters();
    renderFilterOptions();
    if (name === 'state' && state.filters.state === 'resolved') loadResolved();
    render();
  });
  el('f-q').addEventListener('input', e => {
    state.filters.q = e.target.value;
    writeFilters();
    render();
  });
  form.addEventListener('reset', e => {
    e.preventDefault();
    state.filters = { site: '', zone: '', kind: '', severity: '', state: 'open', q: '' };
    writeFilters();
    renderFilterOptions();
    render();
  });
}

function deviceOf(site, id) { return state.devices.get(`${site}/${id}`); }
function siteOf(id) { return state.sites.get(id); }
function zoneName(site, zone) { return siteOf(site)?.zones.find(z => z.id === zone)?.name ?? zone; }
function timeZoneOf(site) { return siteOf(site)?.timeZone ?? 'Asia/Shanghai'; }

function matchesText(q, ...values) {
  if (!q) return true;
  const needle = q.trim().toLowerCase();
  return values.some(v => v && String(v).toLowerCase().includes(needle));
}

function alertVisible(a) {
  const f = state.filters;
  if (f.site && a.site !== f.site) return false;
  if (f.zone && a.zone !== f.zone) return false;
  if (f.kind && a.kind !== f.kind) return false;
  if (f.severity && a.severity !== f.severity) return false;
  if (f.state === 'open' ? a.state === 'resolved' : a.state !== f.state) return false;
  const device = deviceOf(a.site, a.deviceId);
  return matchesText(f.q, a.deviceId, device?.location, zoneName(a.site, a.zone), siteOf(a.site)?.name);
}

function deviceVisible(d) {
  const f = state.filters;
  return (!f.site || d.site === f.site) && (!f.zone || d.zone === f.zone) && (!f.kind || d.kind === f.kind)
    && matchesText(f.q, d.id, d.location, zoneName(d.site, d.zone));
}

// ---------------------------------------------------------------- applying changes

function track(seq) {
  if (typeof seq === 'number' && seq > 0) state.lastSeq = Math.max(state.lastSeq ?? 0, seq);
  state.lastUpdate = new Date();
}

function known(id) { return state.alerts.get(id) ?? state.resolved.get(id); }

function applyAlert(alert, raised) {
  track(alert.seq);
  const current = known(alert.id);
  if (current && current.seq >= alert.seq) return;
  if (alert.state === 'resolved') {
    state.alerts.delete(alert.id);
    state.resolved.set(alert.id, alert);
  } else {
    state.resolved.delete(alert.id);
    state.alerts.set(alert.id, alert);
  }
  if (raised && alert.severity === 'critical' && alert.state === 'active') {
    toast(() => t('toast.newCritical', { what: describe(alert) }), 'critical');
  }
  if (state.selected === alert.id) openDrawer(alert.id);
  render();
}

function applyStatus(status) {
  track(status.seq);
  const device = deviceOf(status.site, status.deviceId);
  if (device) {
    device.status = status.status;
    device.statusAt = status.at;
  }
  render();
}

function applySnapshot(snapshot) {
  state.alerts = new Map(snapshot.alerts.map(a => [a.id, a]));
  for (const id of state.alerts.keys()) state.resolved.delete(id);
  for (const s of snapshot.devices) {
    const device = deviceOf(s.site, s.deviceId);
    if (device) { device.status = s.status; device.statusAt = s.at; }
  }
  state.lastSeq = Math.max(snapshot.seq, ...snapshot.alerts.map(a => a.seq), 0);
  state.lastUpdate = new Date();
  render();
}

function applyElevator(car) {
  const key = `${car.site}/${car.deviceId}`;
  const current = state.elevators.get(key);
  if (current && new Date(current.at) > new Date(car.at)) return;
  state.elevators.set(key, car);
  render();
}

async function loadResolved() {
  const site = state.filters.site ? `&site=${encodeURIComponent(state.filters.site)}` : '';
  try {
    for (const a of await getJson(`/api/alerts?state=resolved&limit=200${site}`)) {
      if (!known(a.id) || known(a.id).seq < a.seq) state.resolved.set(a.id, a);
    }
    render();
  } catch (e) { if (!(e instanceof ApiError && e.status === 401)) toast(t('error.network'), 'error'); }
}

async function refreshReadings() {
  try {
    const [elevators, series] = await Promise.all([getJson('/api/devices/elevators'), getJson('/api/devices/series')]);
    for (const car of elevators) applyElevator(car);
    state.series = new Map(series.map(s => [`${s.site}/${s.deviceId}`, s]));
    render();
  } catch { /* the next refresh tries again; the connection indicator tells about the hub */ }
}

// ---------------------------------------------------------------- the live connection

const connection = { hub: null, attempts: 0, timer: null, stopped: false };

function setConnState(name, attempt) {
  const box = el('conn');
  box.dataset.state = name;
  el('conn-text').textContent = name === 'reconnecting' ? t('conn.reconnecting', { n: attempt }) : t(`conn.${name}`);
  box.title = state.lastUpdate ? t('conn.lastUpdate', { t: formatTime(state.lastUpdate, clockZone()) }) : '';
}

async function connect() {
  clearTimeout(connection.timer);
  // A reconnect asks for every change after the last one seen; the hub answers with a snapshot if it cannot.
  const url = state.lastSeq === null ? '/hubs/desk' : `/hubs/desk?lastSeq=${state.lastSeq}`;
  const hub = deskHubConnection(url);
  hub.on('snapshot', applySnapshot);
  hub.on('alertRaised', a => applyAlert(a, true));
  hub.on('alertUpdated', a => applyAlert(a, false));
  hub.on('deviceStatusChanged', applyStatus);
  hub.on('elevatorChanged', applyElevator);
  hub.onclose(() => {
    if (connection.hub === hub) { connection.hub = null; scheduleReconnect(); }
  });
  connection.hub = hub;
  setConnState(connection.attempts === 0 ? 'connecting' : 'reconnecting', connection.attempts);
  try {
    await hub.start();
    connection.attempts = 0;
    setConnState('live');
    refreshReadings();
    if (state.filters.state === 'resolved') loadResolved();
  } catch (e) {
    if (connection.hub === hub) connection.hub = null;
    if (e?.statusCode === 401) { await checkSession(); }
    scheduleReconnect();
  }
}

function scheduleReconnect() {
  if (connection.stopped) return;
  connection.attempts++;
  setConnState('reconnecting', connection.attempts);
  const delays = [0, 1000, 2000, 5000, 10_000, 15_000];
  const delay = delays[Math.min(connection.attempts - 1, delays.length - 1)] + Math.random() * 500;
  clearTimeout(connection.timer);
  connection.timer = setTimeout(connect, delay);
}

async function checkSession() {
  try {
    const response = await fetch('/api/auth/me', { credentials: 'same-origin', cache: 'no-store' });
    if (response.status === 401) { connection.stopped = true; toLogin('expired'); }
  } catch { /* hub unreachable: keep retrying */ }
}

window.addEventListener('online', () => { if (!connection.hub) connect(); });

// ---------------------------------------------------------------- rendering

function render() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderBoard();
    renderDevices();
    renderSummary();
    updateChime();
    fitWall();
  });
}

function describe(a) {
  const device = deviceOf(a.site, a.deviceId);
  return `${t(`type.${a.type}`)} · ${zoneName(a.site, a.zone)} · ${device?.location || a.deviceId}`;
}

function sortAlerts(list) {
  return list.sort((a, b) => (severityRank[a.severity] - severityRank[b.severity])
    || (new Date(a.raisedAt) - new Date(b.raisedAt)) || a.id.localeCompare(b.id));
}

function renderBoard() {
  const source = state.filters.state === 'resolved' ? state.resolved : state.alerts;
  const visible = [...source.values()].filter(alertVisible);
  if (state.filters.state === 'resolved') visible.sort((a, b) => new Date(b.resolvedAt) - new Date(a.resolvedAt));
  else sortAlerts(visible);
  const board = el('board');
  const wanted = visible.map(a => {
    const cached = rows.get(a.id);
    if (cached && cached.seq === a.seq && cached.lang === lang() && cached.canAct === canAct()) return cached.el;
    const row = renderRow(a);
    rows.set(a.id, { seq: a.seq, el: row, lang: lang(), canAct: canAct(), alert: a });
    return row;
  });
  for (const id of rows.keys()) if (!source.has(id) || !alertVisible(source.get(id))) rows.delete(id);
  const current = [...board.children];
  if (current.length !== wanted.length || current.some((node, i) => node !== wanted[i])) board.replaceChildren(...wanted);
  el('board-empty').hidden = wanted.length > 0;
  el('board-count').textContent = t('board.count', { n: wanted.length });
  tickSla();
}

function canAct() { return state.me?.role === 'operator' || state.me?.role === 'supervisor'; }

function renderRow(a) {
  const device = deviceOf(a.site, a.deviceId);
  const tz = timeZoneOf(a.site);
  const actions = h('div', { class: 'row-actions' });
  if (canAct() && a.state === 'active') {
    actions.append(h('button', { type: 'button', class: 'btn btn-ack act-ack', dataset: { id: a.id } }, t('action.acknowledge')));
  }
  if (canAct() && a.state !== 'resolved') {
    actions.append(h('button', { type: 'button', class: 'btn btn-resolve act-resolve', dataset: { id: a.id } }, t('action.resolve')));
  }
  actions.append(h('button', { type: 'button', class: 'btn btn-ghost act-details', dataset: { id: a.id } }, t('action.details')));
  const flashing = a.severity === 'critical' && a.state === 'active';
  return h('article', {
    class: `alert sev-${a.severity} state-${a.state}${flashing ? ' flash' : ''}`,
    role: 'listitem',
    tabindex: '0',
    dataset: { alertId: a.id, type: a.type, state: a.state, severity: a.severity, device: a.deviceId },
  },
    h('div', { class: 'alert-icon' }, icon(a.type)),
    h('div', { class: 'alert-main' },
      h('div', { class: 'alert-title' },
        h('span', { class: `badge sev sev-${a.severity}` }, t(`severity.${a.severity}`)),
        h('span', { class: 'alert-type' }, t(`type.${a.type}`)),
        a.escalations?.length ? h('span', { class: 'badge escalated' }, t('badge.escalated')) : null,
        stateBadge(a)),
      h('div', { class: 'alert-where' },
        h('span', { class: 'where-site' }, siteOf(a.site)?.name ?? a.site),
        h('span', { class: 'where-zone' }, zoneName(a.site, a.zone)),
        h('span', { class: 'where-device' }, a.deviceId),
        h('span', { class: 'where-location' }, device?.location ?? '')),
      h('div', { class: 'alert-fact' }, alertFactText(a)),
      h('div', { class: 'alert-meta' },
        h('span', null, t('alert.raisedAt', { t: formatTime(a.raisedAt, tz) })),
        h('span', null, t('alert.lastSeen', { t: formatTime(a.lastSeenAt, tz) })),
        h('span', { class: 'alert-count' }, t('alert.count', { n: a.count })),
        a.state !== 'resolved' ? h('span', { class: `alert-assigned${a.assignedTo ? '' : ' unassigned'}` },
          a.assignedTo ? t('alert.assignedTo', { who: a.assignedTo }) : t('alert.unassigned')) : null)),
    edgeCommands(a),
    h('div', { class: 'sla', dataset: { id: a.id } }),
    actions);
}

/** At a district centre: the actions sent down to the alert's edge that it has not carried out (pending, or refused and why). */
function edgeCommands(a) {
  if (!a.commands?.length) return null;
  return h('ul', { class: 'edge-commands' }, ...a.commands.map(c => h('li', {
    class: `edge-command ${c.state}`, dataset: { command: c.id, state: c.state },
  }, c.state === 'pending'
    ? t('command.pending', { action: t(`command.action.${c.action}`), who: c.by, t: formatTime(c.issuedAt, timeZoneOf(a.site)) })
    : t('command.refused', { action: t(`command.action.${c.action}`), who: c.by, why: c.problem ?? c.outcome ?? '' }))));
}

/** An action's answer: the alert, or at a centre (202) the pending command with the alert as its edge last showed it. */
function settle(answer) {
  if (answer?.command) {
    if (answer.alert) applyAlert(answer.alert, false);
    toast(() => t('toast.sentDown', { action: t(`command.action.${answer.command.action}`) }), 'ok');
    return null;
  }
  applyAlert(answer, false);
  return answer;
}

/** Updates every SLA countdown on the board (once a second). */
function tickSla() {
  const now = Date.now();
  for (const { el: row, alert: a } of rows.values()) {
    const chip = row.querySelector('.sla');
    let text = '';
    let level = 'ok';
    if (a.state === 'active') {
      const left = new Date(a.acknowledgeDueAt) - now;
      text = left >= 0 ? t('sla.ack', { t: formatDuration(left) }) : t('sla.ackOverdue', { t: formatDuration(left) });
      level = left < 0 ? 'late' : left < amberBeforeMs ? 'soon' : 'ok';
    } else if (a.state === 'acknowledged' && a.arrivedAt) {
      text = t('sla.onSite', { who: a.arrivedBy ?? '' });
      level = 'done';
    } else if (a.state === 'acknowledged' && a.arriveDueAt) {
      const left = new Date(a.arriveDueAt) - now;
      text = left < 0 ? t('sla.arriveOverdue', { t: formatDuration(left) })
        : a.onTheWayBy ? t('sla.onTheWay', { who: a.onTheWayBy, t: formatDuration(left) })
        : t('sla.arrive', { t: formatDuration(left) });
      level = left < 0 ? 'late' : left < amberBeforeMs ? 'soon' : 'ok';
    } else if (a.state === 'acknowledged') {
      text = t('sla.ackedBy', { who: a.acknowledgedBy ?? '' });
      level = 'done';
    } else {
      text = t('sla.resolvedBy', { who: a.resolvedBy ?? t('trail.system') });
      level = 'done';
    }
    if (chip.textContent !== text) chip.textContent = text;
    if (chip.dataset.level !== level) chip.dataset.level = level;
  }
}

function renderSummary() {
  const open = [...state.alerts.values()].filter(a => !state.filters.site || a.site === state.filters.site);
  const count = s => open.filter(a => a.severity === s).length;
  const now = Date.now();
  const overdue = open.filter(a => a.state === 'active' && new Date(a.acknowledgeDueAt) < now).length;
  const devices = [...state.devices.values()].filter(d => !state.filters.site || d.site === state.filters.site);
  const online = devices.filter(d => d.status === 'online').length;
  const tile = (cls, label, value) => h('div', { class: `tile ${cls}` }, h('span', { class: 'tile-value' }, String(value)), h('span', { class: 'tile-label' }, label));
  el('summary').replaceChildren(
    tile('sev-critical', t('summary.critical'), count('critical')),
    tile('sev-major', t('summary.major'), count('major')),
    tile('sev-minor', t('summary.minor'), count('minor')),
    tile(overdue ? 'overdue' : 'calm', t('summary.overdue'), overdue),
    tile('devices-online', t('summary.devicesOnline'), `${online}/${devices.length}`));
}

function renderDevices() {
  const visible = [...state.devices.values()].filter(deviceVisible);
  el('devices-count').textContent = t('devices.count', { n: visible.length });
  if (wallMode()) {
    renderWallDevices(el('devices'), {
      devices: visible, alerts: [...state.alerts.values()].filter(alertVisible), elevators: state.elevators,
      zoneName, siteName: id => siteOf(id)?.name ?? id, timeZoneOf, multiSite: new Set(visible.map(d => d.site)).size > 1,
    });
    return;
  }
  const bySite = new Map();
  for (const d of visible) {
    if (!bySite.has(d.site)) bySite.set(d.site, new Map());
    const zones = bySite.get(d.site);
    if (!zones.has(d.zone)) zones.set(d.zone, []);
    zones.get(d.zone).push(d);
  }
  const sections = [];
  for (const [siteId, zones] of bySite) {
    const tz = timeZoneOf(siteId);
    const isCar = zoneId => siteOf(siteId)?.zones.find(z => z.id === zoneId)?.type === 'elevator-car';
    const sorted = [...zones.entries()].sort(([a], [b]) => a.localeCompare(b));
    // Each elevator car is a zone of its own: the cars of a site share one card.
    const carDevices = sorted.filter(([zoneId]) => isCar(zoneId)).flatMap(([, devices]) => devices);
    const cards = [
      ...(carDevices.length ? [zoneCard(siteId, null, carDevices, tz)] : []),
      ...sorted.filter(([zoneId]) => !isCar(zoneId)).map(([zoneId, devices]) => zoneCard(siteId, zoneId, devices, tz)),
    ];
    sections.push(h('section', { class: 'site-block', dataset: { site: siteId } },
      bySite.size > 1 || !state.filters.site ? h('h3', { class: 'site-name' }, siteOf(siteId)?.name ?? siteId) : null,
      ...cards));
  }
  el('devices').replaceChildren(...sections);
}

function zoneCard(siteId, zoneId, devices, tz) {
  const counts = kinds.map(kind => {
    const ofKind = devices.filter(d => d.kind === kind);
    if (!ofKind.length) return null;
    const on = ofKind.filter(d => d.status === 'online').length;
    return h('span', { class: `kind-count${on < ofKind.length ? ' has-offline' : ''}`, title: t(`kind.${kind}`), dataset: { kind } },
      icon(kind), h('span', null, t(`kind.${kind}`)), h('b', null, t('devices.online', { on, all: ofKind.length })));
  });
  const offline = devices.filter(d => d.status !== 'online');
  const offlineList = offline.length
    ? h('ul', { class: 'offline-list', 'aria-label': t('devices.offlineList') }, ...offline.map(d => h('li', { dataset: { device: d.id } },
      icon(d.kind), h('span', { class: 'dev-id' }, d.id), h('span', { class: 'dev-loc' }, d.location ?? ''),
      h('span', { class: `dev-status status-${d.status ?? 'unknown'}` }, t(`status.${d.status ?? 'unknown'}`)),
      d.statusAt && !d.statusAt.startsWith('0001') ? h('span', { class: 'dev-since' }, t('devices.since', { t: formatTime(d.statusAt, tz) })) : null)))
    : h('p', { class: 'all-online' }, t('devices.noneOffline'));
  const cars = devices.filter(d => d.kind === 'elevator');
  const trends = devices.filter(d => d.kind === 'charger' || d.kind === 'light');
  const title = zoneId === null ? t('devices.elevators') : zoneName(siteId, zoneId);
  return h('article', { class: `zone-card${zoneId === null ? ' elevator-cars' : ''}`, dataset: { zone: zoneId ?? '' } },
    h('header', { class: 'zone-head' }, h('h4', null, title), h('div', { class: 'kind-counts' }, ...counts)),
    offlineList,
    cars.length ? h('div', { class: 'cars', 'aria-label': t('devices.elevators') }, ...cars.map(carTile)) : null,
    trends.length ? h('div', { class: 'trends' }, h('div', { class: 'trends-title' }, t('devices.trends')), ...trends.map(trendRow)) : null);
}

function carTile(d) {
  const car = state.elevators.get(`${d.site}/${d.id}`);
  if (!car) {
    return h('div', { class: 'car no-data', dataset: { device: d.id } }, h('div', { class: 'car-name' }, carName(d)), h('div', { class: 'car-floor' }, '–'), h('div', { class: 'car-flags' }, t('devices.noData')));
  }
  return h('div', { class: `car${car.fault ? ' fault' : ''}${car.running ? ' running' : ''}`, dataset: { device: d.id } },
    h('div', { class: 'car-name' }, carName(d)),
    h('div', { class: 'car-floor' }, car.floor === null || car.floor === undefined ? '–' : t('devices.floor', { n: car.floor })),
    h('div', { class: 'car-flags' },
      h('span', { class: car.doorOpen ? 'flag door-open' : 'flag' }, t(car.doorOpen ? 'devices.doorOpen' : 'devices.doorClosed')),
      h('span', { class: 'flag' }, t(car.running ? 'devices.running' : 'devices.idle')),
      h('span', { class: car.occupied ? 'flag occupied' : 'flag' }, t(car.occupied ? 'devices.occupied' : 'devices.empty')),
      car.fault ? h('span', { class: 'flag fault' }, t('devices.fault', { code: car.fault })) : null));
}

function carName(d) {
  const zone = zoneName(d.site, d.zone);
  return d.location && d.location !== zone ? `${zone} · ${d.location}` : zone;
}

function trendRow(d) {
  const series = state.series.get(`${d.site}/${d.id}`);
  const values = series?.values ?? [];
  const last = [...values].reverse().find(v => v !== null && v !== undefined);
  const unit = series?.metric === 'lux' ? 'lx' : 'A';
  return h('div', { class: `trend${d.status === 'online' ? '' : ' is-offline'}`, dataset: { device: d.id } },
    icon(d.kind), h('span', { class: 'dev-id' }, d.id), h('span', { class: 'dev-loc' }, d.location ?? ''),
    sparkline(values.length ? values : [null]),
    h('span', { class: 'trend-last' }, last === undefined ? t('devices.noData') : `${Number(last).toFixed(unit === 'A' ? 2 : 0)} ${unit}`));
}

function clockZone() {
  const site = siteOf(state.filters.site) ?? state.sites.values().next().value;
  return site?.timeZone ?? 'Asia/Shanghai';
}

function renderClock() {
  const site = siteOf(state.filters.site) ?? state.sites.values().next().value;
  el('clock').textContent = `${site ? site.name + ' ' : ''}${formatTime(new Date(), clockZone(), true)}`;
}

// ---------------------------------------------------------------- sound

function updateChime() {
  const ringing = [...state.alerts.values()].some(a => a.severity === 'critical' && a.state === 'active');
  chime.set(ringing);
  renderMute();
}

function renderMute() {
  const button = el('mute');
  button.replaceChildren(icon(chime.muted ? 'bell-off' : 'bell'),
    h('span', null, chime.blocked && !chime.muted ? t('sound.blocked') : t(chime.muted ? 'sound.off' : 'sound.on')));
  button.setAttribute('aria-pressed', String(chime.muted));
  button.classList.toggle('attention', chime.blocked && !chime.muted && chime.ringing);
}

// ---------------------------------------------------------------- details and actions

async function openDrawer(id) {
  state.selected = id;
  const drawer = el('drawer');
  drawer.hidden = false;
  document.body.classList.add('drawer-open');
  const a = known(id);
  el('drawer-title').textContent = a ? describe(a) : t('details.loading');
  try {
    const detail = await getJson(`/api/alerts/${encodeURIComponent(id)}`);
    // The residents behind a report, their numbers masked unless this desk user is the one assigned.
    if (detail.alert.type === 'resident_report') detail.residents = await getJson(`/api/alerts/${encodeURIComponent(id)}/resident-reports`).catch(() => []);
    if (state.selected !== id) return;
    renderDetail(detail);
  } catch (e) {
    if (state.selected === id) el('drawer-body').replaceChildren(h('p', { class: 'form-error' }, t('error.action', { detail: e.message })));
  }
}

function closeDrawer() {
  state.selected = null;
  el('drawer').hidden = true;
  document.body.classList.remove('drawer-open');
}

function renderDetail(detail) {
  const a = detail.alert;
  const current = known(a.id);
  if (!current || current.seq < a.seq) applyAlert(a, false);
  const device = deviceOf(a.site, a.deviceId);
  const tz = timeZoneOf(a.site);
  el('drawer-title').textContent = describe(a);
  const row = (label, value) => [h('dt', null, label), h('dd', null, value ?? '')];
  const facts = h('dl', { class: 'facts' },
    row(t('details.type'), t(`type.${a.type}`)),
    row(t('details.severity'), t(`severity.${a.severity}`)),
    row(t('details.state'), stateLabel(a)),
    row(t('details.site'), siteOf(a.site)?.name ?? a.site),
    row(t('details.zone'), zoneName(a.site, a.zone)),
    a.placeName && a.place !== a.zone ? row(t('details.place'), a.placeName) : null,
    row(t('details.device'), `${a.deviceId} (${t(`kind.${a.kind}`)})`),
    row(t('details.location'), device?.location ?? ''),
    row(t('details.raisedAt'), formatTime(a.raisedAt, tz, true)),
    row(t('details.lastSeen'), formatTime(a.lastSeenAt, tz, true)),
    row(t('details.count'), String(a.count)),
    row(t('details.assignedTo'), a.assignedTo ?? t('alert.unassigned')),
    row(t('details.ackDue'), formatTime(a.acknowledgeDueAt, tz, true)),
    a.arriveDueAt ? row(t('details.arriveDue'), formatTime(a.arriveDueAt, tz, true)) : null,
    row(t('details.message'), h('span', { class: 'alert-fact' }, alertFactText(a))),
    detail.resolutionNote ? row(t('details.note'), detail.resolutionNote) : null);
  const escalations = a.escalations?.length
    ? h('section', null, h('h3', null, t('details.escalations')), h('ul', { class: 'escalations' },
      ...a.escalations.map(e => h('li', null, `${formatTime(e.at, tz, true)} · ${t(`escalation.${e.reason}`)}`))))
    : null;
  const trail = h('section', null, h('h3', null, t('details.trail')), h('ol', { class: 'trail' },
    ...detail.history.map(step => h('li', { dataset: { action: step.action } },
      h('time', null, formatTime(step.at, tz, true)),
      h('span', { class: 'trail-action' }, t(`trail.${step.action}`)),
      h('span', { class: 'trail-by' }, step.by === 'system' ? t('trail.system') : step.by),
      step.note ? h('span', { class: 'trail-note' }, trailNoteText(step)) : null))));
  const local = url => typeof url === 'string' && url.startsWith('/api/evidence/');
  const snapshot = local(a.snapshotUrl) || local(a.clipUrl)
    ? h('section', null, h('h3', null, t('details.snapshot')),
      local(a.snapshotUrl) ? h('img', { class: 'snapshot', src: a.snapshotUrl, alt: t('details.snapshot') }) : null,
      local(a.clipUrl) ? h('video', { class: 'snapshot', src: a.clipUrl, controls: true, preload: 'metadata' }) : null)
    : null;
  const photos = local(a.photoUrl) || local(a.residentPhotoUrl)
    ? h('section', null, h('h3', null, t('details.photos')),
      local(a.residentPhotoUrl) ? h('img', { class: 'snapshot resident-photo', src: a.residentPhotoUrl, alt: t('details.residentPhoto') }) : null,
      local(a.photoUrl) ? h('img', { class: 'snapshot resolve-photo', src: a.photoUrl, alt: t('details.resolvePhoto') }) : null)
    : null;
  const residents = detail.residents?.length
    ? h('section', null, h('h3', null, t('details.residents')), h('ul', { class: 'residents' },
      ...detail.residents.map(r => h('li', null,
        h('time', null, formatTime(r.receivedAt, tz, true)),
        ` · ${t(`resident.${r.category}`)}`,
        r.text ? ` · ${r.text}` : '',
        r.phone ? ` · ${t('details.residentPhone', { phone: r.phone })}` : ''))))
    : null;
  const actions = h('div', { class: 'drawer-actions' });
  if (canAct() && a.state === 'active') actions.append(h('button', { type: 'button', class: 'btn btn-ack act-ack', dataset: { id: a.id } }, t('action.acknowledge')));
  if (canAct() && a.state !== 'resolved') actions.append(h('button', { type: 'button', class: 'btn btn-resolve act-resolve', dataset: { id: a.id } }, t('action.resolve')));
  const reassign = canAct() && a.state !== 'resolved' ? reassignForm(a) : null;
  el('drawer-body').replaceChildren(...[actions, reassign, facts, residents, photos, snapshot, escalations, trail].filter(Boolean));
}

/** Hand the alert to another member of staff: those who may act on its site, on duty first. */
function reassignForm(a) {
  const select = h('select', { class: 'reassign-to', 'aria-label': t('details.reassignTo') }, h('option', { value: '' }, t('details.reassignTo')));
  const button = h('button', { type: 'button', class: 'btn act-assign', dataset: { id: a.id } }, t('action.reassign'));
  const form = h('div', { class: 'reassign' }, select, button);
  getJson(`/api/grid-staff?site=${encodeURIComponent(a.site)}`).then(staff => {
    const ordered = [...staff].sort((x, y) => Number(y.onDutyNow) - Number(x.onDutyNow) || x.username.localeCompare(y.username));
    select.append(...ordered.filter(w => w.username.toLowerCase() !== (a.assignedTo ?? '').toLowerCase()).map(w =>
      h('option', { value: w.username }, t(w.onDutyNow ? 'details.workerOnDuty' : 'details.workerOffDuty', { who: w.username, n: w.openAssigned }))));
  }).catch(() => { form.hidden = true; });
  return form;
}

async function reassign(id, button) {
  const to = button.closest('.reassign')?.querySelector('select')?.value;
  if (!to) return;
  const a = known(id);
  try {
    const updated = settle(await postJson(`/api/alerts/${encodeURIComponent(id)}/assign`, { to }));
    if (!updated) return;
    toast(() => t('toast.reassigned', { what: describe(updated), who: updated.assignedTo }), 'ok');
    if (state.selected === id) openDrawer(id);
  } catch (e) {
    actionFailed(e, a);
  }
}

async function acknowledge(id) {
  const a = known(id);
  try {
    const updated = settle(await postJson(`/api/alerts/${encodeURIComponent(id)}/ack`, {}));
    if (!updated) return;
    toast(() => t('toast.acknowledged', { what: describe(updated) }), 'ok');
  } catch (e) {
    actionFailed(e, a);
  }
}

let resolving = null;

function openResolve(id) {
  const a = known(id);
  if (!a) return;
  resolving = id;
  el('resolve-what').textContent = describe(a);
  el('resolve-note').value = '';
  el('resolve-error').hidden = true;
  el('resolve-submit').disabled = true;
  el('resolve-dialog').showModal();
  el('resolve-note').focus();
  showLiveReading(id);
}

// ---------------------------------------------------------------- condition, reading and reopen (issue 14)

/** The alert's state as staff need it: a reopen says after whose resolve; a life-safety alert whose condition cleared still waits for a person. */
function stateLabel(a) {
  if (a.state === 'active' && a.reopenedAfterResolveBy) return t('state.reopenedAfterResolve', { who: a.reopenedAfterResolveBy });
  if (a.state !== 'resolved' && a.conditionPresent === false) return t('state.conditionCleared');
  return t(`state.${a.state}`);
}

function stateBadge(a) {
  const extra = a.state === 'active' && a.reopenedAfterResolveBy ? ' reopened' : a.state !== 'resolved' && a.conditionPresent === false ? ' condition-cleared' : '';
  return h('span', { class: `badge state state-${a.state}${extra}` }, stateLabel(a));
}

const readingOrder = ['currentA', 'tempC', 'smoke', 'plugged', 'voltageV', 'powerW', 'circuit', 'on', 'lux', 'floor', 'doorOpen', 'running', 'occupied',
  'fault', 'speedMps', 'online', 'tamper', 'ebike', 'motion', 'persons', 'fps'];
const readingUnits = { currentA: 'A', voltageV: 'V', powerW: 'W', tempC: '°C', lux: 'lx', speedMps: 'm/s', fps: 'fps' };

function readingValue(name, value) {
  if (value === null) return t('reading.none');
  if (typeof value === 'boolean') return t(value ? 'reading.yes' : 'reading.no');
  if (typeof value === 'number') {
    const number = new Intl.NumberFormat(lang(), { maximumFractionDigits: 2 }).format(value);
    return readingUnits[name] ? `${number} ${readingUnits[name]}` : number;
  }
  return name === 'circuit' ? t(`reading.circuit.${value}`) : String(value);
}

/** The device's latest reading, e.g. "电流 2.59 A · 温度 31.5 °C". */
function formatReading(values) {
  return readingOrder.filter(name => name in values).map(name => `${t(`reading.${name}`)} ${readingValue(name, values[name])}`).join(' · ');
}

/** Fills the resolve dialog with the device's latest reading, and warns when the condition still holds (the alert will come back). */
async function showLiveReading(id) {
  el('resolve-reading').textContent = '';
  el('resolve-warning').hidden = true;
  let alert;
  try {
    alert = (await getJson(`/api/alerts/${encodeURIComponent(id)}`)).alert;
  } catch { return; /* the dialog works without it */ }
  if (resolving !== id) return;
  const reading = alert.reading;
  el('resolve-reading').textContent = reading
    ? `${t('resolve.reading', { t: formatTime(reading.at, timeZoneOf(alert.site), true) })}: ${formatReading(reading.values)}`
    : t('resolve.noReading');
  el('resolve-warning').textContent = t('resolve.stillPresent');
  el('resolve-warning').hidden = alert.conditionPresent !== true;
}

function wireResolveDialog() {
  const note = el('resolve-note');
  note.addEventListener('input', () => { el('resolve-submit').disabled = note.value.trim() === ''; });
  el('resolve-cancel').addEventListener('click', () => el('resolve-dialog').close());
  el('resolve-form').addEventListener('submit', async e => {
    e.preventDefault();
    const text = note.value.trim();
    if (!text) {
      el('resolve-error').hidden = false;
      el('resolve-error').textContent = t('resolve.noteRequired');
      return;
    }
    el('resolve-submit').disabled = true;
    try {
      const updated = settle(await postJson(`/api/alerts/${encodeURIComponent(resolving)}/resolve`, { note: text }));
      el('resolve-dialog').close();
      if (!updated) return;
      toast(() => t('toast.resolved', { what: describe(updated) }), 'ok');
    } catch (err) {
      el('resolve-error').hidden = false;
      el('resolve-error').textContent = err instanceof ApiError && err.status === 400 ? t('resolve.noteRequired') : messageOf(err);
      el('resolve-submit').disabled = false;
    }
  });
}

function messageOf(e) {
  if (!(e instanceof ApiError)) return t('error.network');
  if (e.status === 409) return t('error.conflict');
  if (e.status === 403) return t('error.forbidden');
  return t('error.action', { detail: e.message });
}

function actionFailed(e) { toast(messageOf(e), 'error'); }

// A toast's text is rendered again when the language changes (toasts given as a function of the language).
const toastTexts = new WeakMap();

function toast(text, kind) {
  const render = typeof text === 'function' ? text : () => text;
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, render());
  toastTexts.set(item, render);
  el('toasts').append(item);
  setTimeout(() => item.remove(), kind === 'critical' ? 15_000 : 6000);
}

function wireBoard() {
  const onAction = e => {
    const button = e.target.closest('button[data-id]');
    if (button) {
      e.stopPropagation();
      const id = button.dataset.id;
      if (button.classList.contains('act-ack')) acknowledge(id);
      else if (button.classList.contains('act-resolve')) openResolve(id);
      else if (button.classList.contains('act-assign')) reassign(id, button);
      else openDrawer(id);
      return;
    }
    const row = e.target.closest('.alert[data-alert-id]');
    if (row) openDrawer(row.dataset.alertId);
  };
  el('board').addEventListener('click', onAction);
  el('board').addEventListener('keydown', e => {
    if (e.key === 'Enter' && e.target.matches('.alert[data-alert-id]')) openDrawer(e.target.dataset.alertId);
  });
  el('drawer-body').addEventListener('click', onAction);
  el('drawer-close').addEventListener('click', closeDrawer);
  document.addEventListener('keydown', e => { if (e.key === 'Escape' && !el('drawer').hidden && !el('resolve-dialog').open) closeDrawer(); });
}

// ---------------------------------------------------------------- top bar

function wireTopBar() {
  el('lang').addEventListener('click', () => {
    setLanguage(lang() === 'zh-CN' ? 'en' : 'zh-CN');
    relabel();
  });
  el('mute').addEventListener('click', () => { chime.toggleMute(); renderMute(); });
  // Browsers allow sound only after the user has interacted with the page.
  document.addEventListener('pointerdown', () => { chime.unlock().then(renderMute); }, { capture: true });
  document.addEventListener('keydown', () => { chime.unlock().then(renderMute); }, { capture: true });
  el('logout').addEventListener('click', async () => {
    connection.stopped = true;
    try { await postJson('/api/auth/logout', {}); } catch { /* signed out or not, the login page follows */ }
    forgetToken();
    location.assign('/login.html?reason=logout');
  });
}

function relabel() {
  applyStatic();
  renderFilterOptions();
  renderUser();
  setConnState(el('conn').dataset.state, connection.attempts);
  renderClock();
  renderWallButton();
  for (const item of el('toasts').children) item.textContent = toastTexts.get(item)?.() ?? item.textContent;
  rows.clear();
  render();
  if (state.selected) openDrawer(state.selected);
}

function renderUser() {
  if (!state.me) return;
  el('user').replaceChildren(h('span', { class: 'user-name' }, state.me.displayName), h('span', { class: 'user-role' }, t(`role.${state.me.role}`)));
  el('reports').hidden = state.me.role !== 'supervisor';
  el('staff').hidden = state.me.role !== 'supervisor';
}

// ---------------------------------------------------------------- start

/** At a district centre: the edge hubs gone quiet (Centre:SilentAfter) in red, named with their compounds, the others in a grey line; other hubs have none. */
async function refreshEdges() {
  let edges;
  try {
    edges = await getJson('/api/district/edges');
  } catch {
    return;
  }
  const silent = edges.filter(e => e.silent);
  const box = el('edges-silent');
  box.hidden = silent.length === 0;
  box.replaceChildren(...silent.map(e => h('span', { class: 'edge', dataset: { edge: e.edge } },
    t(e.lastHeardAt ? 'edges.silentSince' : 'edges.neverHeard', {
      edge: e.edge,
      sites: e.sites.map(s => siteOf(s)?.name ?? s).join('、'),
      at: e.lastHeardAt ? formatTime(e.lastHeardAt, undefined, true) : '',
    }))));
  // The others, quietly: when each was last heard from and how many of its changes have not arrived yet.
  const heard = edges.filter(e => !e.silent);
  const line = el('edges');
  line.hidden = heard.length === 0;
  line.replaceChildren(...heard.map(e => h('span', { class: 'edge', dataset: { edge: e.edge, behind: e.behindChanges } },
    t('edges.heard', {
      edge: e.edge,
      sites: e.sites.map(s => siteOf(s)?.name ?? s).join('、'),
      at: formatTime(e.lastHeardAt, undefined, true),
      n: e.behindChanges,
    }))));
}

async function start() {
  applyStatic();
  wireFilters();
  wireBoard();
  wireResolveDialog();
  wireTopBar();
  initWall(render);
  // A kiosk browser started as docs/desk-screen.md says may play sound without a touch: try at once.
  chime.onchange = renderMute;
  chime.start();
  try {
    const [me, sites, devices] = await Promise.all([getJson('/api/auth/me'), getJson('/api/sites'), getJson('/api/devices')]);
    state.me = me;
    state.sites = new Map(sites.map(s => [s.id, s]));
    state.devices = new Map(devices.map(d => [`${d.site}/${d.id}`, { site: d.site, id: d.id, kind: d.kind, zone: d.zone, location: d.location, status: d.status ?? 'unknown', statusAt: d.statusChangedAt }]));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    toast(t('error.network'), 'error');
  }
  if (state.filters.site && !state.sites.has(state.filters.site)) state.filters.site = '';
  renderUser();
  renderFilterOptions();
  renderClock();
  renderMute();
  setInterval(() => { tickSla(); renderClock(); }, 1000);
  setInterval(refreshReadings, seriesRefreshMs);
  setInterval(() => { if (connection.hub) checkSession(); }, 60_000);
  refreshEdges();
  setInterval(refreshEdges, 15_000);
  await connect();
}

start();
