// data-js-support: tell the user plainly when the browser lacks what the encryption needs.
import { t } from '../../i18n.js';

export default async function support(el) {
  let ok = Boolean(globalThis.crypto?.subtle && globalThis.indexedDB && globalThis.WebAssembly);
  if (ok) {
    try {
      await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
      await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    el.textContent = t('unsupported');
    el.hidden = false;
  }
}
