"""Looking into a browser "device" from a test: what IndexedDB, Cache Storage and Web Storage
hold (each alone, or all at once for the no-plaintext proof), the app's translated script
strings, and seeding entries with the app's own modules.

Everything here runs inside the page with `page.evaluate`, so it sees exactly what the app
stored on the device. Nothing here changes the app's state except `seed_entries`."""
from __future__ import annotations

from playwright.sync_api import Page

DB_NAME = "valitila"
STORE = "device"

# A JSON-safe picture of any structured-clone value: CryptoKeys (which cannot be serialised)
# become a description, byte arrays become their UTF-8 text as well as their length, so a
# plaintext marker stored as bytes is still found by a substring search.
_DESCRIBE = """
function describe(value, depth = 0) {
  if (depth > 12) return '<deep>';
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return String(value);
  if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey) {
    return {cryptoKey: true, type: value.type, algorithm: value.algorithm.name,
            extractable: value.extractable, usages: value.usages};
  }
  if (value instanceof ArrayBuffer) value = new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return {bytes: bytes.length, text: new TextDecoder('utf-8', {fatal: false}).decode(bytes)};
  }
  if (value instanceof Blob) return {blob: value.size, type: value.type};
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) value = Object.fromEntries(value);
  if (value instanceof Set) value = [...value];
  if (Array.isArray(value)) return value.map((v) => describe(v, depth + 1));
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = describe(v, depth + 1);
  return out;
}
"""


def idb_databases(page: Page) -> list[str]:
    """Names of the IndexedDB databases of the page's origin."""
    return page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")


def idb_dump(page: Page) -> dict:
    """{database: {store: {key: described value}}} for every IndexedDB database of the origin.
    Only databases that exist are opened (opening a missing one would create it)."""
    return page.evaluate("""async () => {""" + _DESCRIBE + """
      const result = {};
      for (const {name, version} of await indexedDB.databases()) {
        const db = await new Promise((resolve, reject) => {
          const request = indexedDB.open(name, version);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        result[name] = {};
        for (const storeName of db.objectStoreNames) {
          const store = db.transaction(storeName, 'readonly').objectStore(storeName);
          const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()]
            .map((request) => new Promise((resolve, reject) => {
              request.onsuccess = () => resolve(request.result);
              request.onerror = () => reject(request.error);
            })));
          result[name][storeName] = Object.fromEntries(
            keys.map((key, i) => [String(key), describe(values[i])]));
        }
        db.close();
      }
      return result;
    }""")


def idb_value(page: Page, key: str):
    """The described value under `key` in the app's store, or None when absent."""
    dump = idb_dump(page)
    return dump.get(DB_NAME, {}).get(STORE, {}).get(key)


def cache_dump(page: Page) -> dict:
    """{cache name: {request url: response text}} of the origin's Cache Storage."""
    return page.evaluate("""async () => {
      const out = {};
      if (!globalThis.caches) return out;
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        out[name] = {};
        for (const request of await cache.keys()) {
          const response = await cache.match(request);
          out[name][request.url] = response ? await response.text() : null;
        }
      }
      return out;
    }""")


def web_storage(page: Page) -> dict:
    return page.evaluate("""() => ({
      local: Object.fromEntries(Object.entries(localStorage)),
      session: Object.fromEntries(Object.entries(sessionStorage)),
    })""")


def device_dump(page: Page) -> dict:
    """Everything the page's origin keeps on the device: {"indexeddb": idb_dump, "caches":
    cache_dump, "storage": web_storage}. The no-plaintext proof searches it for the marker."""
    return {"indexeddb": idb_dump(page), "caches": cache_dump(page), "storage": web_storage(page)}


def js_string(page: Page, key: str) -> str:
    """A translated script string of the current page (from <body data-i18n>)."""
    value = page.evaluate("(key) => JSON.parse(document.body.dataset.i18n || '{}')[key]", key)
    assert value, f"no script string {key!r} on {page.url}"
    return value


def seed_entries(page: Page, titles_and_bodies: list[tuple[str, str]]) -> list[str]:
    """Create entries from the signed-in page exactly as the compose behaviour does (the app's
    own envelope, keystore and api modules; one PUT per entry, oldest first). Returns ids."""
    return page.evaluate("""async (entries) => {
      const { unlockedKeys } = await import('/static/js/keystore.js');
      const { newDek, ownerEnvelope, sealItem } = await import('/static/js/crypto/envelope.js');
      const { api } = await import('/static/js/api.js');
      const uid = document.querySelector('meta[name="valitila-user"]').content;
      const keys = await unlockedKeys(uid);
      if (!keys) throw new Error('the page has no unlocked keys');
      const ids = [];
      for (const [title, body] of entries) {
        const id = crypto.randomUUID();
        const dek = newDek();
        const sealed = await sealItem({ id, kind: 'entry', rev: 1, by: uid,
          payload: { title, body, tags: [] }, dek, signingKey: keys.ed25519 });
        const envelopes = [await ownerEnvelope(keys.ak, dek, id, uid)];
        await api('PUT', `/items/${id}`, { kind: 'entry', rev: 1, sealed: sealed.sealed,
          sig: sealed.sig, envelopes });
        ids.push(id);
      }
      return ids;
    }""", [list(pair) for pair in titles_and_bodies])
