// Reproduces every value of the protocol test vectors (protocol/vectors.json) byte for
// byte with the browser crypto modules. Run: node --test tests/js/
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { hkdf } from '../../webapp/static/js/crypto/aead.js';
import { b64uDecode, b64uEncode, formatRecoveryKey, parseRecoveryKey } from '../../webapp/static/js/crypto/encoding.js';
import {
  contentHash,
  itemHeader,
  newDek,
  openEnvelope,
  openItem,
  openOwnerEnvelope,
  openShareEnvelope,
  ownerEnvelope,
  padPayload,
  sealItem,
  shareEnvelope,
  shareInfo,
  shareWrapKey,
} from '../../webapp/static/js/crypto/envelope.js';
import {
  createAccount,
  importPrivateKey,
  makeBundle,
  newRecovery,
  pkcs8FromRaw,
  publicRawFromPkcs8,
  recoverAccount,
  recoveryAuthKey,
  unlockAccount,
  verifyBundle,
  x25519PublicFromPrivate,
  x25519SharedSecret,
} from '../../webapp/static/js/crypto/identity.js';
import { KDF_FLOOR, deriveAccountSecrets, deriveRecoverySecrets, deriveSalt, normalizeEmail } from '../../webapp/static/js/crypto/kdf.js';
import {
  acceptMessage,
  fingerprint,
  fp16,
  rosterMessage,
  safetyCode,
  safetyNumber,
  verifyRoster,
} from '../../webapp/static/js/crypto/safety.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const VECTORS_PATH = process.env.VALITILA_VECTORS || path.resolve(repoRoot, 'protocol', 'vectors.json');
if (!fs.existsSync(VECTORS_PATH)) {
  // Deliberately not a skip: without the vectors nothing here proves interoperability.
  throw new Error(`protocol test vectors not found at ${VECTORS_PATH} (set VALITILA_VECTORS)`);
}
const V = JSON.parse(fs.readFileSync(VECTORS_PATH, 'utf8'));
const A = V.account;
const S = V.supervisor;
const I = V.item;
const R = V.roster;
const b = (s) => b64uDecode(s);
const hex = (u8) => Buffer.from(u8).toString('hex');

// The single Argon2id (m = 64 MiB) run of this file; everything else reuses it.
let secretsPromise;
const secrets = () =>
  (secretsPromise ??= deriveAccountSecrets({ email: A.email, password: A.password, saltSeed: b(A.salt_seed), kdf: A.kdf }));

const fixedAccount = async () => ({
  saltSeed: b(A.salt_seed),
  ak: b(A.ak),
  x25519Pkcs8: b(A.x25519_private_pkcs8),
  ed25519Pkcs8: b(A.ed25519_private_pkcs8),
  recoveryKey: b(A.recovery_key),
  ivs: {
    wrappedAk: A.wrapped_ak.iv,
    wrappedX25519: A.wrapped_x25519.iv,
    wrappedEd25519: A.wrapped_ed25519.iv,
    recoveryWrappedAk: A.recovery_wrapped_ak.iv,
  },
  secrets: await secrets(),
});

const loginKeys = () => ({
  uid: A.uid,
  salt_seed: A.salt_seed,
  kdf: A.kdf,
  wrapped_ak: A.wrapped_ak,
  wrapped_x25519: A.wrapped_x25519,
  wrapped_ed25519: A.wrapped_ed25519,
  bundle: A.bundle,
});

test('vectors file is complete enough to test', () => {
  for (const k of ['account', 'supervisor', 'safety_number', 'item', 'roster']) assert.ok(V[k], `missing ${k}`);
  assert.deepEqual(A.kdf, { ...KDF_FLOOR });
});

test('§1 email normalisation and salt', async () => {
  assert.equal(normalizeEmail(A.email), A.email_normalized);
  assert.equal(b64uEncode(await deriveSalt(A.email_normalized, b(A.salt_seed))), A.salt);
});

test('§1 root, auth_key, kek (Argon2id m=64MiB t=3 p=1)', async () => {
  const s = await secrets();
  assert.equal(s.emailNormalized, A.email_normalized);
  assert.equal(b64uEncode(s.salt), A.salt);
  assert.equal(b64uEncode(s.root), A.root);
  assert.equal(b64uEncode(s.authKey), A.auth_key);
  assert.equal(b64uEncode(s.kekBytes), A.kek);
  // auth_key and kek are HKDF(root, ...), checked independently of deriveAccountSecrets
  assert.equal(b64uEncode(await hkdf(b(A.root), 'valitila/v1/auth')), A.auth_key);
  assert.equal(b64uEncode(await hkdf(b(A.root), 'valitila/v1/kek')), A.kek);
});

