// The one HTTP module: every JSON call to /api/v1 — the pages' API client, the outbox, the
// mirror and (through the outbox) the service worker — goes through here. It holds the single
// CSRF token cache, sends JSON, and turns every answer that is not 2xx into an ApiError with
// the status and the server's {"error": {"code", "message", ...}}.
//
// What each status means (PROTOCOL §7) and who handles it:
//   0    the network failed                          temporary: callers keep changes queued
//   401  login required                              callers keep changes queued
//   403  code "csrf" (a stale token, e.g. from a page served from a cache): refreshed here
//        once via GET /api/v1/me and the call retried once (older servers answer 400 csrf)
//   409  code "conflict": a stale rev; `rev` is the  the user chooses (sealed-editor.js)
//        stored revision. Any other 409 code (the process has ended, the evaluation was
//        accepted, …) is a refusal that stands: sending the same change again cannot help
//   410  code "deleted": a deleted id stays deleted  the user keeps the text as a new item
//   429  rate limited, 5xx, 503 with Retry-After     temporary, like offline
// The module needs no DOM: it runs in the service worker too (there the token comes from /me).

export const API_ROOT = '/api/v1';

/** An API call that did not succeed. `status` is 0 when the network failed. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {any} body the parsed JSON answer, or null
   * @param {{retryAfter?: number|null}} [extra]
   */
  constructor(status, body, { retryAfter = null } = {}) {
    super(body?.error?.message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    /** @type {string} the server's error code (`network` when there was no answer) */
    this.code = body?.error?.code || (status === 0 ? 'network' : 'http');
    this.body = body;
    /** @type {number|null} the stored revision a 409 reports */
    this.rev = typeof body?.error?.rev === 'number' ? body.error.rev : null;
    /** @type {number|null} seconds to wait, from Retry-After */
    this.retryAfter = retryAfter;
  }

  /** No answer, or the server cannot take it now: try the same call again later. */
  get temporary() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }

  get loginRequired() {
    return this.status === 401;
  }

  get csrf() {
    return this.code === 'csrf' && (this.status === 403 || this.status === 400);
  }

  /** The stored revision is another one (409 `conflict`): not the other 409 refusals. */
  get conflict() {
    return this.status === 409 && this.code === 'conflict';
  }

  /** The item id was deleted and stays deleted (410 with code `deleted`, or any 410). */
  get deleted() {
    return this.status === 410;
  }
}

/**
 * Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or null.
 * @param {string|null} value
 * @param {number} [now] ms
 */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, Math.round((when - now) / 1000));
}

/** @type {string|null} */
let csrfToken = null;
/** @type {Promise<boolean>|null} */
let refreshing = null;

/** Use a CSRF token returned by login/register or /me (else the page's meta tag). */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

function currentCsrf() {
  if (csrfToken) return csrfToken;
  if (typeof document === 'undefined') return '';
  const meta = /** @type {HTMLMetaElement|null} */ (document.querySelector('meta[name="csrf-token"]'));
  return meta?.content || '';
}

const unsafe = (method) => method !== 'GET' && method !== 'HEAD';

/**
 * One call, no retry. Resolves to the parsed JSON (null for 204); rejects with ApiError.
 * @param {string} method
 * @param {string} path under /api/v1, e.g. `/items/<id>`
 * @param {unknown} [body] sent as JSON when given
 */
async function call(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  /** @type {RequestInit} */
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (unsafe(method)) headers['X-CSRF-Token'] = currentCsrf();
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${API_ROOT}${path}`, init);
  } catch (err) {
    throw new ApiError(0, { error: { code: 'network', message: String(err) } });
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, data, { retryAfter: parseRetryAfter(response.headers.get('Retry-After')) });
  }
  return data;
}

/**
 * GET /api/v1/me: the signed-in person of this browser's session, with the session's CSRF
 * token, which is kept for the calls that follow. Rejects with ApiError (401: nobody).
 * @returns {Promise<{uid: string, csrf_token?: string} & Record<string, any>>}
 */
export async function me() {
  const data = await call('GET', '/me');
  if (data?.csrf_token) csrfToken = data.csrf_token;
  return data;
}

/** Ask the session for its own CSRF token (one request at a time). True when one came. */
export function refreshCsrf() {
  refreshing ??= me()
    .then((data) => Boolean(data?.csrf_token))
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/**
 * Call the API. Resolves to the parsed JSON (or null for 204); rejects with ApiError, whose
 * status is 0 when the network failed. A CSRF refusal is answered once: the token is fetched
 * again from /me and the call retried once.
 * @param {string} method
 * @param {string} path under /api/v1
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  try {
    return await call(method, path, body);
  } catch (err) {
    if (!(err instanceof ApiError && err.csrf && unsafe(method))) throw err;
    if (!(await refreshCsrf())) throw err;
    return call(method, path, body);
  }
}
