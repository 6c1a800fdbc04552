// Negative and round-trip tests of the browser crypto modules. Run: node --test tests/js/
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { box, hkdf, importAesKey, sha256, unbox } from '../../webapp/static/js/crypto/aead.js';
import {
  ProtocolError,
  b64uDecode,
  b64uEncode,
  base32Decode,
  base32Encode,
  concatBytes,
  formatRecoveryKey,
  parseRecoveryKey,
  randomBytes,
  utf8Decode,
  utf8Encode,
} from '../../webapp/static/js/crypto/encoding.js';
import {
  contentHash,
  newDek,
  openEnvelope,
  openEnvelopeKey,
  openItem,
  openOwnerEnvelope,
  openShareEnvelope,
  ownerEnvelope,
  padPayload,
  sealItem,
  shareEnvelope,
} from '../../webapp/static/js/crypto/envelope.js';
import {
  createAccount,
  ed25519Sign,
  makeBundle,
  newPasswordSecrets,
  newRecovery,
  recoverAccount,
  recoveryAuthKey,
  unlockAccount,
  unwrapWithAk,
  verifyBundle,
} from '../../webapp/static/js/crypto/identity.js';
import { KDF_FLOOR, checkKdf, deriveAccountSecrets, deriveRoot, deriveSalt, normalizeEmail } from '../../webapp/static/js/crypto/kdf.js';
import {
  acceptMessage,
  fingerprint,
  rosterMessage,
  safetyCode,
  safetyNumber,
  signAcceptance,
  signRoster,
  verifyAcceptance,
  verifyRoster,
} from '../../webapp/static/js/crypto/safety.js';

const UID_A = '11111111-2222-4333-8444-555555555555';
const UID_B = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const ITEM = '0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718293';
const PROC = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