test('§2 public keys and bundle from the private PKCS#8 keys', async () => {
  const x = await publicRawFromPkcs8('X25519', b(A.x25519_private_pkcs8));
  const ed = await publicRawFromPkcs8('Ed25519', b(A.ed25519_private_pkcs8));
  assert.equal(b64uEncode(x), A.bundle.x25519);
  assert.equal(b64uEncode(ed), A.bundle.ed25519);
  const edPriv = await importPrivateKey('Ed25519', b(A.ed25519_private_pkcs8));
  assert.equal(edPriv.extractable, false);
  const bundle = await makeBundle(A.uid, edPriv, x, ed);
  assert.deepEqual(bundle, A.bundle);
  assert.equal(JSON.stringify(bundle), JSON.stringify(A.bundle), 'bundle key order');
  assert.equal(await verifyBundle(A.bundle), true);
  assert.equal(await verifyBundle(A.bundle, A.uid), true);
  assert.equal(await verifyBundle(S.bundle, S.uid), true);
  const sx = await publicRawFromPkcs8('X25519', b(S.x25519_private_pkcs8));
  assert.equal(b64uEncode(sx), S.bundle.x25519);
  // the basepoint trick gives the same public key from a non-extractable private key
  const sPriv = await importPrivateKey('X25519', b(S.x25519_private_pkcs8));
  assert.equal(b64uEncode(await x25519PublicFromPrivate(sPriv)), S.bundle.x25519);
});

test('§1–3 createAccount reproduces the whole registration', async () => {
  const acc = await createAccount({ uid: A.uid, email: A.email, password: A.password, kdf: A.kdf, fixed: await fixedAccount() });
  const reg = acc.registration;
  assert.deepEqual(Object.keys(reg).sort(), [
    'auth_key',
    'bundle',
    'kdf',
    'recovery',
    'salt_seed',
    'uid',
    'wrapped_ak',
    'wrapped_ed25519',
    'wrapped_x25519',
  ]);
  assert.equal(reg.uid, A.uid);
  assert.equal(reg.salt_seed, A.salt_seed);
  assert.deepEqual(reg.kdf, A.kdf);
  assert.equal(reg.auth_key, A.auth_key);
  assert.deepEqual(reg.wrapped_ak, A.wrapped_ak);
  assert.deepEqual(reg.wrapped_x25519, A.wrapped_x25519);
  assert.deepEqual(reg.wrapped_ed25519, A.wrapped_ed25519);
  assert.deepEqual(reg.bundle, A.bundle);
  assert.deepEqual(reg.recovery, { wrapped_ak: A.recovery_wrapped_ak, auth_key: A.recovery_auth_key });
  assert.equal(b64uEncode(acc.recoveryKey), A.recovery_key);
  assert.equal(acc.recoveryDisplay, A.recovery_display);
  for (const k of ['ak', 'x25519', 'ed25519']) assert.equal(acc.keys[k].extractable, false, k);
  assert.deepEqual([...acc.keys.ak.usages].sort(), ['decrypt', 'encrypt']);
  assert.deepEqual(acc.keys.x25519.usages, ['deriveBits']);
  assert.deepEqual(acc.keys.ed25519.usages, ['sign']);
  // JSON round trip: the registration is JSON-ready
  assert.deepEqual(JSON.parse(JSON.stringify(reg)), reg);
  // the AK held by the new session opens the vector's owner envelope
  const dek = await openOwnerEnvelope(acc.keys.ak, I.envelope_owner, I.id, A.uid);
  assert.equal(b64uEncode(dek), I.dek);
});

