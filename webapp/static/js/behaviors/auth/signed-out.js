// data-js-signed-out (on <body> of pages the server rendered for a visitor without a
// session): if this device still holds unlocked keys — the session ended elsewhere, e.g.
// "sign out everywhere" or a password change on another device — drop them at once.
// The wrapped keys, the sealed mirror and unsent changes stay, so nothing is lost; the
// password is needed again to open anything.
import * as keystore from '../../keystore.js';

export default async function signedOut() {
  const account = await keystore.account();
  if (account && (await keystore.unlockedKeys(account.uid))) await keystore.lock();
}
