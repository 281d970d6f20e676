// Wall-screen mode: the desk on the monitoring room's wall, read from across the room and never
// scrolled. Large type (desk.css, body.wall), the device panel condensed to what is wrong, and rows that
// do not fit left out with a line saying how many. On with ?wall=1 (off with ?wall=0) or the top bar's
// button; remembered on this screen.
import { t, formatTime } from './i18n.js';
import { h, icon } from './dom.js';

const storageKey = 'rp.wall';
const kinds = ['camera', 'light', 'elevator', 'charger'];
// Alerts that mean the device itself does not do its job (not what happens around it).
const deviceFaultTypes = new Set(['broken_light', 'elevator_fault', 'camera_tamper', 'camera_stream_down']);

let on = readMode();

function readMode() {
  const fromUrl = new URLSearchParams(location.search).get('wall');
  if (fromUrl === '1' || fromUrl === '0') {
    localStorage.setItem(storageKey, fromUrl);
    const url = new URL(location.href);
    url.searchParams.delete('wall');
    history.replaceState(null, '', url);
  }
  return localStorage.getItem(storageKey) === '1';
}

export function wallMode() { return on; }

/** Applies the mode to the page and wires the top bar's button; `changed` redraws the desk. */
export function initWall(changed) {
  document.body.classList.toggle('wall', on);
  const button = document.getElementById('wall');
  button?.addEventListener('click', () => {
    on = !on;
    localStorage.setItem(storageKey, on ? '1' : '0');
    document.body.classList.toggle('wall', on);
    renderWallButton();
    changed();
  });
  renderWallButton();
  window.addEventListener('resize', fitWall);
}

export function renderWallButton() {
  const button = document.getElementById('wall');
  if (!button) return;
  button.textContent = t(on ? 'wall.off' : 'wall.on');
  button.setAttribute('aria-pressed', String(on));
}

/**
 * The device panel on the wall: online counts per kind, then only the devices in trouble — not online,
 * an elevator reporting a fault, or an open alert saying the device does not work (dark lamp, blind camera).
 */
export function renderWallDevices(container, { devices, alerts, elevators, zoneName, siteName, timeZoneOf, multiSite }) {
  const counts = kinds.map(kind => {
    const ofKind = devices.filter(d => d.kind === kind);
    if (!ofKind.length) return null;
    const online = ofKind.filter(d => d.status === 'online').length;
    return h('span', { class: `kind-count${online < ofKind.length ? ' has-offline' : ''}`, dataset: { kind } },
      icon(kind), h('span', null, t(`kind.${kind}`)), h('b', null, t('devices.online', { on: online, all: ofKind.length })));
  });

  const faults = new Map();
  for (const a of alerts) {
    if (a.state === 'resolved' || !deviceFaultTypes.has(a.type)) continue;
    const key = `${a.site}/${a.deviceId}`;
    if (!faults.has(key)) faults.set(key, new Set());
    faults.get(key).add(t(`type.${a.type}`));
  }
  const problems = [];
  for (const d of devices) {
    const key = `${d.site}/${d.id}`;
    const reasons = [];
    const offline = d.status !== 'online';
    if (offline) {
      const since = d.statusAt && !d.statusAt.startsWith('0001') ? ` ${t('devices.since', { t: formatTime(d.statusAt, timeZoneOf(d.site)) })}` : '';
      reasons.push(`${t(`status.${d.status ?? 'unknown'}`)}${since}`);
    }
    const code = elevators.get(key)?.fault;
    if (code) reasons.push(t('devices.fault', { code }));
    for (const reason of faults.get(key) ?? []) {
      if (!(code && reason === t('type.elevator_fault'))) reasons.push(reason);
    }
    if (reasons.length) problems.push({ d, offline, reasons });
  }
  problems.sort((a, b) => (a.offline === b.offline ? 0 : a.offline ? -1 : 1)
    || a.d.site.localeCompare(b.d.site) || a.d.zone.localeCompare(b.d.zone) || a.d.id.localeCompare(b.d.id));

  const list = problems.length
    ? h('ul', { class: 'problems', 'aria-label': t('wall.problems') }, ...problems.map(({ d, offline, reasons }) =>
      h('li', { class: `problem${offline ? ' is-offline' : ''}`, dataset: { device: d.id } },
        icon(d.kind),
        h('span', { class: 'problem-name' }, d.location || d.id),
        h('span', { class: 'problem-zone' }, multiSite ? `${siteName(d.site)} · ${zoneName(d.site, d.zone)}` : zoneName(d.site, d.zone)),
        h('span', { class: 'problem-why' }, reasons.join(' · ')))))
    : h('p', { class: 'all-online' }, t('wall.allWell'));
  container.replaceChildren(h('div', { class: 'kind-counts wall-counts' }, ...counts), list);
}

/**
 * On the wall nothing scrolls: rows that do not fit in their panel are left out (the board is sorted
 * most severe and longest waiting first, the devices offline first) and a line says how many.
 */
export function fitWall() {
  fit(document.getElementById('board'), ':scope > .alert', 'wall.moreAlerts');
  const devices = document.getElementById('devices');
  fit(devices, '.problems > .problem', 'wall.moreDevices');
}

function fit(list, itemSelector, moreKey) {
  if (!list) return;
  const items = [...list.querySelectorAll(itemSelector)];
  for (const item of items) item.classList.remove('wall-cut');
  let more = list.parentElement.querySelector(`:scope > .wall-more[data-for="${list.id}"]`);
  if (!on) { more?.remove(); return; }
  if (!more) {
    more = h('p', { class: 'wall-more', dataset: { for: list.id } });
    list.after(more);
  }
  more.hidden = true;
  if (list.scrollHeight <= list.clientHeight) return;
  more.hidden = false;
  more.textContent = t(moreKey, { n: 1 });
  let cut = 0;
  for (let i = items.length - 1; i >= 0 && list.scrollHeight > list.clientHeight; i--) {
    items[i].classList.add('wall-cut');
    cut++;
    more.textContent = t(moreKey, { n: cut });
  }
  more.hidden = cut === 0;
}
