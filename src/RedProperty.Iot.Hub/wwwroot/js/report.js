// The supervisors' monthly service-quality report: figures, score and ranking from the hub's report API,
// drawn with the vendored Apache ECharts (SVG, so the printed PDF stays sharp) and laid out for A4.
import { t, applyStatic, lang, setLanguage, formatTime } from './i18n.js';
import { getJson, ApiError } from './api.js';
import { h } from './dom.js';

/* global echarts */
const el = id => document.getElementById(id);
const partKeys = ['responseSla', 'onSiteSla', 'cameraAvailability', 'deviceAvailability', 'lampRepair', 'flyingWire'];
const severities = ['critical', 'major', 'minor'];
const colors = { brand: '#c8102e', black: '#23272e', neutral: '#5b7083', ok: '#2f9e44', critical: '#d9363e', major: '#f08c00', minor: '#e3b505', grid: '#e3e8ee', text: '#3d4a5c' };
const trendMonths = 6;
const charts = new Map();

const state = { me: null, sites: new Map(), devices: new Map(), site: '', month: '', data: null };

// ---------------------------------------------------------------- formatting

const percent = v => v === null || v === undefined ? '—' : new Intl.NumberFormat(lang(), { style: 'percent', maximumFractionDigits: 1 }).format(v);
const number = (v, digits = 1) => v === null || v === undefined ? '—' : new Intl.NumberFormat(lang(), { maximumFractionDigits: digits }).format(v);
const signed = v => (v > 0 ? '+' : '') + number(v);
const query = values => new URLSearchParams(values).toString();

function shiftMonth(month, delta) {
  let [y, m] = month.split('-').map(Number);
  m += delta;
  while (m < 1) { m += 12; y--; }
  while (m > 12) { m -= 12; y++; }
  return `${y}-${String(m).padStart(2, '0')}`;
}

/** This month in the site's time zone. */
function currentMonth(timeZone) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(new Date());
  const year = Number(parts.find(p => p.type === 'year').value);
  const month = Number(parts.find(p => p.type === 'month').value);
  return `${year}-${String(month).padStart(2, '0')}`;
}

/** The last full month in the site's time zone (what the hub reports by default). */
function lastFullMonth(timeZone) { return shiftMonth(currentMonth(timeZone), -1); }

/**
 * The month the page opens on: the last closed month, the one a supervisor signs and the district receives;
 * but when the hub has no records for it (a hub that started this month), this month so far.
 */
async function defaultMonth() {
  const timeZone = state.sites.get(state.site)?.timeZone ?? 'Asia/Shanghai';
  const closed = lastFullMonth(timeZone);
  try {
    const ranking = await getJson(`/api/reports/ranking?${query({ month: closed })}`);
    return ranking.sites.some(s => s.site === state.site) ? closed : currentMonth(timeZone);
  } catch {
    return closed;
  }
}

function monthLabel(month, style = 'long') {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(lang(), { year: style === 'long' ? 'numeric' : undefined, month: style === 'long' ? 'long' : 'short', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, 1)));
}

function deviceLabel(id) {
  const device = state.devices.get(`${state.site}/${id}`);
  return device?.location ? `${id} · ${device.location}` : id;
}

function zoneLabel(id) { return state.sites.get(state.site)?.zones.find(z => z.id === id)?.name ?? id; }

// ---------------------------------------------------------------- URL and controls

async function readUrl() {
  const p = new URLSearchParams(location.search);
  state.site = state.sites.has(p.get('site')) ? p.get('site') : [...state.sites.keys()][0] ?? '';
  const month = p.get('month');
  state.month = /^\d{4}-(0[1-9]|1[0-2])$/.test(month ?? '') ? month : await defaultMonth();
}

function writeUrl() {
  const url = new URL(location.href);
  url.searchParams.set('site', state.site);
  url.searchParams.set('month', state.month);
  history.replaceState(null, '', url);
}

