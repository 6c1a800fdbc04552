// The registry: data-js-<name> → behaviour(element). One file per hook.
import changePassword from './change-password.js';
import compose from './compose.js';
import deleteItem from './delete.js';
import idleLock from './idle-lock.js';
import localtime from './localtime.js';
import login from './login.js';
import logout from './logout.js';
import passwordStrength from './password-strength.js';
import recover from './recover.js';
import sealed from './sealed.js';
import signup from './signup.js';
import support from './support.js';
import unlock from './unlock.js';

export const behaviors = {
  'change-password': changePassword,
  compose,
  delete: deleteItem,
  'idle-lock': idleLock,
  localtime,
  login,
  logout,
  'password-strength': passwordStrength,
  recover,
  sealed,
  signup,
  support,
  unlock,
};
