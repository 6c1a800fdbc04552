// The registry: data-js-<name> → behaviour(element). One file per hook.
import changePassword from './account/change-password.js';
import compose from './journal/compose.js';
import deleteItem from './journal/delete.js';
import idleLock from './auth/idle-lock.js';
import journalSearch from './journal/journal-search.js';
import localJournal from './journal/local-journal.js';
import localtime from './common/localtime.js';
import login from './auth/login.js';
import logout from './auth/logout.js';
import offline from './pwa/offline.js';
import outboxStatus from './pwa/outbox-status.js';
import passwordStrength from './common/password-strength.js';
import pwa from './pwa/pwa.js';
import recover from './auth/recover.js';
import sealed from './journal/sealed.js';
import signedOut from './auth/signed-out.js';
import signup from './auth/signup.js';
import support from './common/support.js';
import unlock from './auth/unlock.js';

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