function renderControls() {
  el('r-site').replaceChildren(...[...state.sites.values()].map(s => h('option', { value: s.id, selected: s.id === state.site }, s.name)));
  el('r-month').value = state.month;
  el('r-month').max = currentMonth(state.sites.get(state.site)?.timeZone ?? 'Asia/Shanghai');
  el('r-csv').href = `/api/reports/service-quality?${query({ site: state.site, month: state.month, format: 'csv' })}`;
  el('r-csv').setAttribute('download', `service-quality-${state.site}-${state.month}.csv`);
}

function wireControls() {
  el('controls').addEventListener('submit', e => e.preventDefault());
  el('r-site').addEventListener('change', e => { state.site = e.target.value; load(); });
  el('r-month').addEventListener('change', e => {
    if (!/^\d{4}-\d{2}$/.test(e.target.value)) return;
    state.month = e.target.value;
    load();
  });
  el('r-print').addEventListener('click', () => window.print());
  el('lang').addEventListener('click', () => {
    setLanguage(lang() === 'en' ? 'zh-CN' : 'en');
    renderUser();
    if (state.data) render();
  });
}

function renderUser() {
  if (!state.me) return;
  el('user').replaceChildren(h('span', { class: 'user-name' }, state.me.displayName), h('span', { class: 'user-role' }, t(`role.${state.me.role}`)));
}

function showMessage(text) {
  el('r-message').hidden = !text;
  el('r-message').textContent = text ?? '';
}

// ---------------------------------------------------------------- loading

let loading = 0;

async function load() {
  const ticket = ++loading;
  writeUrl();
  renderControls();
  document.body.dataset.state = 'loading';
  showMessage(t('report.loading'));
  const months = Array.from({ length: trendMonths }, (_, i) => shiftMonth(state.month, i - trendMonths + 1));
  try {
    const [figures, zones, rankings, snapshots] = await Promise.all([
      getJson(`/api/reports/service-quality?${query({ site: state.site, month: state.month })}`),
      getJson(`/api/reports/service-quality/zones?${query({ site: state.site, month: state.month })}`),
      Promise.all(months.map(month => getJson(`/api/reports/ranking?${query({ month })}`))),
      getJson(`/api/reports/monthly?${query({ site: state.site })}`),
    ]);
    if (ticket !== loading) return;
    state.data = { figures, zones, rankings, months, snapshots };
    showMessage(null);
    render();
    document.body.dataset.state = 'ready';
  } catch (e) {
    if (ticket !== loading || (e instanceof ApiError && e.status === 401)) return;
    el('report').hidden = true;
    showMessage(t('report.failed', { detail: e.message }));
    document.body.dataset.state = 'error';
  }
}

// ---------------------------------------------------------------- rendering

function render() {
  const { figures, rankings, snapshots } = state.data;
  const site = state.sites.get(state.site);
  const ranking = rankings[rankings.length - 1];
  const ranked = ranking.sites.find(s => s.site === state.site);
  el('report').hidden = false;

  el('r-heading').textContent = t('report.heading', { site: site.name, month: monthLabel(state.month) });
  el('r-period').textContent = t('report.period', {
    from: formatTime(figures.period.from, site.timeZone, true), to: formatTime(figures.period.to, site.timeZone, true), tz: site.timeZone,
  });
  const snapshot = snapshots.find(s => s.month === state.month);
  el('r-snapshot').replaceChildren(monthStatus(figures, snapshot, site.timeZone));
  if (snapshot) {
    // The published document itself, byte for byte (its SHA-256 is the one above).
    el('r-snapshot').append(' ', h('a', {
      id: 'r-snapshot-json', class: 'no-print', href: `/api/reports/monthly/${encodeURIComponent(state.site)}/${encodeURIComponent(state.month)}`,
      download: `monthly-report-${state.site}-${state.month}.json`,
    }, t('report.snapshotJson')));
  }
  el('r-snapshot').classList.toggle('final', Boolean(snapshot?.publishedAt) && figures.ended !== false);
  el('r-snapshot').classList.toggle('so-far', figures.ended === false);
  el('r-generated').textContent = t('report.generated', { at: formatTime(new Date(), site.timeZone, true) });

  // A month without records would show perfect figures: say so instead, with no score, charts or tables.
  const noRecords = figures.hasRecords === false;
  el('r-no-records').hidden = !noRecords;
  el('r-no-records').textContent = noRecords ? noRecordsText(ranking, site) : '';
  for (const section of [el('r-kpis'), el('r-charts'), el('r-tables')]) section.hidden = noRecords;
  el('r-snapshot').hidden = noRecords;
  if (noRecords) {
    applyStatic();
    return;
  }

  renderKpis(figures, ranked, ranking.sites.length);
  renderCharts(figures, ranking);
  renderTables(figures, ranking);
  applyStatic();
}

