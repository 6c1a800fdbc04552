// JSON API client: CSRF header, JSON bodies, errors as ApiError.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code || (status === 0 ? 'network' : 'http');
    this.body = body;
  }
}

let csrfToken = null;

/** Use a CSRF token returned by login/register (else the page's meta tag). */
export function setCsrfToken(token) {
  csrfToken = token;
}

function currentCsrf() {
  return csrfToken || document.querySelector('meta[name="csrf-token"]')?.content || '';
}

/**
 * Call the API. Resolves to the parsed JSON (or null for 204); rejects with ApiError,
 * whose status is 0 when the network failed.
 */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = currentCsrf();
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch (err) {
    throw new ApiError(0, { error: { code: 'network', message: String(err) } });
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
