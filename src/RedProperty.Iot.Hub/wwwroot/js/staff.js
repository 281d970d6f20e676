// Staff accounts for supervisors (list, create, change role and sites, disable, set a password, audit trail),
// and for everyone the form to change their own password.
import { t, applyStatic, lang, setLanguage, formatTime } from './i18n.js';
import { getJson, postJson, patchJson, ApiError } from './api.js';
import { h } from './dom.js';

const el = id => document.getElementById(id);
const roles = ['viewer', 'operator', 'supervisor'];
const state = { me: null, sites: [], accounts: [], editing: undefined, resetting: null };

// ---------------------------------------------------------------- helpers

const isSupervisor = () => state.me?.role === 'supervisor';
const hasAllSites = () => state.me?.sites.includes('*');
const grantableRoles = () => roles.slice(0, roles.indexOf(state.me.role) + 1);
const timeZone = () => state.sites[0]?.timeZone ?? 'Asia/Shanghai';
const userPath = username => `/api/staff/${encodeURIComponent(username)}`;

function siteName(id) {
  if (id === '*') return t('staff.allSites');
  if (id.startsWith('company:')) return t('staff.company', { name: id.slice('company:'.length) });
  return state.sites.find(s => s.id === id)?.name ?? id;
}

function toast(text, kind = 'ok') {
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  el('toasts').append(item);
  setTimeout(() => item.remove(), 5000);
}

function showError(id, text) {
  const p = el(id);
  p.hidden = !text;
  p.textContent = text ?? '';
}

/** The hub's problem, in the page's language where it is one we know. */
function errorText(e) {
  if (!(e instanceof ApiError)) return t('error.network');
  const p = e.problem;
  if (e.status === 400 && p?.errors) {
    const field = Object.keys(p.errors)[0];
    const key = `staff.err.${field}`;
    const text = t(key);
    return text === key ? t('staff.error', { detail: p.errors[field].join(' ') }) : text;
  }
  if (e.status === 403) return t('staff.err.forbidden');
  if (e.status === 409) return p?.title === 'User name taken' ? t('staff.err.taken') : t('staff.err.lastSupervisor');
  if (e.status === 429 || e.status === 503) return t('auth.throttled', { s: p?.retryAfter ?? 1 });
  return t('staff.error', { detail: p?.detail ?? e.message });
}

// ---------------------------------------------------------------- the table

function renderUser() {
  if (!state.me) return;
  el('user').replaceChildren(h('span', { class: 'user-name' }, state.me.displayName), h('span', { class: 'user-role' }, t(`role.${state.me.role}`)));
}

function actionButton(action, account, key, className = 'btn') {
  return h('button', { type: 'button', class: className, dataset: { action, user: account.username } }, t(key));
}

function row(account) {
  const actions = account.self ? [] : [
    actionButton('edit', account, 'staff.edit'),
    actionButton('reset', account, 'staff.setPassword'),
    account.disabled ? actionButton('enable', account, 'staff.enable') : actionButton('disable', account, 'staff.disable', 'btn btn-danger'),
  ];
  actions.push(actionButton('audit', account, 'staff.audit', 'btn btn-ghost'));
  return h('tr', { class: account.disabled ? 'is-disabled' : null, dataset: { user: account.username } },
    h('td', { class: 'username' }, account.username, account.self ? h('span', { class: 'badge self' }, t('staff.self')) : null),
    h('td', null, account.displayName),
    h('td', null, t(`role.${account.role}`)),
    h('td', { class: 'sites' }, account.sites.map(siteName).join(lang() === 'en' ? ', ' : '、')),
    h('td', null, h('span', { class: `badge ${account.disabled ? 'disabled' : 'enabled'}` }, t(account.disabled ? 'staff.disabled' : 'staff.enabled'))),
    h('td', { class: 'when' }, account.lastLoginAt ? formatTime(account.lastLoginAt, timeZone(), true) : t('staff.never')),
    h('td', null, h('div', { class: 'row-actions' }, actions)));
}

function renderRows() {
  el('s-rows').replaceChildren(...state.accounts.map(row));
  el('s-count').textContent = t('staff.count', { n: state.accounts.length });
}