/** Whether the month is over and final, over and waiting for its snapshot, or still running (figures so far). */
function monthStatus(figures, snapshot, timeZone) {
  if (figures.ended === false) return t('report.soFar', { at: formatTime(figures.asOf, timeZone, true) });
  if (snapshot?.publishedAt) {
    return t('report.snapshot', { at: formatTime(snapshot.publishedAt, timeZone, true), topic: snapshot.topic, sha: snapshot.sha256.slice(0, 12) });
  }
  if (snapshot) return t('report.snapshotStored', { at: formatTime(snapshot.computedAt, timeZone, true), topic: snapshot.topic });
  return t('report.snapshotPending');
}

/** Why a month has no records: the site has no devices, or the month ended before the hub's records begin. */
function noRecordsText(ranking, site) {
  const hasDevices = [...state.devices.values()].some(d => d.site === site.id);
  return hasDevices && ranking.recordsSince
    ? t('report.noRecords', { since: formatTime(ranking.recordsSince, site.timeZone, true) })
    : t('report.noRecordsNoDevices');
}

function kpi(key, label, value, sub, tone) {
  return h('div', { class: `kpi${tone ? ` ${tone}` : ''}`, dataset: { kpi: key } },
    h('div', { class: 'kpi-label' }, label),
    h('div', { class: 'kpi-value' }, value),
    sub ? h('div', { class: 'kpi-sub' }, sub) : null);
}

const shareTone = v => v === null || v === undefined ? '' : v >= 0.95 ? 'good' : v >= 0.8 ? 'fair' : 'poor';

function renderKpis(f, ranked, sites) {
  const a = f.alerts;
  const soFar = f.ended === false;
  const trend = ranked?.trend === null || ranked?.trend === undefined ? t('report.kpi.noTrend') : t('report.kpi.trend', { delta: signed(ranked.trend) });
  const rank = ranked ? t(soFar ? 'report.kpi.rankSoFar' : 'report.kpi.rank', { rank: ranked.rank, of: sites }) : null;
  // Deadlines still running are neither met nor missed: counted apart.
  const pending = n => n > 0 ? t('report.kpi.pending', { n: number(n, 0) }) : null;
  el('r-kpis').replaceChildren(
    kpi('score', t('report.kpi.score'), ranked ? number(ranked.score) : '—', rank ? `${rank} · ${trend}` : null, 'score'),
    kpi('responseSla', t('report.kpi.responseSla'), percent(a.shareAcknowledgedWithinSla), pending(a.pendingAcknowledgement), shareTone(a.shareAcknowledgedWithinSla)),
    onSiteKpi(a, pending),
    kpi('mtArrive', t('report.kpi.mtArrive'), minutes(a.meanMinutesToArrive), t('report.kpi.p90', { v: minutes(a.p90MinutesToArrive) })),
    kpi('clearedUnattended', t('report.kpi.clearedUnattended'), number(a.clearedUnattended ?? 0, 0), t('report.kpi.clearedUnattendedSub'), a.clearedUnattended > 0 ? 'fair' : ''),
    kpi('mtta', t('report.kpi.mtta'), minutes(a.meanMinutesToAcknowledge), t('report.kpi.p90', { v: minutes(a.p90MinutesToAcknowledge) })),
    kpi('mttr', t('report.kpi.mttr'), minutes(a.meanMinutesToResolve), t('report.kpi.p90', { v: minutes(a.p90MinutesToResolve) })),
    kpi('raised', t('report.kpi.raised'), number(a.raised, 0),
      `${t('report.kpi.escalations')} ${number(a.escalations, 0)} · ${t(soFar ? 'report.kpi.openNow' : 'report.kpi.openAtEnd')} ${number(a.openAtEnd, 0)}`),
    kpi('cameras', t('report.kpi.cameras'), percent(f.cameras.siteAvailability), null, shareTone(f.cameras.siteAvailability)),
    kpi('lampDays', t('report.kpi.lampDays'), number(f.lighting.lampDaysDark)),
  );
}

