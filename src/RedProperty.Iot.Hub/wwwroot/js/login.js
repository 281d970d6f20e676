import { t, applyStatic, lang, setLanguage } from './i18n.js';
import { postJson, forgetToken, ApiError } from './api.js';

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
const notice = document.getElementById('notice');
const submit = document.getElementById('login-submit');
const params = new URLSearchParams(location.search);

function showNotice() {
  const reason = params.get('reason');
  notice.hidden = !(reason === 'expired' || reason === 'logout');
  if (!notice.hidden) notice.textContent = t(reason === 'expired' ? 'auth.expired' : 'auth.loggedOut');
}

function showError(key, values) {
  error.hidden = false;
  error.textContent = t(key, values);
}

// Only paths on this hub are followed after logging in (never another site).
function nextPage() {
  const next = params.get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  error.hidden = true;
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) { showError('auth.missing'); return; }
  submit.disabled = true;
  submit.textContent = t('auth.loggingIn');
  try {
    forgetToken();
    await postJson('/api/auth/login', { username, password }, { redirectOn401: false });
    forgetToken();
    location.assign(nextPage());
  } catch (e) {
    if (e instanceof ApiError && (e.status === 429 || e.status === 503)) showError('auth.throttled', { s: e.problem?.retryAfter ?? 1 });
    else showError(e instanceof ApiError && e.status === 401 ? 'auth.refused' : 'auth.failed');
    form.password.select();
  } finally {
    submit.disabled = false;
    submit.textContent = t('auth.login');
  }
});

document.getElementById('lang').addEventListener('click', () => {
  setLanguage(lang() === 'zh-CN' ? 'en' : 'zh-CN');
  showNotice();
  if (!error.hidden) error.hidden = true;
});

applyStatic();
showNotice();
