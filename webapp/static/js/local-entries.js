// The user's entries from the device's sealed mirror, opened in memory (never stored open).
import * as mirror from './mirror.js';
import { openSealed } from './sealed-items.js';

/** [{item, payload}] newest first; entries that fail to open are left out. */
export async function openMirror(uid, keys) {
  const items = await mirror.list(uid, 'entry');
  const opened = await Promise.all(
    items.map(async (item) => {
      try {
        return { item, payload: (await openSealed(item, keys, uid)).payload };
      } catch {
        return null;
      }
    }),
  );
  return opened.filter(Boolean);
}