// Snapshots published before arrivals were recorded carry the older measure (resolved within 30 minutes) and say so.
function onSiteKpi(a, pending) {
  const older = (a.shareCriticalOnSiteWithinSla === null || a.shareCriticalOnSiteWithinSla === undefined)
    && a.shareCriticalResolvedWithinSla !== null && a.shareCriticalResolvedWithinSla !== undefined;
  const share = older ? a.shareCriticalResolvedWithinSla : a.shareCriticalOnSiteWithinSla;
  return kpi('onSiteSla', t(older ? 'report.kpi.resolvedSla' : 'report.kpi.onSiteSla'), percent(share), older ? t('report.kpi.olderMeasure') : pending(a.pendingOnSite), shareTone(share));
}

function minutes(v) { return v === null || v === undefined ? '—' : t('report.minutes', { v: number(v) }); }

// ---------------------------------------------------------------- charts

function chart(id, option, empty) {
  charts.get(id)?.dispose();
  const node = el(id);
  const instance = echarts.init(node, null, { renderer: 'svg', locale: lang() === 'en' ? 'EN' : 'ZH' });
  instance.setOption({
    animation: false,
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily, color: colors.text },
    grid: { left: 8, right: 44, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: 'item', confine: true },
    ...(empty ? { graphic: { type: 'text', left: 'center', top: 'middle', style: { text: t('report.none'), fill: colors.neutral, fontSize: 14 } } } : {}),
    ...option,
  });
  node.dataset.empty = empty ? 'true' : 'false';
  charts.set(id, instance);
}

const valueAxis = (extra = {}) => ({ type: 'value', splitLine: { lineStyle: { color: colors.grid } }, ...extra });
const categoryAxis = (data, extra = {}) => ({ type: 'category', data, axisTick: { show: false }, axisLabel: { width: 150, overflow: 'truncate' }, ...extra });

function bars(id, entries, { color = colors.neutral, max, format = v => number(v) } = {}) {
  chart(id, {
    xAxis: valueAxis(max ? { max } : {}),
    yAxis: categoryAxis(entries.map(e => e.label), { inverse: true }),
    series: [{
      type: 'bar', barMaxWidth: 18,
      data: entries.map(e => ({ value: e.value, itemStyle: { color: e.color ?? color } })),
      label: { show: true, position: 'right', formatter: p => format(p.value) },
    }],
  }, entries.length === 0);
}

