// data-js-unsent: the changes this device wrote that the server refused for good (an op of
// the outbox with an error: the process ended, the item was accepted meanwhile...). Sending
// them again cannot help, and their text exists only here: each is opened with the device's
// keys (the queued sealed body, its own envelope or the device's copy's), shown read-only to
// copy out, and removed from the device on request.
import { t } from '../../i18n.js';
import * as mirror from '../../mirror.js';
import * as outbox from '../../outbox.js';
import { openPayload } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { confirmThen, copyText, setStatus } from '../../ui.js';

const KINDS = {
  entry: 'unsentEntry',
  response: 'unsentResponse',
  evaluation: 'unsentEvaluation',
  checkin: 'unsentCheckin',
  topic: 'unsentTopic',
};

const REASONS = {
  process_ended: 'unsentEnded',
  evaluation_accepted: 'unsentAccepted',
  revision_accepted: 'unsentAccepted',
};

/** The words of a payload (untrusted JSON) as plain text: every string and number in it,
 *  in order, one paragraph each. */
export function payloadText(payload) {
  const parts = [];
  const walk = (value) => {
    if (typeof value === 'string') {
      if (value.trim()) parts.push(value.trim());
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      parts.push(String(value));
    } else if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === 'object') {
      Object.values(value).forEach(walk);
    }
  };
  walk(payload);
  return parts.join('\n\n');
}

/** The refused changes, one per item (its newest queued body), oldest first. */
export async function refused(uid) {
  const ops = await outbox.pending(uid);
  const failedIds = [...new Set(ops.filter((op) => op.error).map((op) => op.id))];
  return failedIds.map((id) => {
    const mine = ops.filter((op) => op.id === id);
    const error = /** @type {any} */ (mine.find((op) => op.error)).error;
    const latest = mine.filter((op) => op.op === 'put' && op.body).at(-1) ?? null;
    return { id, error, op: latest };
  });
}

async function openOp(op, keys, uid) {
  const local = await mirror.get(op.id);
  const own = op.body.envelopes?.find((env) => env.recipient === uid);
  const item = {
    ...(local || { id: op.id, kind: op.body.kind, author: uid }),
    rev: op.rev,
    sealed: op.body.sealed,
    sig: op.body.sig,
    envelope: own || local?.envelope,
  };
  return openPayload(item, keys, uid); // the payload only: no DEK is handed back
}

export default async function unsent(root) {
  const uid = currentUid();
  const list = /** @type {HTMLElement} */ (root.querySelector('[data-unsent-list]'));
  const empty = /** @type {HTMLElement} */ (root.querySelector('[data-unsent-empty]'));
  const rowTemplate = /** @type {HTMLTemplateElement} */ (root.querySelector('[data-unsent-row]'));
  const dialog = /** @type {HTMLDialogElement} */ (root.querySelector('[data-remove-dialog]'));
  if (!uid) return;
  const keys = await requireKeys();
  if (!keys) return;
  const changes = await refused(uid);
  for (const [index, change] of changes.entries()) {
    const row = /** @type {HTMLElement} */ (/** @type {DocumentFragment} */ (rowTemplate.content.cloneNode(true)).firstElementChild);
    row.dataset.item = change.id;
    const field = (name) => /** @type {HTMLElement} */ (row.querySelector(`[data-field=${name}]`));
    const kind = change.op?.body?.kind;
    field('kind').textContent = t(KINDS[kind] ?? 'unsentOther');
    field('reason').textContent = t(REASONS[change.error?.code] ?? 'unsentRefused');
    const text = /** @type {HTMLTextAreaElement} */ (field('text'));
    text.id = `unsent-text-${index + 1}`;
    field('text-label').setAttribute('for', text.id);
    const copy = /** @type {HTMLButtonElement} */ (row.querySelector('[data-copy]'));
    try {
      text.value = change.op ? payloadText(await openOp(change.op, keys, uid)) : '';
    } catch (err) {
      console.error('a refused change could not be opened', err);
      text.value = t('decryptFailed');
    }
    text.hidden = copy.hidden = !text.value;
    copy.addEventListener('click', async () => {
      setStatus(root, (await copyText(text)) ? t('textCopied') : t('textCopyFailed'), 'ok');
    });
    /** @type {HTMLButtonElement} */ (row.querySelector('[data-remove]')).addEventListener('click', () => {
      confirmThen(dialog, t('saving'), async () => {
        await outbox.resolve(uid, change.id);
        await mirror.forget(change.id); // the device's copy held the refused version
      }, () => {
        row.remove();
        empty.hidden = Boolean(list.querySelector('[data-unsent]'));
        setStatus(root, t('unsentRemoved'), 'ok');
      });
    });
    list.append(row);
  }
  empty.hidden = changes.length > 0;
  setStatus(root, '');
}
