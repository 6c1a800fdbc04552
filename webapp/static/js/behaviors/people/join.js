// data-js-join: the invite link's page (/join/<token>#fp=<fp16>). The supervisor's key from
// the server must have the link's fp16 before anything is shown or offered; on a mismatch the
// page refuses, loudly, with nothing to click through. Signed in: "Join" pins the supervisor's
// key (pins.js) and accepts. Signed out: the fp is kept in this tab while the person signs up
// (signup.js joins in the same request) or signs in and comes back here.
import { ApiError, api } from '../../api.js';
import { checkInvite, forgetInvite, fragmentFp, rememberInvite, rememberedFp } from '../../join-invite.js';
import { t } from '../../i18n.js';
import { PinError, checkBundle, pinFromInvite, sendPendingPins } from '../../pins.js';
import { requireKeys } from '../../session.js';
import { errorMessage, go, setStatus } from '../../ui.js';

/** @param {HTMLElement} root */
export default async function join(root) {
  const token = root.dataset.token || '';
  const signedIn = root.dataset.signedIn === 'true';
  const fromLink = fragmentFp(window.location.hash);
  const fp = fromLink || rememberedFp(token);

  /** Show one refusal (and nothing else); `message` fills the general error's text. */
  const refuse = (kind, message = '') => {
    setStatus(root, '', '');
    /** @type {HTMLElement} */ (root.querySelector('[data-join-ok]')).hidden = true;
    const box = /** @type {HTMLElement} */ (root.querySelector(`[data-join-refused="${kind}"]`));
    if (kind === 'error') box.querySelector('[data-join-error]').textContent = message;
    box.hidden = false;
    root.removeAttribute('aria-busy');
    box.focus?.();
  };

  if (!fp) return refuse('no_fp');
  let info;
  try {
    info = await checkInvite(token, fp);
  } catch (err) {
    if (err instanceof PinError) return refuse('mismatch');
    if (err instanceof ApiError && err.status === 404) return refuse('error', t('inviteGone'));
    return refuse('error', errorMessage(err));
  }
  const { supervisor, process } = info;

  if (signedIn) {
    if (!(await requireKeys())) return; // to the unlock page, back here (the fp is kept)
    try {
      if ((await checkBundle(supervisor.uid, supervisor.bundle)).status === 'changed') return refuse('changed');
    } catch (err) {
      return refuse('error', errorMessage(err));
    }
  }
  rememberInvite(token, fp);

  root.querySelector('[data-field="supervisor"]').textContent = supervisor.display_name;
  for (const span of root.querySelectorAll('[data-form]')) {
    /** @type {HTMLElement} */ (span).hidden = /** @type {HTMLElement} */ (span).dataset.form !== process.form;
  }
  setStatus(root, '', 'ok');
  /** @type {HTMLElement} */ (root.querySelector('[data-join-ok]')).hidden = false;
  root.removeAttribute('aria-busy');

  const button = /** @type {HTMLButtonElement|null} */ (root.querySelector('[data-join-accept]'));
  button?.addEventListener('click', async () => {
    button.disabled = true;
    setStatus(root, t('joining'), 'busy');
    try {
      // The key checked against the link is pinned before joining; the server's copy of the
      // pin record follows once the two share the process.
      await pinFromInvite(supervisor.uid, supervisor.bundle, fp);
      let pid = process.id;
      try {
        pid = (await api('POST', `/invites/${encodeURIComponent(token)}/accept`)).id;
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'already_member')) throw err;
      }
      await sendPendingPins().catch(() => {});
      forgetInvite(token);
      go(`/processes/${pid}`);
    } catch (err) {
      button.disabled = false;
      if (err instanceof PinError && err.code === 'changed') return refuse('changed');
      if (err instanceof PinError && err.code === 'fp_mismatch') return refuse('mismatch');
      if (err instanceof ApiError && err.status === 404) return refuse('error', t('inviteGone'));
      setStatus(root, errorMessage(err), 'error');
    }
  });
}
