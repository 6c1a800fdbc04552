// The invite link /join/<token>#fp=<fp16> (PROTOCOL §2, §7): its fragment is read here and
// never sent to the server. While the invitee signs up or signs in from the link, the fp is
// kept in this tab's sessionStorage under the token (wiped with the device on sign-out).
import { api } from './api.js';
import { verifyBundle } from './crypto/identity.js';
import { fp16 } from './crypto/safety.js';
import { PinError } from './pins.js';

const KEY = 'valitila:invite-fp:';
const FP16 = /^[A-Za-z0-9_-]{22}$/;

/** The fp16 of a location hash such as "#fp=AbC…", or null when absent or malformed. */
export function fragmentFp(hash) {
  const value = new URLSearchParams(String(hash || '').replace(/^#/, '')).get('fp');
  return value && FP16.test(value) ? value : null;
}

/** Keep the link's fp for `token` while the invitee signs up or in (this tab only). */
export function rememberInvite(token, fp) {
  try {
    sessionStorage.setItem(KEY + token, fp);
  } catch {
    /* storage disabled: the link has to be opened again after signing in */
  }
}

/** The fp kept for `token`, or null. */
export function rememberedFp(token) {
  try {
    const fp = sessionStorage.getItem(KEY + token);
    return fp && FP16.test(fp) ? fp : null;
  } catch {
    return null;
  }
}

export function forgetInvite(token) {
  try {
    sessionStorage.removeItem(KEY + token);
  } catch {
    /* nothing kept */
  }
}

/**
 * GET /invites/{token} and check the supervisor's bundle: validly self-signed, of the uid the
 * invite names, and with the link's fp16. Rejects with PinError('fp_mismatch') when it is not
 * (the server, or whoever changed the link, is not to be trusted: do not join), with the
 * ApiError of the call otherwise (404: used, revoked, expired or unknown).
 * @param {string} token
 * @param {string} linkFp the fp16 of the link's fragment
 * @returns {Promise<{process: {id: string, form: string},
 *   supervisor: {uid: string, display_name: string, bundle: any}, expires_at: string}>}
 */
export async function checkInvite(token, linkFp) {
  const info = await api('GET', `/invites/${encodeURIComponent(token)}`);
  const supervisor = info?.supervisor;
  if (!supervisor || !(await verifyBundle(supervisor.bundle, supervisor.uid))) {
    throw new PinError('fp_mismatch', 'the supervisor\'s key is not valid');
  }
  if (typeof linkFp !== 'string' || (await fp16(supervisor.bundle)) !== linkFp) {
    throw new PinError('fp_mismatch', 'the supervisor\'s key does not match the link');
  }
  return info;
}