test('§2 unlockAccount opens the vector account (non-extractable keys)', async () => {
  const s = await secrets();
  const keys = await unlockAccount({ keys: loginKeys(), secrets: { authKey: s.authKey, kekBytes: s.kekBytes } });
  assert.equal(b64uEncode(keys.authKey), A.auth_key);
  for (const k of ['ak', 'x25519', 'ed25519']) assert.equal(keys[k].extractable, false, k);
  assert.equal(b64uEncode(keys.x25519Public), A.bundle.x25519);
  assert.equal(b64uEncode(keys.ed25519Public), A.bundle.ed25519);
  const dek = await openOwnerEnvelope(keys.ak, I.envelope_owner, I.id, A.uid);
  assert.equal(b64uEncode(dek), I.dek);
  // re-wrapping AK through the AK source (unwrapKey → wrapKey) is byte-identical to box()
  const rec = await newRecovery({
    uid: A.uid,
    akSource: keys.akSource,
    fixed: { recoveryKey: b(A.recovery_key), iv: A.recovery_wrapped_ak.iv },
  });
  assert.deepEqual(rec.recovery.wrapped_ak, A.recovery_wrapped_ak);
});

test('§2 fingerprints, fp16, safety codes and safety number', async () => {
  const fpA = await fingerprint(A.bundle);
  const fpS = await fingerprint(S.bundle);
  assert.equal(b64uEncode(fpA), A.fingerprint);
  assert.equal(b64uEncode(fpS), S.fingerprint);
  assert.equal(await fp16(A.bundle), A.fp16);
  assert.equal(safetyCode(fpA), A.safety_code);
  assert.equal(safetyCode(fpS), S.safety_code);
  assert.equal(safetyNumber(A.safety_code, S.safety_code), V.safety_number);
  assert.equal(safetyNumber(S.safety_code, A.safety_code), V.safety_number);
});

test('§3 recovery key display, kek, auth key and wrapped AK', async () => {
  const rk = b(A.recovery_key);
  assert.equal(formatRecoveryKey(rk), A.recovery_display);
  assert.equal(hex(parseRecoveryKey(A.recovery_display)), hex(rk));
  const { recoveryKekBytes, recoveryAuthKey: auth } = await deriveRecoverySecrets(rk);
  assert.equal(b64uEncode(recoveryKekBytes), A.recovery_kek);
  assert.equal(b64uEncode(auth), A.recovery_auth_key);
  assert.equal(await recoveryAuthKey(A.recovery_display.toLowerCase()), A.recovery_auth_key);
  const rec = await newRecovery({ uid: A.uid, akBytes: b(A.ak), fixed: { recoveryKey: rk, iv: A.recovery_wrapped_ak.iv } });
  assert.deepEqual(rec.recovery, { wrapped_ak: A.recovery_wrapped_ak, auth_key: A.recovery_auth_key });
  assert.equal(rec.recoveryDisplay, A.recovery_display);

  const opened = await recoverAccount({
    uid: A.uid,
    recoveryKeyString: A.recovery_display,
    recovery_wrapped_ak: A.recovery_wrapped_ak,
    wrapped_x25519: A.wrapped_x25519,
    wrapped_ed25519: A.wrapped_ed25519,
  });
  assert.equal(opened.recoveryAuthKey, A.recovery_auth_key);
  assert.equal(b64uEncode(opened.x25519Public), A.bundle.x25519);
  assert.equal(b64uEncode(await openOwnerEnvelope(opened.ak, I.envelope_owner, I.id, A.uid)), I.dek);
});

test('§4 item header, padding, sealed, content_hash and sig', async () => {
  const header = itemHeader({ id: I.id, kind: I.kind, rev: I.rev, by: A.uid });
  assert.equal(header, I.header_json);
  assert.equal(padPayload(I.payload).length, I.padded_plaintext_length);
  const signingKey = await importPrivateKey('Ed25519', b(A.ed25519_private_pkcs8));
  const out = await sealItem({
    id: I.id,
    kind: I.kind,
    rev: I.rev,
    by: A.uid,
    payload: I.payload,
    dek: b(I.dek),
    signingKey,
    iv: I.sealed.iv,
  });
  assert.deepEqual(out.sealed, I.sealed);
  assert.equal(JSON.stringify(out.sealed), JSON.stringify(I.sealed), 'sealed key order');
  assert.equal(out.contentHash, I.content_hash);
  assert.equal(out.sig, I.sig);
  assert.equal(b64uEncode(await contentHash(I.sealed)), I.content_hash);
  assert.equal(new TextDecoder().decode(b(I.sealed.h)), I.header_json);
  assert.match(acceptMessage(I.id, I.rev, I.content_hash), /^valitila\/v1\/accept\|c1d2e3f4-[^|]+\|1\|BAJGR82t/);
});