function renderCharts(f, ranking) {
  const ranked = ranking.sites.find(s => s.site === state.site);
  bars('c-parts', partKeys.map(k => ({ label: t(`report.part.${k}`), value: Math.round((ranked?.parts?.[k] ?? 0) * 1000) / 10 })),
    { color: colors.brand, max: 100, format: v => `${number(v)}%` });

  // Months before the hub's records have no figures (they would score as perfect).
  const trend = state.data.rankings.map(r => r.covered ? r.sites.find(s => s.site === state.site)?.score ?? null : null);
  chart('c-trend', {
    tooltip: { trigger: 'axis' },
    xAxis: categoryAxis(state.data.months.map(m => monthLabel(m, 'short')), { boundaryGap: false }),
    yAxis: valueAxis({ min: 0, max: 100 }),
    series: [{ type: 'line', data: trend, connectNulls: false, symbolSize: 7, lineStyle: { color: colors.brand, width: 2 }, itemStyle: { color: colors.brand },
      label: { show: true, formatter: p => number(p.value) } }],
  }, trend.every(v => v === null));

  const types = Object.entries(f.alerts.byType).sort((a, b) => b[1] - a[1]);
  bars('c-types', types.map(([type, count]) => ({ label: t(`type.${type}`), value: count })), { format: v => number(v, 0) });

  const bySeverity = severities.filter(s => f.alerts.bySeverity[s]).map(s => ({ name: t(`severity.${s}`), value: f.alerts.bySeverity[s], itemStyle: { color: colors[s] } }));
  chart('c-severity', {
    legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['40%', '68%'], center: ['50%', '45%'], data: bySeverity, label: { formatter: '{b} {c}' } }],
  }, bySeverity.length === 0);

  const red = new Set(ranking.redList.map(s => s.site));
  const black = new Set(ranking.blackList.map(s => s.site));
  bars('c-ranking', ranking.sites.map(s => ({
    label: `${s.rank}. ${s.name}`, value: s.score,
    color: red.has(s.site) ? colors.brand : black.has(s.site) ? colors.black : colors.neutral,
  })), { max: 100 });

  const cameras = Object.entries(f.cameras.availabilityPerCamera).sort((a, b) => a[1] - b[1]).slice(0, 12);
  bars('c-cameras', cameras.map(([id, share]) => ({ label: deviceLabel(id), value: Math.round(share * 10000) / 100, color: share < 0.99 ? colors.major : colors.ok })),
    { max: 100, format: v => `${number(v, 2)}%` });

  const cars = Object.entries(f.elevators.downtimeMinutesPerCar).filter(([, m]) => m > 0).sort((a, b) => b[1] - a[1]).slice(0, 12);
  bars('c-elevators', cars.map(([id, m]) => ({ label: deviceLabel(id), value: Math.round(m * 10) / 10 })), { color: colors.major });

  const repeat = new Set(f.charging.zonesWithRepeatIncidents);
  const zones = Object.entries(f.charging.flyingWireIncidentsPerZone).sort((a, b) => b[1] - a[1]);
  bars('c-wire', zones.map(([zone, n]) => ({ label: zoneLabel(zone), value: n, color: repeat.has(zone) ? colors.critical : colors.major })), { format: v => number(v, 0) });
}

function resizeCharts() {
  for (const instance of charts.values()) instance.resize();
}

// ---------------------------------------------------------------- tables

function table(titleKey, headKeys, rows, className = '') {
  return h('section', { class: `report-table ${className}` },
    h('h2', null, t(titleKey)),
    h('table', null,
      h('thead', null, h('tr', null, headKeys.map(k => h('th', { scope: 'col' }, t(k))))),
      h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: headKeys.length, class: 'muted' }, t('report.none'))))));
}

const row = (...cells) => h('tr', null, cells.map(c => h('td', null, c)));

