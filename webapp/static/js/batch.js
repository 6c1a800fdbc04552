// Behaviours that work per batch of elements. app.js attaches a behaviour to every element of
// a page (or of a fragment htmx swapped in) one microtask after another; a batched behaviour
// only queues its element, and its work runs once, queued behind them, for the whole batch:
// the keys are read once, the items are opened together, the page is written in one go.
//
// Library code: no behaviour is imported here (behaviours import this).
import { requireKeys } from './session.js';

/**
 * A behaviour that gathers the elements attached together and hands them to `work` at once.
 * Each call returns the promise of its batch's work.
 * @param {(batch: HTMLElement[]) => Promise<void>} work
 * @returns {(el: HTMLElement) => Promise<void>}
 */
export function batched(work) {
  /** @type {HTMLElement[]} */
  let queued = [];
  /** @type {Promise<void> | null} */
  let flushing = null;
  const flush = () => {
    const batch = queued;
    queued = [];
    flushing = null;
    return work(batch);
  };
  return (el) => {
    queued.push(el);
    flushing ??= Promise.resolve().then(flush);
    return flushing;
  };
}

/**
 * A batched behaviour that reads the keys once per batch and opens each element with them;
 * it does nothing while the keys are locked (the page is then on its way to the unlock page).
 * @param {(el: HTMLElement, keys: any) => Promise<void>} openOne
 * @returns {(el: HTMLElement) => Promise<void>}
 */
export function openedWithKeys(openOne) {
  return batched(async (batch) => {
    const keys = await requireKeys();
    if (!keys) return;
    await Promise.all(batch.map((el) => openOne(el, keys)));
  });
}
