// The registry: data-js-<name> → behaviour(element). One file per hook.
import changePassword from './change-password.js';
import compose from './compose.js';
import deleteItem from './delete.js';
import idleLock from './idle-lock.js';
import journalSearch from './journal-search.js';
import localJournal from './local-journal.js';
import localtime from './localtime.js';
import login from './login.js';
import logout from './logout.js';
import offline from './offline.js';
import outboxStatus from './outbox-status.js';
import passwordStrength from './password-strength.js';
import pwa from './pwa.js';
import recover from './recover.js';
import sealed from './sealed.js';
import signedOut from './signed-out.js';
import signup from './signup.js';
import support from './support.js';
import unlock from './unlock.js';

export const behaviors = {
  'change-password': changePassword,
  compose,
  delete: deleteItem,
  'idle-lock': idleLock,
  'journal-search': journalSearch,
  'local-journal': localJournal,
  localtime,
  login,
  logout,
  offline,
  'outbox-status': outboxStatus,
  'password-strength': passwordStrength,
  pwa,
  recover,
  sealed,
  'signed-out': signedOut,
  signup,
  support,
  unlock,
};