function renderTables(f, ranking) {
  const red = new Set(ranking.redList.map(s => s.site));
  const black = new Set(ranking.blackList.map(s => s.site));
  const listBadge = s => red.has(s.site) ? h('span', { class: 'badge red' }, t('report.list.red'))
    : black.has(s.site) ? h('span', { class: 'badge black' }, t('report.list.black')) : '';
  const repeat = new Set(f.charging.zonesWithRepeatIncidents);

  const rankingTable = table('report.table.ranking', ['report.table.rank', 'report.table.site', 'report.table.score', 'report.table.trend', 'report.table.list'],
    ranking.sites.map(s => {
      const tr = row(String(s.rank), s.name, number(s.score), s.trend === null ? '—' : signed(s.trend), listBadge(s));
      if (s.site === state.site) tr.classList.add('current');
      return tr;
    }).concat((ranking.noRecords ?? []).length
      ? [h('tr', { class: 'no-records' }, h('td', { colspan: 5, class: 'muted' }, t('report.ranking.noRecords', { sites: ranking.noRecords.map(s => s.name).join('、') })))]
      : []), 'wide ranking');
  if (ranking.ended === false) {
    rankingTable.querySelector('h2').append(' ', h('span', { class: 'so-far-note' }, t('report.ranking.soFar', { at: formatTime(ranking.asOf, state.sites.get(state.site)?.timeZone, true) })));
  }
  const companies = ranking.companies?.length
    ? table('report.table.companies', ['report.table.rank', 'report.table.company', 'report.table.score', 'report.table.compounds'],
      ranking.companies.map(c => row(String(c.rank), c.company, number(c.score), c.sites.map(id => ranking.sites.find(s => s.site === id)?.name ?? id).join('、'))), 'wide companies')
    : null;
  el('r-tables').replaceChildren(
    ...[rankingTable, companies].filter(Boolean),
    zoneTable(state.data.zones),
    table('report.table.lighting', ['report.table.outages', 'report.table.lampDaysDark', 'report.table.medianRepair'],
      [row(number(f.lighting.outages, 0), number(f.lighting.lampDaysDark, 2), f.lighting.medianDaysToRepair === null ? '—' : t('report.days', { v: number(f.lighting.medianDaysToRepair) }))]),
    table('report.table.charging', ['report.table.zone', 'report.table.incidents', 'report.table.repeat'],
      Object.entries(f.charging.flyingWireIncidentsPerZone).sort((a, b) => b[1] - a[1])
        .map(([zone, n]) => row(zoneLabel(zone), number(n, 0), repeat.has(zone) ? t('report.yes') : ''))
        .concat([row(t('report.table.overheat'), number(f.charging.overheatEvents, 0), '')])),
    ...residentTables(f.residents),
    table('report.table.elevators', ['report.table.car', 'report.table.downtime'],
      Object.entries(f.elevators.downtimeMinutesPerCar).sort((a, b) => b[1] - a[1]).map(([id, m]) => row(deviceLabel(id), number(m)))
        .concat([row(t('report.table.entrapments'), number(f.elevators.entrapments, 0)), row(t('report.table.release'), number(f.elevators.meanMinutesToRelease))]), 'elevators'),
    table('report.table.cameras', ['report.table.camera', 'report.table.availability'],
      Object.entries(f.cameras.availabilityPerCamera).sort((a, b) => a[1] - b[1]).map(([id, share]) => row(deviceLabel(id), percent(share)))),
    table('report.table.devices', ['report.table.kind', 'report.table.availability'],
      Object.entries(f.deviceAvailabilityByKind).map(([kind, share]) => row(t(`kind.${kind}`), percent(share)))),
  );
}

