// A signed-in page starts reading its keys from IndexedDB as soon as this small module has
// loaded: it is an async module in the page's <head> (base.html), so it runs while the HTML
// is still being parsed, not when app.js runs after the whole page and its behaviours' files
// (keystore.prefetch: one read transaction, taken over by the first get() of each key).
import { prefetch } from './keystore.js';

if (document.querySelector('meta[name="valitila-user"]')) prefetch(['unlocked', 'account', 'activity']);
