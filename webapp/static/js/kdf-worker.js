// Runs Argon2id off the main thread so the page stays responsive while keys are derived.
import { deriveAccountSecrets } from './crypto/kdf.js';

self.onmessage = async (event) => {
  try {
    const { authKey, kekBytes, root } = await deriveAccountSecrets(event.data);
    root?.fill?.(0);
    self.postMessage({ ok: true, authKey, kekBytes });
  } catch (err) {
    self.postMessage({ ok: false, code: err?.code || 'error', message: String(err?.message || err) });
  }
};
