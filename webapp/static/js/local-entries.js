// The user's entries from the device's sealed mirror, opened in memory (never stored open).
import * as mirror from './mirror.js';
import { openSealed } from './sealed-items.js';

/**
 * The user's own items among mirrored ones: the mirror also keeps what others shared with the
 * user (a supervisor's copy of a supervisee's shared entry), which is not their journal.
 * @param {any[]} items mirrored items in the API's form @param {string} uid
 * @returns {any[]}
 */
export const ownItems = (items, uid) => items.filter((item) => item.author === uid);

/** [{item, payload}] newest first, the user's own only; entries that fail to open are left out. */
export async function openMirror(uid, keys) {
  const items = ownItems(await mirror.list(uid, 'entry'), uid);
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
