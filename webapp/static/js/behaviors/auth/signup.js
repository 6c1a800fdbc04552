// data-js-signup: make every key in the browser (PROTOCOL §1–3), register, then make sure
// the user saved the recovery key before going on.
import { api, setCsrfToken } from '../../api.js';
import { checkInvite, forgetInvite, rememberedFp } from '../../join-invite.js';
import { PinError, pinFromInvite } from '../../pins.js';
import { createAccount } from '../../crypto/identity.js';
import { deriveSecrets } from '../../derive.js';
import { KDF_FLOOR } from '../../crypto/kdf.js';
import { randomBytes } from '../../crypto/encoding.js';
import { t } from '../../i18n.js';
import * as keystore from '../../keystore.js';
import { newPassword } from '../../passwords.js';
import { confirmRecoveryKey } from '../../recovery-key.js';
import { clearErrors, errorMessage, fieldError, go, nextFrame, setStatus } from '../../ui.js';
import { focusFirstError, validateForm } from '../../validate.js';

function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export default function signup(root) {
  const form = root.querySelector('[data-signup-form]');
  // Signing up from an invite link (/signup?invite=<token>, the link's #fp= kept in this tab
  // by the join page): the supervisor's key is checked against it before anything is made.
  const inviteToken = new URLSearchParams(window.location.search).get('invite');
  const button = form.querySelector('[type=submit]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const email = form.elements.email.value.trim();
    const displayName = form.elements.display_name.value.trim();
    const valid = validateForm(form, { focus: false });
    // The button goes off before the password's strength is estimated (the estimator may
    // still be loading): a second tap meanwhile would register a second time.
    button.disabled = true;
    const password = await newPassword(form, '', [email, displayName]);
    if (!valid || password === null) {
      button.disabled = false;
      return void focusFirstError(form);
    }
    setStatus(form, t('creatingKeys'), 'busy');
    await nextFrame();
    try {
      let invite = null;
      const inviteFp = inviteToken ? rememberedFp(inviteToken) : null;
      if (inviteToken) {
        if (!inviteFp) throw new PinError('fp_mismatch', 'no fp kept for this invite');
        invite = await checkInvite(inviteToken, inviteFp);
      }
      const uid = uuid4();
      const saltSeed = randomBytes(16);
      const secrets = await deriveSecrets({ email, password, saltSeed, kdf: KDF_FLOOR });
      const account = await createAccount({ uid, email, password, fixed: { saltSeed, secrets } });
      const res = await api('POST', '/auth/register', {
        ...account.registration,
        email,
        display_name: displayName,
        locale: document.documentElement.lang || 'fi', // the page's language (footer)
        is_supervisor: form.elements.is_supervisor.checked,
        ...(invite ? { invite: inviteToken } : {}),
      });
      setCsrfToken(res.csrf_token);
      const keys = { ...account.registration, bundle: account.bundle };
      delete keys.auth_key;
      delete keys.recovery;
      await keystore.saveSession({ uid, email, keys, unlocked: account.keys });
      if (invite) {
        // Joined in the same request: pin the key that was checked against the link.
        try {
          await pinFromInvite(invite.supervisor.uid, invite.supervisor.bundle, inviteFp);
          forgetInvite(inviteToken);
        } catch (err) {
          console.error('pinning the supervisor failed', err); // pinned on the first share
        }
      }
      setStatus(form, '', 'ok');
      form.hidden = true;
      root.hidden = true;
      await confirmRecoveryKey(document.querySelector('[data-recovery]'), account.recoveryDisplay, email, account.registration.recovery.auth_key);
      go(invite ? `/processes/${invite.process.id}` : root.dataset.next);
    } catch (err) {
      button.disabled = false;
      setStatus(form, '', '');
      if (err?.code === 'email_taken') fieldError(form.elements.email, t('emailTaken'));
      else if (err instanceof PinError) setStatus(form, t(rememberedFp(inviteToken) ? 'inviteMismatch' : 'inviteIncomplete'), 'error');
      else if (err?.code === 'invite_not_found') setStatus(form, t('inviteGone'), 'error');
      else setStatus(form, errorMessage(err), 'error');
    }
  });
}