/** assert.rejects/throws matcher for a ProtocolError with the given code */
const code = (c) => (err) => {
  assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${err}`);
  assert.equal(err.code, c, err.message);
  return true;
};

/** flips one bit of a b64u value */
const flip = (s, byte = 0) => {
  const u = b64uDecode(s);
  u[byte] ^= 1;
  return b64uEncode(u);
};

/** an in-memory identity without Argon2 (keys from createAccount's building blocks) */
async function quickIdentity(uid) {
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const xPub = new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey));
  const edPub = new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey));
  const bundle = await makeBundle(uid, ed.privateKey, xPub, edPub);
  return { uid, x25519: x.privateKey, ed25519: ed.privateKey, x25519Public: xPub, bundle };
}

describe('encoding', () => {
  test('b64u round trip matches Node base64url', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = randomBytes(n);
      const s = b64uEncode(bytes);
      assert.equal(s, Buffer.from(bytes).toString('base64url'));
      assert.deepEqual(b64uDecode(s), bytes);
      assert.equal(b64uDecode(s, n).length, n);
    }
  });

  test('b64uDecode is strict', () => {
    for (const bad of ['AA==', 'AA=', 'A+B/', 'ab cd', 'abc\n', 'A', 'AAAAA', 'é', 'AB', 'AAB', 'AAAAAB', 'AAA\x7f', 'AĀAA', 'AA\u0141', 'AAAA\uD83D\uDE00']) {
      assert.throws(() => b64uDecode(bad), code('bad_encoding'), bad);
    }
    assert.throws(() => b64uDecode(null), code('bad_encoding'));
    assert.throws(() => b64uDecode(12), code('bad_encoding'));
    assert.deepEqual(b64uDecode(''), new Uint8Array(0));
    assert.deepEqual(b64uDecode('AA'), new Uint8Array([0]));
    assert.deepEqual(b64uDecode('AAE'), new Uint8Array([0, 1]));
    assert.throws(() => b64uDecode('AAAA', 4), code('bad_length'));
    // The first character outside the alphabet is the one reported.
    assert.throws(() => b64uDecode('AB!D*F'), (err) => code('bad_encoding')(err) && /position 2/.test(err.message));
    assert.throws(() => b64uDecode('ABC\u0100'), (err) => code('bad_encoding')(err) && /position 3/.test(err.message));
  });

  test('base32 RFC 4648 vectors and strictness', () => {
    const cases = { '': '', f: 'MY', fo: 'MZXQ', foo: 'MZXW6', foob: 'MZXW6YQ', fooba: 'MZXW6YTB', foobar: 'MZXW6YTBOI' };
    for (const [plain, enc] of Object.entries(cases)) {
      assert.equal(base32Encode(utf8Encode(plain)), enc);
      assert.equal(utf8Decode(base32Decode(enc)), plain);
    }
    assert.throws(() => base32Decode('MZ'), code('bad_encoding')); // non-canonical trailing bits
    assert.throws(() => base32Decode('mzxq'), code('bad_encoding'));
    assert.throws(() => base32Decode('MY======'), code('bad_encoding'));
  });

  test('utf8Decode rejects malformed UTF-8; concatBytes checks types', () => {
    assert.throws(() => utf8Decode(new Uint8Array([0xc3, 0x28])), code('bad_encoding'));
    assert.throws(() => utf8Decode(new Uint8Array([0xff])), code('bad_encoding'));
    assert.equal(utf8Decode(utf8Encode('Välitila ✓')), 'Välitila ✓');
    assert.deepEqual(concatBytes(new Uint8Array([1]), new Uint8Array([2, 3])), new Uint8Array([1, 2, 3]));
    assert.throws(() => concatBytes([1, 2]), code('bad_input'));
  });

  test('recovery keys: tolerant parsing', () => {
    const rk = randomBytes(32);
    const disp = formatRecoveryKey(rk);
    assert.match(disp, /^([A-Z2-7]{4}-){12}[A-Z2-7]{4}$/);
    const variants = [
      disp,
      disp.toLowerCase(),
      disp.replaceAll('-', ''),
      disp.replaceAll('-', ' '),
      `  ${disp.replaceAll('-', ' – ')}\n`,
      disp.replaceAll('-', '').replace(/(.{8})/g, '$1-'),
      // full-width letters/digits (NFKC)
      [...disp].map((c) => (c === '-' ? c : String.fromCharCode(c.charCodeAt(0) + 0xfee0))).join(''),
    ];
    for (const v of variants) assert.deepEqual(parseRecoveryKey(v), rk, v);
  });

  test('recovery keys: clear rejection', () => {
    const disp = formatRecoveryKey(randomBytes(32));
    assert.throws(() => parseRecoveryKey(disp.slice(0, -1)), (e) => code('bad_recovery_key')(e) && /51 characters/.test(e.message));
    assert.throws(() => parseRecoveryKey(disp + 'A'), code('bad_recovery_key'));
    assert.throws(() => parseRecoveryKey('0' + disp.slice(1)), (e) => code('bad_recovery_key')(e) && /: 0 /.test(e.message));
    assert.throws(() => parseRecoveryKey(disp.replace(/^./, '8')), code('bad_recovery_key'));
    assert.throws(() => parseRecoveryKey(''), code('bad_recovery_key'));
    assert.throws(() => parseRecoveryKey(undefined), code('bad_recovery_key'));
    // the last character carries 1 data bit + 4 zero bits: 'B' instead of 'A'/'Q' is non-canonical
    const nonCanonical = disp.slice(0, -1) + (disp.endsWith('A') ? 'B' : 'R');
    assert.throws(() => parseRecoveryKey(nonCanonical), code('bad_recovery_key'));
    assert.throws(() => formatRecoveryKey(randomBytes(31)), code('bad_length'));
  });
});

describe('aead and lengths', () => {
  test('box/unbox, fresh IVs, tampering', async () => {
    const k = await importAesKey(randomBytes(32));
    assert.equal(k.extractable, false);
    const data = utf8Encode('salaisuus');
    const b1 = await box(k, data, 'aad');
    const b2 = await box(k, data, 'aad');
    assert.notEqual(b1.iv, b2.iv);
    assert.notEqual(b1.ct, b2.ct);
    assert.deepEqual(await unbox(k, b1, 'aad'), data);
    await assert.rejects(unbox(k, b1, 'aad2'), code('decrypt_failed'));
    await assert.rejects(unbox(k, { ...b1, ct: flip(b1.ct) }, 'aad'), code('decrypt_failed'));
    await assert.rejects(unbox(k, { ...b1, iv: flip(b1.iv) }, 'aad'), code('decrypt_failed'));
    await assert.rejects(unbox(await importAesKey(randomBytes(32)), b1, 'aad'), code('decrypt_failed'));
    await assert.rejects(unbox(k, { ...b1, iv: b64uEncode(randomBytes(16)) }, 'aad'), code('bad_length'));
    await assert.rejects(unbox(k, { ...b1, ct: b64uEncode(randomBytes(15)) }, 'aad'), code('bad_length'));
    await assert.rejects(unbox(k, { ...b1, ct: b1.ct + '=' }, 'aad'), code('bad_encoding'));
  });

  test('fixed-size inputs are length-checked', async () => {
    await assert.rejects(importAesKey(randomBytes(31)), code('bad_length'));
    await assert.rejects(box(randomBytes(32), randomBytes(4), 'a', randomBytes(11)), code('bad_length'));
    await assert.rejects(deriveSalt('a@b.fi', randomBytes(15)), code('bad_length'));
    assert.throws(() => safetyCode(randomBytes(31)), code('bad_length'));
    await assert.rejects(ownerEnvelope(randomBytes(32), randomBytes(16), ITEM, UID_A), code('bad_length'));
    await assert.rejects(shareEnvelope(newDek(), ITEM, UID_B, randomBytes(31)), code('bad_length'));
    await assert.rejects(deriveRoot('pw', randomBytes(8), KDF_FLOOR), code('bad_length'));
  });

  test('hkdf and sha256 basics (RFC 5869 test case 3, empty salt and info)', async () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    const okm = await hkdf(ikm, '');
    assert.equal(Buffer.from(okm).toString('hex'), '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d');
    assert.equal(
      Buffer.from(await sha256(utf8Encode('abc'))).toString('hex'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('kdf', () => {
  test('checkKdf refuses anything below the floor', () => {
    assert.deepEqual(checkKdf(KDF_FLOOR), { ...KDF_FLOOR });
    assert.deepEqual(checkKdf({ alg: 'argon2id', m: 131072, t: 4, p: 2 }), { alg: 'argon2id', m: 131072, t: 4, p: 2 });
    const bad = [
      null,
      {},
      { ...KDF_FLOOR, alg: 'argon2i' },
      { ...KDF_FLOOR, alg: 'pbkdf2' },
      { ...KDF_FLOOR, m: 65535 },
      { ...KDF_FLOOR, m: 19456 },
      { ...KDF_FLOOR, t: 2 },
      { ...KDF_FLOOR, p: 0 },
      { ...KDF_FLOOR, m: '65536' },
      { ...KDF_FLOOR, t: 3.5 },
      { alg: 'argon2id', m: 65536, t: 3 },
      { ...KDF_FLOOR, m: 2 ** 40 },
    ];
    for (const k of bad) assert.throws(() => checkKdf(k), code('kdf_rejected'), JSON.stringify(k));
  });

  test('weak kdf is refused before any Argon2 work', async () => {
    const weak = { alg: 'argon2id', m: 1024, t: 1, p: 1 };
    await assert.rejects(deriveRoot('pw', randomBytes(16), weak), code('kdf_rejected'));
    await assert.rejects(deriveAccountSecrets({ email: 'a@b.fi', password: 'pw', saltSeed: randomBytes(16), kdf: weak }), code('kdf_rejected'));
    await assert.rejects(createAccount({ uid: UID_A, email: 'a@b.fi', password: 'pw', kdf: weak }), code('kdf_rejected'));
    const keys = { uid: UID_A, salt_seed: b64uEncode(randomBytes(16)), kdf: weak, wrapped_ak: { iv: 'AAAAAAAAAAAAAAAA', ct: b64uEncode(randomBytes(48)) } };
    await assert.rejects(unlockAccount({ email: 'a@b.fi', password: 'pw', keys }), code('kdf_rejected'));
    await assert.rejects(newPasswordSecrets({ uid: UID_A, email: 'a@b.fi', password: 'pw', akBytes: randomBytes(32), kdf: weak }), code('kdf_rejected'));
  });

  test('email normalisation (NFKC, Python strip, lower)', () => {
    assert.equal(normalizeEmail('\u3000 Ｍａｉｊａ@Esimerkki.FI\t\n'), 'maija@esimerkki.fi');
    assert.equal(normalizeEmail('\u001fa@b.fi\u0085'), 'a@b.fi');
    assert.equal(normalizeEmail('\ufeffa@b.fi'), '\ufeffa@b.fi'); // not whitespace for Python
  });
});

describe('identity and safety', () => {
  test('verifyBundle is false on tampered or malformed bundles', async () => {
    const id = await quickIdentity(UID_A);
    const other = await quickIdentity(UID_B);
    const bd = id.bundle;
    assert.equal(await verifyBundle(bd), true);
    assert.equal(await verifyBundle(bd, UID_A), true);
    assert.equal(await verifyBundle(bd, UID_B), false);
    const tampered = [
      { ...bd, x25519: other.bundle.x25519 },
      { ...bd, ed25519: other.bundle.ed25519 },
      { ...bd, sig: flip(bd.sig, 5) },
      { ...bd, sig: other.bundle.sig },
      { ...bd, uid: UID_B },
      { ...bd, v: 2 },
      { ...bd, v: '1' },
      { ...bd, x25519: bd.x25519.slice(0, -2) },
      { ...bd, sig: undefined },
      { ...bd, uid: UID_B.toUpperCase() },
      { ...(await quickIdentity(UID_B)).bundle, uid: UID_B.toUpperCase() },
      null,
      'bundle',
    ];
    for (const t of tampered) assert.equal(await verifyBundle(t), false, JSON.stringify(t));
    // makeBundle refuses a public key that does not belong to the private key
    await assert.rejects(makeBundle(UID_A, id.ed25519, id.x25519Public, b64uDecode(other.bundle.ed25519)), code('bad_key'));
    await assert.rejects(makeBundle('not-a-uuid', id.ed25519, id.x25519Public, b64uDecode(bd.ed25519)), code('bad_input'));
  });

  test('safety codes, numbers, rosters and acceptances', async () => {
    const a = await quickIdentity(UID_A);
    const b = await quickIdentity(UID_B);
    const ca = safetyCode(await fingerprint(a.bundle));
    const cb = safetyCode(await fingerprint(b.bundle));
    assert.match(ca, /^\d{5}( \d{5}){5}$/);
    assert.equal(safetyNumber(ca, cb), safetyNumber(cb, ca));
    assert.throws(() => safetyNumber(ca, '123'), code('bad_input'));
    assert.equal(safetyCode(new Uint8Array(32)), '00000 00000 00000 00000 00000 00000');
    assert.equal(safetyCode(new Uint8Array(32).fill(255)), '27775 27775 27775 27775 27775 27775'); // 2^40-1 mod 1e5

    const fpA = b64uEncode((await fingerprint(a.bundle)).subarray(0, 16));
    const members = [{ uid: UID_B, fp: fpA }, { uid: UID_A, fp: fpA }];
    const msg = rosterMessage(PROC, 0, members);
    assert.ok(msg.indexOf(UID_A) < msg.indexOf(UID_B));
    const sig = await signRoster(a.ed25519, msg);
    assert.equal(await verifyRoster(msg, sig, a.bundle.ed25519), true);
    assert.equal(await verifyRoster(msg, sig, b.bundle.ed25519), false);
    assert.equal(await verifyRoster(msg, flip(sig), a.bundle.ed25519), false);
    assert.equal(await verifyRoster(msg, 'garbage', a.bundle.ed25519), false);
    assert.equal(await verifyRoster(msg, sig, 'garbage'), false);
    assert.throws(() => rosterMessage(PROC, -1, members), code('bad_input'));
    assert.throws(() => rosterMessage(PROC, 1, [...members, members[0]]), code('bad_input'));
    assert.throws(() => rosterMessage(PROC, 1, [{ uid: 'x|y', fp: fpA }]), code('bad_input'));
    assert.throws(() => rosterMessage(PROC, 1, [{ uid: UID_A, fp: 'shorter1' }]), code('bad_length'));
    assert.throws(() => rosterMessage(PROC, 1, [{ uid: UID_A, fp: 'x:y' }]), code('bad_encoding'));

    const ch = b64uEncode(randomBytes(32));
    assert.equal(acceptMessage(ITEM, 3, ch), `valitila/v1/accept|${ITEM}|3|${ch}`);
    const asig = await signAcceptance(a.ed25519, ITEM, 3, ch);
    assert.equal(await verifyAcceptance(a.bundle.ed25519, asig, ITEM, 3, ch), true);
    assert.equal(await verifyAcceptance(a.bundle.ed25519, asig, ITEM, 4, ch), false);
    assert.throws(() => acceptMessage(ITEM, 0, ch), code('bad_input'));
  });
});

describe('sealed items and envelopes', () => {
  const payload = { title: 'Otsikko <script>', body: 'Teksti\n'.repeat(60), tags: ['a', 'ö'] };

  async function sealed(author, overrides = {}) {
    const dek = newDek();
    const fields = { id: ITEM, kind: 'entry', rev: 2, by: author.uid, ...overrides };
    const out = await sealItem({ ...fields, payload, dek, signingKey: author.ed25519 });
    const item = { id: fields.id, kind: fields.kind, rev: fields.rev, author: author.uid, sealed: out.sealed, sig: out.sig };
    return { dek, item, out };
  }

  test('padding', () => {
    assert.equal(padPayload({}).length, 256);
    assert.equal(padPayload('x'.repeat(254)).length, 256); // 256 bytes of JSON: no extra block
    assert.equal(padPayload('x'.repeat(255)).length, 512);
    assert.deepEqual(JSON.parse(utf8Decode(padPayload(payload))), payload);
    assert.throws(() => padPayload(undefined), code('bad_input'));
  });

  test('seal/open round trip; fresh IV per seal; content hash', async () => {
    const a = await quickIdentity(UID_A);
    const { dek, item, out } = await sealed(a);
    assert.equal((b64uDecode(item.sealed.ct).length - 16) % 256, 0);
    assert.deepEqual(await openItem({ item, dek, authorEd25519: a.bundle.ed25519 }), payload);
    assert.equal(b64uEncode(await contentHash(item.sealed)), out.contentHash);
    const again = await sealItem({ id: ITEM, kind: 'entry', rev: 2, by: UID_A, payload, dek, signingKey: a.ed25519 });
    assert.notEqual(again.sealed.iv, item.sealed.iv);
  });

  test('tampered iv/ct/h/sig or wrong author key → bad_signature', async () => {
    const a = await quickIdentity(UID_A);
    const b = await quickIdentity(UID_B);
    const { dek, item } = await sealed(a);
    const open = (it, key = a.bundle.ed25519) => openItem({ item: it, dek, authorEd25519: key });
    await assert.rejects(open({ ...item, sealed: { ...item.sealed, ct: flip(item.sealed.ct, 40) } }), code('bad_signature'));
    await assert.rejects(open({ ...item, sealed: { ...item.sealed, iv: flip(item.sealed.iv) } }), code('bad_signature'));
    await assert.rejects(open({ ...item, sealed: { ...item.sealed, h: flip(item.sealed.h, 3) } }), code('bad_signature'));
    await assert.rejects(open({ ...item, sig: flip(item.sig, 10) }), code('bad_signature'));
    await assert.rejects(open({ ...item, sig: undefined }), code('bad_signature'));
    await assert.rejects(open({ ...item, sig: item.sig.slice(0, 20) }), code('bad_signature'));
    await assert.rejects(open(item, b.bundle.ed25519), code('bad_signature'));
    await assert.rejects(open(item, 'not a key'), code('bad_key'));
  });

  test('header mismatch: id, rev, by, kind, v', async () => {
    const a = await quickIdentity(UID_A);
    const { dek, item } = await sealed(a);
    const open = (it) => openItem({ item: it, dek, authorEd25519: a.bundle.ed25519 });
    await assert.rejects(open({ ...item, id: '0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718294' }), code('header_mismatch'));
    await assert.rejects(open({ ...item, rev: 3 }), code('header_mismatch'));
    await assert.rejects(open({ ...item, rev: '2' }), code('header_mismatch'));
    await assert.rejects(open({ ...item, kind: 'goal' }), code('header_mismatch'));
    await assert.rejects(open({ ...item, author: UID_B }), code('header_mismatch'));

    // a correctly signed item whose header says v:2
    const h = b64uEncode(utf8Encode(JSON.stringify({ v: 2, kind: 'entry', id: ITEM, rev: 2, by: UID_A })));
    const bx = await box(dek, padPayload(payload), h);
    const sealedV2 = { h, ...bx };
    const sig = await ed25519Sign(a.ed25519, concatBytes(utf8Encode('valitila/v1/item|'), await contentHash(sealedV2)));
    await assert.rejects(open({ ...item, sealed: sealedV2, sig: b64uEncode(sig) }), code('header_mismatch'));
    // keys in another order are fine
    const h2 = b64uEncode(utf8Encode(JSON.stringify({ by: UID_A, rev: 2, id: ITEM, kind: 'entry', v: 1 })));
    const s2 = { h: h2, ...(await box(dek, padPayload(payload), h2)) };
    const sig2 = await ed25519Sign(a.ed25519, concatBytes(utf8Encode('valitila/v1/item|'), await contentHash(s2)));
    assert.deepEqual(await open({ ...item, sealed: s2, sig: b64uEncode(sig2) }), payload);
  });

  test('wrong DEK → decrypt_failed; non-JSON payload → bad_payload', async () => {
    const a = await quickIdentity(UID_A);
    const { item } = await sealed(a);
    await assert.rejects(openItem({ item, dek: newDek(), authorEd25519: a.bundle.ed25519 }), code('decrypt_failed'));
    const dek = newDek();
    const h = b64uEncode(utf8Encode(JSON.stringify({ v: 1, kind: 'entry', id: ITEM, rev: 2, by: UID_A })));
    const s = { h, ...(await box(dek, utf8Encode('not json'), h)) };
    const sig = await ed25519Sign(a.ed25519, concatBytes(utf8Encode('valitila/v1/item|'), await contentHash(s)));
    await assert.rejects(openItem({ item: { ...item, sealed: s, sig: b64uEncode(sig) }, dek, authorEd25519: a.bundle.ed25519 }), code('bad_payload'));
  });

  test('envelopes: owner and share, binding to item and recipient', async () => {
    const a = await quickIdentity(UID_A);
    const b = await quickIdentity(UID_B);
    const ak = await importAesKey(randomBytes(32));
    const dek = newDek();
    const own = await ownerEnvelope(ak, dek, ITEM, UID_A);
    assert.deepEqual(Object.keys(own), ['recipient', 'type', 'iv', 'ct']);
    assert.deepEqual(await openOwnerEnvelope(ak, own, ITEM, UID_A), dek);
    await assert.rejects(openOwnerEnvelope(ak, own, ITEM, UID_B), code('recipient_mismatch'));
    await assert.rejects(openOwnerEnvelope(ak, { ...own, recipient: UID_B }, ITEM, UID_B), code('decrypt_failed'));
    await assert.rejects(openOwnerEnvelope(ak, own, '0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718294', UID_A), code('decrypt_failed'));
    await assert.rejects(openOwnerEnvelope(ak, { ...own, ct: flip(own.ct) }, ITEM, UID_A), code('decrypt_failed'));

    const sh = await shareEnvelope(dek, ITEM, UID_B, b.bundle.x25519);
    const sh2 = await shareEnvelope(dek, ITEM, UID_B, b.bundle.x25519);
    assert.notEqual(sh.epk, sh2.epk, 'fresh ephemeral key per envelope');
    assert.deepEqual(await openShareEnvelope(b.x25519, sh, ITEM, UID_B), dek);
    assert.deepEqual(await openShareEnvelope(b.x25519, sh, ITEM, UID_B, b.x25519Public), dek);
    assert.deepEqual(await openEnvelope({ ak: null, x25519: b.x25519 }, sh, ITEM, UID_B), dek);
    assert.deepEqual(await openEnvelope({ ak, x25519: null }, own, ITEM, UID_A), dek);
    await assert.rejects(openShareEnvelope(a.x25519, { ...sh, recipient: UID_A }, ITEM, UID_A), code('decrypt_failed'));
    await assert.rejects(openShareEnvelope(b.x25519, sh, '0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718294', UID_B), code('decrypt_failed'));
    await assert.rejects(openShareEnvelope(b.x25519, { ...sh, epk: sh2.epk }, ITEM, UID_B), code('decrypt_failed'));
    await assert.rejects(openShareEnvelope(b.x25519, { ...sh, ct: flip(sh.ct, 3) }, ITEM, UID_B), code('decrypt_failed'));
    await assert.rejects(openShareEnvelope(b.x25519, { ...sh, epk: b64uEncode(new Uint8Array(32)) }, ITEM, UID_B), code('bad_key'));
    await assert.rejects(openShareEnvelope(b.x25519, sh, ITEM, UID_A), code('recipient_mismatch'));
    await assert.rejects(openEnvelope({ ak, x25519: b.x25519 }, { ...sh, type: 'rsa' }, ITEM, UID_B), code('unknown_envelope'));
    await assert.rejects(openOwnerEnvelope(ak, sh, ITEM, UID_B), code('unknown_envelope'));
  });

  test('envelopes opened straight into a DEK CryptoKey: the same key, checks and errors', async () => {
    const a = await quickIdentity(UID_A);
    const b = await quickIdentity(UID_B);
    const ak = await importAesKey(randomBytes(32));
    const dek = newDek();
    const own = await ownerEnvelope(ak, dek, ITEM, UID_A);
    const sh = await shareEnvelope(dek, ITEM, UID_B, b.bundle.x25519);
    const sh2 = await shareEnvelope(dek, ITEM, UID_B, b.bundle.x25519);
    // The key opens what the DEK sealed, for reading only, and cannot be exported.
    const payload = { title: 'T', body: 'B', tags: [] };
    const { sealed, sig } = await sealItem({ id: ITEM, kind: 'entry', rev: 1, by: UID_A, payload, dek, signingKey: a.ed25519 });
    const item = { id: ITEM, kind: 'entry', rev: 1, author: UID_A, sealed, sig };
    for (const [keys, env, uid] of [
      [{ ak, x25519: null }, own, UID_A],
      [{ ak: null, x25519: b.x25519 }, sh, UID_B],
      [{ ak: null, x25519: b.x25519, x25519Public: b.x25519Public }, sh, UID_B],
    ]) {
      const key = await openEnvelopeKey(keys, env, ITEM, uid);
      assert.equal(key.extractable, false);
      assert.deepEqual(key.usages, ['decrypt']);
      assert.deepEqual(await openItem({ item, dek: key, authorEd25519: a.bundle.ed25519 }), payload);
    }
    const keysB = { ak: null, x25519: b.x25519, x25519Public: b.x25519Public };
    await assert.rejects(openEnvelopeKey({ ak, x25519: null }, own, ITEM, UID_B), code('recipient_mismatch'));
    await assert.rejects(openEnvelopeKey({ ak, x25519: null }, { ...own, ct: flip(own.ct) }, ITEM, UID_A), code('decrypt_failed'));
    await assert.rejects(openEnvelopeKey(keysB, sh, '0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718294', UID_B), code('decrypt_failed'));
    await assert.rejects(openEnvelopeKey(keysB, { ...sh, epk: sh2.epk }, ITEM, UID_B), code('decrypt_failed'));
    await assert.rejects(openEnvelopeKey(keysB, { ...sh, ct: flip(sh.ct, 3) }, ITEM, UID_B), code('decrypt_failed'));
    await assert.rejects(openEnvelopeKey(keysB, { ...sh, epk: b64uEncode(new Uint8Array(32)) }, ITEM, UID_B), code('bad_key'));
    await assert.rejects(openEnvelopeKey(keysB, sh, ITEM, UID_A), code('recipient_mismatch'));
    await assert.rejects(openEnvelopeKey(keysB, { ...sh, type: 'rsa' }, ITEM, UID_B), code('unknown_envelope'));
    await assert.rejects(openEnvelopeKey(null, sh, ITEM, UID_B), code('bad_input'));
    // A box that opens but holds no 32-byte key: refused like openShareEnvelope refuses it.
    for (const size of [16, 24, 31]) {
      const short = await shareEnvelope(randomBytes(32), ITEM, UID_B, b.bundle.x25519);
      const sh16 = { ...short, ...(await reseal(short, size)) };
      await assert.rejects(openShareEnvelope(b.x25519, sh16, ITEM, UID_B), code('bad_length'));
      await assert.rejects(openEnvelopeKey(keysB, sh16, ITEM, UID_B), code('bad_length'));
    }
    const ownShort = await ownerEnvelope(ak, dek, ITEM, UID_A);
    const boxed16 = await box(ak, randomBytes(16), `valitila/v1/env|${ITEM}|${UID_A}`);
    await assert.rejects(openEnvelopeKey({ ak, x25519: null }, { ...ownShort, ...boxed16 }, ITEM, UID_A), code('bad_length'));

    /** The share envelope `env` for B with `size` random bytes inside instead of a DEK. */
    async function reseal(env, size) {
      const { hkdf: derive } = await import('../../webapp/static/js/crypto/aead.js');
      const { x25519SharedSecret } = await import('../../webapp/static/js/crypto/identity.js');
      const epk = b64uDecode(env.epk);
      const shared = await x25519SharedSecret(b.x25519, epk);
      const info = `valitila/v1/share|${ITEM}|${UID_B}`;
      const wrap = await derive(shared, info, concatBytes(epk, b.x25519Public));
      return box(wrap, randomBytes(size), info);
    }
  });
});

describe('accounts (real Argon2id)', () => {
  const email = 'Testi.Käyttäjä@Esimerkki.fi';
  const password = 'oikea hevonen ﬁ akku niitti';

  test('createAccount → unlockAccount → change password → recovery', async () => {
    const acc = await createAccount({ uid: UID_A, email, password });
    const reg = acc.registration;
    assert.equal(await verifyBundle(reg.bundle, UID_A), true);
    assert.deepEqual(reg.kdf, { ...KDF_FLOOR });
    assert.equal(b64uDecode(reg.salt_seed).length, 16);
    assert.equal(b64uDecode(reg.auth_key).length, 32);
    assert.deepEqual(parseRecoveryKey(acc.recoveryDisplay), acc.recoveryKey);
    for (const k of ['ak', 'x25519', 'ed25519']) assert.equal(acc.keys[k].extractable, false);

    // something sealed during the registration session
    const dek = newDek();
    const env = await ownerEnvelope(acc.keys.ak, dek, ITEM, UID_A);
    const { sealed, sig } = await sealItem({ id: ITEM, kind: 'entry', rev: 1, by: UID_A, payload: { t: 1 }, dek, signingKey: acc.keys.ed25519 });
    const item = { id: ITEM, kind: 'entry', rev: 1, author: UID_A, sealed, sig };

    // login: derive once (prelogin), then unlock with the same secrets
    const login = { ...reg };
    const s = await deriveAccountSecrets({ email: `  ${email.toUpperCase()} `, password, saltSeed: reg.salt_seed, kdf: reg.kdf });
    assert.equal(b64uEncode(s.authKey), reg.auth_key);
    const keys = await unlockAccount({ keys: login, secrets: s });
    for (const k of ['ak', 'x25519', 'ed25519']) assert.equal(keys[k].extractable, false);
    const dek2 = await openOwnerEnvelope(keys.ak, env, ITEM, UID_A);
    assert.deepEqual(await openItem({ item, dek: dek2, authorEd25519: reg.bundle.ed25519 }), { t: 1 });

    // the full path (email + password)
    const keys2 = await unlockAccount({ email, password: password.normalize('NFD'), keys: login });
    assert.equal(b64uEncode(keys2.authKey), reg.auth_key);

    // wrong password
    await assert.rejects(unlockAccount({ email, password: password + '!', keys: login }), code('wrong_password'));
    // a bundle that does not belong to these keys
    const other = await quickIdentity(UID_A);
    await assert.rejects(unlockAccount({ keys: { ...login, bundle: other.bundle }, secrets: s }), code('bundle_mismatch'));
    // tampered wrapped private key
    await assert.rejects(
      unlockAccount({ keys: { ...login, wrapped_x25519: { ...reg.wrapped_x25519, ct: flip(reg.wrapped_x25519.ct) } }, secrets: s }),
      code('decrypt_failed'),
    );
    await assert.rejects(unwrapWithAk(keys.ak, UID_B, reg.wrapped_x25519, reg.wrapped_ed25519), code('decrypt_failed'));

    // a non-extractable AK cannot be re-wrapped directly
    await assert.rejects(newPasswordSecrets({ uid: UID_A, email, password: 'x', akKey: keys.ak }), code('bad_input'));
    await assert.rejects(newPasswordSecrets({ uid: UID_B, email, password: 'x', akSource: keys.akSource }), code('bad_input'));

    // password change with the AK source
    const newPw = 'uusi salasana 2026';
    const changed = await newPasswordSecrets({ uid: UID_A, email, password: newPw, akSource: keys.akSource });
    assert.deepEqual(Object.keys(changed).sort(), ['auth_key', 'kdf', 'salt_seed', 'wrapped_ak']);
    assert.notEqual(changed.salt_seed, reg.salt_seed);
    assert.notEqual(changed.auth_key, reg.auth_key);
    const login2 = { ...login, ...changed };
    const keys3 = await unlockAccount({ email, password: newPw, keys: login2 });
    assert.deepEqual(await openOwnerEnvelope(keys3.ak, env, ITEM, UID_A), dek);

    // new recovery key with the (still valid) AK source, then reset with it
    const rec = await newRecovery({ uid: UID_A, akSource: keys3.akSource });
    assert.notDeepEqual(rec.recoveryKey, acc.recoveryKey);
    assert.equal(await recoveryAuthKey(rec.recoveryDisplay), rec.recovery.auth_key);
    const typed = rec.recoveryDisplay.toLowerCase().replaceAll('-', ' ');
    const recovered = await recoverAccount({
      uid: UID_A,
      recoveryKeyString: typed,
      recovery_wrapped_ak: rec.recovery.wrapped_ak,
      wrapped_x25519: reg.wrapped_x25519,
      wrapped_ed25519: reg.wrapped_ed25519,
    });
    assert.equal(recovered.recoveryAuthKey, rec.recovery.auth_key);
    assert.deepEqual(await openOwnerEnvelope(recovered.ak, env, ITEM, UID_A), dek);
    assert.equal(b64uEncode(recovered.ed25519Public), reg.bundle.ed25519);
    // the old recovery key does not open the new recovery box
    await assert.rejects(
      recoverAccount({ uid: UID_A, recoveryKeyString: acc.recoveryDisplay, recovery_wrapped_ak: rec.recovery.wrapped_ak }),
      code('wrong_recovery_key'),
    );
    await assert.rejects(
      recoverAccount({ uid: UID_A, recoveryKeyString: 'ABCD-EFGH', recovery_wrapped_ak: rec.recovery.wrapped_ak }),
      code('bad_recovery_key'),
    );
    // the original registration recovery box still opens with the original key
    const r0 = await recoverAccount({ uid: UID_A, recoveryKey: acc.recoveryKey, recovery_wrapped_ak: reg.recovery.wrapped_ak });
    // a reset: new password from the recovery AK source + new recovery key
    const reset = await newPasswordSecrets({ uid: UID_A, email, password: 'kolmas salasana', akSource: r0.akSource });
    const reset2 = await newRecovery({ uid: UID_A, akSource: r0.akSource });
    const keys4 = await unlockAccount({ email, password: 'kolmas salasana', keys: { ...login, ...reset } });
    assert.deepEqual(await openOwnerEnvelope(keys4.ak, env, ITEM, UID_A), dek);
    const r1 = await recoverAccount({ uid: UID_A, recoveryKey: reset2.recoveryKey, recovery_wrapped_ak: reset2.recovery.wrapped_ak });
    assert.deepEqual(await openOwnerEnvelope(r1.ak, env, ITEM, UID_A), dek);
  });

  test('createAccount input validation', async () => {
    await assert.rejects(createAccount({ uid: 'A1B2', email, password }), code('bad_input'));
    await assert.rejects(createAccount({ uid: UID_A, email, password, fixed: { ak: randomBytes(16) } }), code('bad_length'));
  });
});