/** Residents' reports: per category and per place (repeat places marked); none in snapshots before they were figured. */
function residentTables(r) {
  if (!r) return [];
  const cells = g => [number(g.reports, 0), number(g.alerts, 0), number(g.meanMinutesToAcknowledge), number(g.meanMinutesToArrive), percent(g.shareOnSiteWithinSla)];
  const head = ['report.table.residentReports', 'report.table.residentJobs', 'report.table.toRespond', 'report.table.toArrive', 'report.table.onSiteShare'];
  const repeat = new Set(r.repeatPlaces);
  const categories = table('report.table.residents', ['report.table.category', ...head],
    Object.entries(r.byCategory).sort((a, b) => b[1].reports - a[1].reports)
      .map(([category, g]) => row(t(`resident.${category}`), ...cells(g)))
      .concat(r.all.alerts ? [row(t('report.table.total'), ...cells(r.all))] : []), 'wide residents');
  const places = table('report.table.residentPlaces', ['report.table.place', ...head, 'report.table.repeat'],
    Object.entries(r.byPlace).sort((a, b) => b[1].activations - a[1].activations || b[1].figures.reports - a[1].figures.reports)
      .map(([id, p]) => {
        const tr = row(id === p.zone ? p.name : `${p.name} · ${zoneLabel(p.zone)}`, ...cells(p.figures), repeat.has(id) ? t('report.timesReported', { n: p.activations }) : '');
        if (repeat.has(id)) tr.classList.add('repeat');
        return tr;
      }), 'wide resident-places');
  return [categories, places];
}

/** Zones with anything to report, most alerts first; the quiet ones are counted in a last row. */
function zoneTable(zones) {
  const sum = values => Object.values(values).reduce((a, b) => a + b, 0);
  const eventful = z => z.alerts.raised > 0 || z.lighting.lampDaysDark > 0 || sum(z.elevators.downtimeMinutesPerCar) > 0
    || (z.cameras.siteAvailability ?? 1) < 1 || Object.values(z.deviceAvailabilityByKind).some(v => v < 1);
  const shown = zones.filter(eventful).sort((a, b) => b.alerts.raised - a.alerts.raised || zoneLabel(a.zone).localeCompare(zoneLabel(b.zone)));
  const rows = shown.map(z => row(zoneLabel(z.zone), number(z.alerts.raised, 0), percent(z.alerts.shareAcknowledgedWithinSla), minutes(z.alerts.meanMinutesToAcknowledge),
    number(z.alerts.openAtEnd, 0), number(sum(z.charging.flyingWireIncidentsPerZone), 0), number(z.lighting.lampDaysDark, 2),
    number(sum(z.elevators.downtimeMinutesPerCar)), percent(z.cameras.siteAvailability)));
  const quiet = zones.length - shown.length;
  if (quiet > 0) rows.push(h('tr', { class: 'quiet' }, h('td', { colspan: 9, class: 'muted' }, t('report.zones.quiet', { n: quiet }))));
  return table('report.table.zones', ['report.table.zone', 'report.kpi.raised', 'report.kpi.responseSla', 'report.kpi.mtta', 'report.kpi.openAtEnd',
    'report.table.incidents', 'report.table.lampDaysDark', 'report.table.downtime', 'report.table.availability'], rows, 'wide zones');
}

// ---------------------------------------------------------------- start

async function start() {
  applyStatic();
  wireControls();
  // Printing (and print emulation) lays the page out for A4: the charts follow their new boxes.
  const print = matchMedia('print');
  const layout = printing => { document.body.dataset.layout = printing ? 'print' : 'screen'; resizeCharts(); };
  print.addEventListener('change', () => layout(print.matches));
  addEventListener('beforeprint', () => layout(true));
  addEventListener('afterprint', () => layout(false));
  let resizing = null;
  addEventListener('resize', () => { clearTimeout(resizing); resizing = setTimeout(resizeCharts, 150); });

  try {
    state.me = await getJson('/api/auth/me');
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showMessage(t('error.network'));
    return;
  }
  renderUser();
  if (state.me.role !== 'supervisor') {
    el('controls').hidden = true;
    showMessage(t('report.supervisorsOnly'));
    document.body.dataset.state = 'forbidden';
    return;
  }

  const [sites, devices] = await Promise.all([getJson('/api/sites'), getJson('/api/devices')]);
  state.sites = new Map(sites.map(s => [s.id, s]));
  state.devices = new Map(devices.map(d => [`${d.site}/${d.id}`, d]));
  await readUrl();
  await load();
}

start();