test('§5 owner envelope', async () => {
  const env = await ownerEnvelope(b(A.ak), b(I.dek), I.id, A.uid, I.envelope_owner.iv);
  assert.deepEqual(env, { recipient: A.uid, ...I.envelope_owner });
});

test('§5 share envelope, shared secret and wrap key', async () => {
  const ephRaw = b(I.envelope_share.eph_private);
  const env = await shareEnvelope(b(I.dek), I.id, I.envelope_share.recipient, S.bundle.x25519, {
    ephPrivatePkcs8OrRaw: ephRaw,
    iv: I.envelope_share.iv,
  });
  const { recipient, type, epk, iv, ct } = I.envelope_share;
  assert.deepEqual(env, { recipient, type, epk, iv, ct });
  assert.equal(recipient, S.uid);

  // sender side
  const ephPriv = await importPrivateKey('X25519', pkcs8FromRaw('X25519', ephRaw));
  const shared = await x25519SharedSecret(ephPriv, S.bundle.x25519);
  assert.equal(b64uEncode(shared), I.envelope_share.shared_secret);
  const wk = await shareWrapKey(shared, I.id, S.uid, b(epk), b(S.bundle.x25519));
  assert.equal(b64uEncode(wk), I.envelope_share.wrap_key);
  assert.equal(shareInfo(I.id, S.uid), `valitila/v1/share|${I.id}|${S.uid}`);
  // recipient side
  const sPriv = await importPrivateKey('X25519', b(S.x25519_private_pkcs8));
  assert.equal(b64uEncode(await x25519SharedSecret(sPriv, epk)), I.envelope_share.shared_secret);
  // same envelope via PKCS#8 input
  const env2 = await shareEnvelope(b(I.dek), I.id, S.uid, S.bundle.x25519, {
    ephPrivatePkcs8OrRaw: pkcs8FromRaw('X25519', ephRaw),
    iv: I.envelope_share.iv,
  });
  assert.deepEqual(env2, env);
});

test('§4–5 round trips: open the item as owner and as the supervisor', async () => {
  const item = { id: I.id, kind: I.kind, rev: I.rev, author: A.uid, sealed: I.sealed, sig: I.sig };
  const ownerDek = await openOwnerEnvelope(b(A.ak), { recipient: A.uid, ...I.envelope_owner }, I.id, A.uid);
  assert.deepEqual(await openItem({ item, dek: ownerDek, authorEd25519: A.bundle.ed25519 }), I.payload);

  const sPriv = await importPrivateKey('X25519', b(S.x25519_private_pkcs8));
  const shareEnv = { recipient: S.uid, type: 'x25519', epk: I.envelope_share.epk, iv: I.envelope_share.iv, ct: I.envelope_share.ct };
  const sDek = await openShareEnvelope(sPriv, shareEnv, I.id, S.uid);
  assert.equal(b64uEncode(sDek), I.dek);
  assert.deepEqual(await openItem({ item, dek: sDek, authorEd25519: b(A.bundle.ed25519) }), I.payload);

  // dispatch by type
  const viaDispatch = await openEnvelope({ ak: null, x25519: sPriv, x25519Public: b(S.bundle.x25519) }, shareEnv, I.id, S.uid);
  assert.equal(b64uEncode(viaDispatch), I.dek);
  const akKey = await (await import('../../webapp/static/js/crypto/aead.js')).importAesKey(b(A.ak));
  const viaDispatch2 = await openEnvelope({ ak: akKey, x25519: null }, I.envelope_owner, I.id, A.uid);
  assert.equal(b64uEncode(viaDispatch2), I.dek);
  assert.equal(newDek().length, 32);
});

test('§6 roster message and supervisor signature', async () => {
  assert.equal(rosterMessage(R.process, R.epoch, R.members), R.message);
  assert.equal(rosterMessage(R.process, R.epoch, [...R.members].reverse()), R.message, 'members are sorted by uid');
  assert.equal(R.members.find((m) => m.uid === A.uid).fp, await fp16(A.bundle));
  assert.equal(R.members.find((m) => m.uid === S.uid).fp, await fp16(S.bundle));
  assert.equal(await verifyRoster(R.message, R.sig_by_supervisor, S.bundle.ed25519), true);
  assert.equal(await verifyRoster(R.message, R.sig_by_supervisor, A.bundle.ed25519), false);
  assert.equal(await verifyRoster(R.message.replace('|2|', '|3|'), R.sig_by_supervisor, S.bundle.ed25519), false);
});
