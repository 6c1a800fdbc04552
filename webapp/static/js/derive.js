// Password → {authKey, kekBytes} (PROTOCOL §1) in a Web Worker, with a main-thread fallback.
import { deriveAccountSecrets } from './crypto/kdf.js';
import { b64uDecode } from './crypto/encoding.js';

/** Derive the account secrets for `email` and `password` with the server's salt seed/KDF. */
export async function deriveSecrets({ email, password, saltSeed, kdf }) {
  const seed = typeof saltSeed === 'string' ? b64uDecode(saltSeed, 16) : saltSeed;
  const input = { email, password, saltSeed: seed, kdf };
  if (typeof Worker === 'function') {
    try {
      return await inWorker(input);
    } catch (err) {
      if (err?.fromWorker) throw err;
      /* workers unavailable: derive on this thread */
    }
  }
  const { authKey, kekBytes } = await deriveAccountSecrets(input);
  return { authKey, kekBytes };
}

/** The worker's URL: the built worker (content-hashed name) in the build, where
 *  scripts/build.mjs defines import.meta.kdfWorker; in the source (tests, development without
 *  a build) it is unset and the worker module is kdf-worker.js. */
const workerUrl = () =>
  new URL(/** @type {{url: string, kdfWorker?: string}} */ (import.meta).kdfWorker ?? './kdf-worker.js', import.meta.url);

function inWorker(input) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl(), { type: 'module' });
    worker.onmessage = (event) => {
      worker.terminate();
      if (event.data.ok) resolve(event.data);
      else reject(Object.assign(new Error(event.data.message), { code: event.data.code, fromWorker: true }));
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      worker.terminate();
      reject(new Error('worker failed'));
    };
    worker.postMessage(input);
  });
}