async function loadAccounts() {
  state.accounts = await getJson('/api/staff');
  renderRows();
}

function find(username) { return state.accounts.find(a => a.username === username); }

// ---------------------------------------------------------------- create and edit

function siteChoices(selected) {
  const choices = [];
  if (hasAllSites()) choices.push({ id: '*', name: t('staff.allSites') });
  // A company's compounds (by the registry), grantable by who has every site or that company.
  const companies = [...new Set(state.sites.map(s => s.company).filter(Boolean))];
  for (const company of companies) {
    if (hasAllSites() || state.me?.sites.includes(`company:${company}`)) choices.push({ id: `company:${company}`, name: t('staff.company', { name: company }) });
  }
  for (const site of state.sites) choices.push({ id: site.id, name: site.name });
  el('s-sites').replaceChildren(...choices.map(c => h('label', null,
    h('input', { type: 'checkbox', name: 'site', value: c.id, checked: selected.includes(c.id) }), c.name)));
  syncAllSites();
}

// "All sites" stands alone: ticking it clears and disables the others.
function syncAllSites() {
  const all = el('s-sites').querySelector('input[value="*"]');
  for (const box of el('s-sites').querySelectorAll('input[name="site"]')) {
    if (box === all) continue;
    box.disabled = !!all?.checked;
    if (all?.checked) box.checked = false;
  }
}

function openEdit(account) {
  state.editing = account ?? null;
  const creating = !account;
  el('s-edit-title').textContent = creating ? t('staff.newTitle') : t('staff.editTitle', { user: account.username });
  el('s-edit-create').hidden = creating === false;
  el('s-username').value = '';
  el('s-password').value = '';
  el('s-display').value = account?.displayName ?? '';
  const role = account?.role ?? 'operator';
  el('s-role').replaceChildren(...grantableRoles().map(r => h('option', { value: r, selected: r === role }, t(`role.${r}`))));
  siteChoices(account?.sites ?? (state.sites.length === 1 ? [state.sites[0].id] : []));
  showError('s-edit-error', null);
  el('s-edit').showModal();
  (creating ? el('s-username') : el('s-display')).focus();
}

async function submitEdit(event) {
  event.preventDefault();
  const sites = [...el('s-sites').querySelectorAll('input[name="site"]:checked')].map(b => b.value);
  if (sites.length === 0) { showError('s-edit-error', t('staff.err.sites')); return; }
  const body = { displayName: el('s-display').value.trim() || null, role: el('s-role').value, sites };
  el('s-edit-submit').disabled = true;
  try {
    if (state.editing) {
      await patchJson(userPath(state.editing.username), body);
      toast(t('staff.saved', { user: state.editing.username }));
    } else {
      const username = el('s-username').value.trim();
      const password = el('s-password').value;
      if (!username) { showError('s-edit-error', t('staff.err.username')); return; }
      if (password.length < 10) { showError('s-edit-error', t('staff.err.password')); return; }
      await postJson('/api/staff', { username, password, ...body });
      toast(t('staff.created', { user: username }));
    }
    el('s-edit').close();
    await loadAccounts();
  } catch (e) {
    showError('s-edit-error', errorText(e));
  } finally {
    el('s-edit-submit').disabled = false;
  }
}

// ---------------------------------------------------------------- password, access, audit

function openReset(account) {
  state.resetting = account;
  el('s-reset-title').textContent = t('staff.resetTitle', { user: account.username });
  el('s-reset-password').value = '';
  showError('s-reset-error', null);
  el('s-reset').showModal();
  el('s-reset-password').focus();
}

async function submitReset(event) {
  event.preventDefault();
  const password = el('s-reset-password').value;
  if (password.length < 10) { showError('s-reset-error', t('staff.err.password')); return; }
  el('s-reset-submit').disabled = true;
  try {
    await postJson(`${userPath(state.resetting.username)}/password`, { password });
    el('s-reset').close();
    toast(t('staff.passwordSet', { user: state.resetting.username }));
    await loadAccounts();
  } catch (e) {
    showError('s-reset-error', errorText(e));
  } finally {
    el('s-reset-submit').disabled = false;
  }
}

