// The hub's REST API for the desk: the login cookie goes along by itself; state changes carry the
// anti-forgery token; an expired session goes back to the login page.
let csrf = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function toLogin(reason) {
  const next = location.pathname + location.search;
  location.assign(`/login.html?${new URLSearchParams({ reason, next })}`);
}

async function fetchToken() {
  const response = await fetch('/api/auth/antiforgery', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new ApiError(response.status, null);
  csrf = await response.json();
  return csrf;
}

async function problemOf(response) {
  try { return await response.json(); } catch { return null; }
}

export async function getJson(path) {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 401) { toLogin('expired'); throw new ApiError(401, null); }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.json();
}

/** POSTs JSON with the anti-forgery token (fetched once, again if the hub refuses it). */
export function postJson(path, body, options) { return send('POST', path, JSON.stringify(body ?? {}), 'application/json', options); }

/** PATCHes JSON, like postJson. */
export function patchJson(path, body, options) { return send('PATCH', path, JSON.stringify(body ?? {}), 'application/json', options); }

/** POSTs a file as the body itself (a photo as image/jpeg), like postJson. */
export function postFile(path, blob, options) { return send('POST', path, blob, blob.type || 'application/octet-stream', options); }

/** POSTs a form (multipart, the browser sets its boundary), like postJson. */
export function postForm(path, form, options) { return send('POST', path, form, null, options); }

async function send(method, path, body, contentType, { redirectOn401 = true } = {}) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = csrf && attempt === 0 ? csrf : await fetchToken();
    const headers = { [token.headerName]: token.token };
    if (contentType) headers['Content-Type'] = contentType;
    const response = await fetch(path, { method, credentials: 'same-origin', headers, body });
    if (response.status === 401 && redirectOn401) { toLogin('expired'); throw new ApiError(401, null); }
    const problem = response.ok ? null : await problemOf(response);
    if (response.status === 400 && attempt === 0 && problem?.title?.startsWith('Anti-forgery')) continue;
    if (!response.ok) throw new ApiError(response.status, problem);
    return response.status === 204 ? null : response.json();
  }
  throw new ApiError(400, null);
}

/** What to tell the user about a failed request: the first field error, else the problem's text, else the fallback. */
export function problemText(e, fallback) {
  const fields = e instanceof ApiError ? e.problem?.errors : null;
  const field = fields && Object.values(fields)[0];
  return (field && field[0]) || (e instanceof ApiError ? e.message : fallback);
}

/** After logging in or out the token belongs to someone else. */
export function forgetToken() { csrf = null; }
