// data-js-share-panel: an entry's share panel (templates/sharing/_panel.html). Shares the
// entry with the supervisor of the chosen process for the chosen time (sharing.js), stops a
// share, and — when the server says a reader lost access (data-rekey-due) — rotates the
// entry's key first. After a change the panel is loaded again from the server.
import { t } from '../../i18n.js';
import { PinError } from '../../pins.js';
import { currentUid, requireKeys } from '../../session.js';
import { nextSessionEnd, revoke, rotateIfDue, shareExpiry, shareItem } from '../../sharing.js';
import { errorMessage, fieldError, setStatus } from '../../ui.js';
import { timeZone } from '../../zone.js';

/** Load the panel again (htmx swaps it in; its behaviours attach again). */
function reload(panel) {
  const htmx = /** @type {any} */ (window).htmx;
  return htmx.ajax('GET', panel.dataset.panelUrl, { target: panel, swap: 'outerHTML' });
}

export default async function sharePanel(panel) {
  const itemId = panel.dataset.item;
  const form = /** @type {HTMLFormElement|null} */ (panel.querySelector('[data-share-form]'));
  const me = { keys: null, uid: currentUid() };
  const ready = async () => {
    me.keys ??= await requireKeys();
    return me.keys;
  };
  if (form) wireForm(panel, form, itemId, me, ready);
  for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (panel.querySelectorAll('[data-revoke]'))) {
    button.addEventListener('click', async () => {
      button.disabled = true;
      if (!(await ready())) return;
      try {
        await revoke(itemId, button.dataset.revoke, me);
        await reload(panel);
      } catch (err) {
        button.disabled = false;
        setStatus(panel, errorMessage(err), 'error');
      }
    });
  }
  if (panel.dataset.rekeyDue === 'true') {
    if (!(await ready())) return;
    try {
      if ((await rotateIfDue(itemId, me)) === 'rotated') await reload(panel);
    } catch (err) {
      console.warn('key rotation left for the next open', err);
    }
  }
}

function wireForm(panel, form, itemId, me, ready) {
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const sessionRadio = /** @type {HTMLInputElement} */ (form.querySelector('#share-until-session'));
  const sessionDate = form.querySelector('[data-session-date]');
  const days = /** @type {HTMLInputElement} */ (form.querySelector('#share-days'));
  const warning = /** @type {HTMLElement} */ (form.querySelector('[data-key-changed]'));
  const chosen = () => /** @type {HTMLInputElement|null} */ (form.querySelector('input[name=process]:checked'));
  const frameOf = (radio) => {
    try {
      return JSON.parse(radio?.dataset.frame || 'null');
    } catch {
      return null;
    }
  };
  // "Until the end of the next session" only where the frame says when that is.
  const showSession = () => {
    const end = nextSessionEnd(frameOf(chosen()));
    sessionRadio.disabled = !end;
    if (!end && sessionRadio.checked) /** @type {HTMLInputElement} */ (form.querySelector('#share-until-revoked')).checked = true;
    const day = end ? new Date(end.getTime() - 1) : null;
    sessionDate.textContent = day ? `(${day.toLocaleDateString(document.documentElement.lang || undefined, { timeZone: timeZone() })})` : `(${t('noSessionPlanned')})`;
  };
  form.addEventListener('change', showSession);
  // Another process chosen: "bring" as its current share has it (sharing again keeps it),
  // and the button says whether it shares or changes a share that is there.
  const labels = /** @type {[HTMLElement, HTMLElement]} */ ([submit.querySelector('[data-label-share]'), submit.querySelector('[data-label-update]')]);
  const keep = /** @type {HTMLElement} */ (form.querySelector('[data-keep-choice]'));
  const keepText = /** @type {HTMLElement} */ (form.querySelector('[data-keep-text]'));
  form.addEventListener('change', (event) => {
    const radio = /** @type {HTMLInputElement} */ (event.target);
    if (radio.name !== 'process') return;
    /** @type {HTMLInputElement} */ (form.querySelector('#share-bring')).checked = radio.dataset.bring === 'true';
    const again = radio.dataset.shared === 'true';
    labels[0].hidden = again;
    labels[1].hidden = !again;
    // A share there already keeps its time unless another is picked (never quietly made
    // open-ended); a new one starts from "until I stop sharing".
    keep.hidden = !again;
    keepText.textContent = again ? radio.dataset.keepLabel || '' : '';
    const checked = /** @type {HTMLInputElement|null} */ (form.querySelector('input[name=duration]:checked'));
    if (again) /** @type {HTMLInputElement} */ (keep.querySelector('input')).checked = true;
    else if (!checked || checked.value === 'keep') /** @type {HTMLInputElement} */ (form.querySelector('#share-until-revoked')).checked = true;
  });
  days.addEventListener('focus', () => {
    /** @type {HTMLInputElement} */ (form.querySelector('#share-for-days')).checked = true;
  });
  showSession();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    warning.hidden = true;
    const radio = chosen();
    const duration = /** @type {HTMLInputElement} */ (form.querySelector('input[name=duration]:checked')).value;
    const count = Number(days.value);
    if (duration === 'days' && !(Number.isInteger(count) && count >= 1 && count <= 365)) {
      fieldError(days, t('shareDaysInvalid'));
      return;
    }
    submit.disabled = true;
    setStatus(form, t('sharing'), 'busy');
    try {
      if (!(await ready())) return;
      await rotateIfDue(itemId, me); // a reader who lost access must not get the new text
      const expiresAt =
        duration === 'keep' ? radio.dataset.expires || null : shareExpiry(/** @type {any} */ (duration), { frame: frameOf(radio), days: count });
      await shareItem({
        itemId, recipient: radio.dataset.supervisor, process: radio.value, expiresAt,
        bring: /** @type {HTMLInputElement} */ (form.querySelector('#share-bring')).checked,
      }, me);
      setStatus(form, t('shared'), 'ok');
      await reload(panel);
    } catch (err) {
      submit.disabled = false;
      if (err instanceof PinError && err.code === 'changed') {
        /** @type {HTMLAnchorElement} */ (warning.querySelector('[data-safety-link]')).href = `/people/${radio.dataset.supervisor}/safety`;
        warning.hidden = false;
        setStatus(form, t('keyChangedNotShared'), 'error');
      } else {
        setStatus(form, errorMessage(err), 'error');
      }
    }
  });
}