async function setDisabled(account, disabled) {
  try {
    await patchJson(userPath(account.username), { disabled });
    toast(t(disabled ? 'staff.disabledToast' : 'staff.enabledToast', { user: account.username }));
    await loadAccounts();
  } catch (e) {
    toast(errorText(e), 'error');
  }
}

async function showAudit(account) {
  el('s-audit-title').textContent = t('staff.auditTitle', { user: account.username });
  el('s-audit-list').replaceChildren(h('li', null, t('details.loading')));
  el('s-audit').showModal();
  try {
    const trail = await getJson(`${userPath(account.username)}/audit`);
    el('s-audit-list').replaceChildren(...trail.map(entry => h('li', null,
      h('time', null, formatTime(entry.at, timeZone(), true)),
      h('span', { class: 'trail-action' }, t(`staff.audit.${entry.action}`)),
      entry.detail ? h('span', null, entry.detail) : null,
      h('span', { class: 'muted' }, t('staff.audit.by', { who: entry.actor })))));
  } catch (e) {
    el('s-audit-list').replaceChildren(h('li', null, errorText(e)));
  }
}

function onRowAction(event) {
  const button = event.target.closest('button[data-action]');
  const account = button && find(button.dataset.user);
  if (!account) return;
  switch (button.dataset.action) {
    case 'edit': openEdit(account); break;
    case 'reset': openReset(account); break;
    case 'disable': setDisabled(account, true); break;
    case 'enable': setDisabled(account, false); break;
    case 'audit': showAudit(account); break;
  }
}

// ---------------------------------------------------------------- own password

async function submitOwn(event) {
  event.preventDefault();
  const form = el('s-own-form');
  const currentPassword = form.current.value;
  const newPassword = form.next.value;
  showError('s-own-error', null);
  if (!currentPassword) { showError('s-own-error', t('staff.err.currentPassword')); return; }
  if (newPassword.length < 10) { showError('s-own-error', t('staff.err.newPassword')); return; }
  if (newPassword !== form.repeat.value) { showError('s-own-error', t('staff.mismatch')); return; }
  el('s-own-submit').disabled = true;
  try {
    await postJson('/api/auth/password', { currentPassword, newPassword });
    form.reset();
    toast(t('staff.changed'));
  } catch (e) {
    showError('s-own-error', errorText(e));
  } finally {
    el('s-own-submit').disabled = false;
  }
}

// ---------------------------------------------------------------- start

function relabel() {
  applyStatic();
  renderUser();
  if (isSupervisor()) renderRows();
  else if (state.me) showMessage();
}

function showMessage() {
  el('s-message').hidden = false;
  el('s-message').textContent = t('staff.supervisorsOnly');
}

function wire() {
  el('lang').addEventListener('click', () => { setLanguage(lang() === 'zh-CN' ? 'en' : 'zh-CN'); relabel(); });
  el('s-new').addEventListener('click', () => openEdit(null));
  el('s-rows').addEventListener('click', onRowAction);
  el('s-sites').addEventListener('change', syncAllSites);
  el('s-edit-form').addEventListener('submit', submitEdit);
  el('s-edit-cancel').addEventListener('click', () => el('s-edit').close());
  el('s-reset-form').addEventListener('submit', submitReset);
  el('s-reset-cancel').addEventListener('click', () => el('s-reset').close());
  el('s-own-form').addEventListener('submit', submitOwn);
}

async function start() {
  applyStatic();
  wire();
  try {
    const [me, sites] = await Promise.all([getJson('/api/auth/me'), getJson('/api/sites')]);
    state.me = me;
    state.sites = sites;
    renderUser();
    if (isSupervisor()) {
      await loadAccounts();
      el('s-accounts').hidden = false;
    } else {
      showMessage();
    }
    document.body.dataset.state = 'ready';
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    el('s-message').hidden = false;
    el('s-message').textContent = errorText(e);
    document.body.dataset.state = 'failed';
  }
}

start();
