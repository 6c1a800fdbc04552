// The invite link's check (webapp/static/js/join-invite.js): the fragment's fp16 is parsed
// strictly, and the supervisor's bundle from GET /invites/{token} must be self-signed, of the
// uid the invite names, and have exactly the link's fp16.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { error, fakeServer, freshIndexedDb } from './support/fake-server.js';

const { checkInvite, fragmentFp } = await import('../../webapp/static/js/join-invite.js');
const { PinError } = await import('../../webapp/static/js/pins.js');
const { makeBundle } = await import('../../webapp/static/js/crypto/identity.js');
const { fp16 } = await import('../../webapp/static/js/crypto/safety.js');

const SUP = '22222222-2222-4222-8222-222222222222';
const OTHER = '33333333-3333-4333-8333-333333333333';
const TOKEN = 'Vm9SIEAJ5qDI8SKR4Sxf6Nql2O6DXo_K';

async function bundleOf(uid) {
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const xPub = new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey));
  const edPub = new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey));
  return makeBundle(uid, ed.privateKey, xPub, edPub);
}

const real = await bundleOf(SUP);
const swapped = await bundleOf(SUP); // valid and self-signed, the same uid, another key
const other = await bundleOf(OTHER);

function serve(bundle, uid = SUP) {
  return fakeServer((req) => (req.path === `/invites/${TOKEN}`
    ? { status: 200, body: { process: { id: OTHER, form: 'group' }, supervisor: { uid, display_name: 'Sara', bundle }, expires_at: '2027-01-01T00:00:00Z' } }
    : { status: 404, body: error('invite_not_found') }));
}

const mismatch = (err) => err instanceof PinError && err.code === 'fp_mismatch';

beforeEach(freshIndexedDb);

describe('the link fragment', () => {
  test('only a 22-character base64url fp16 counts', async () => {
    const fp = await fp16(real);
    assert.equal(fragmentFp(`#fp=${fp}`), fp);
    assert.equal(fragmentFp(`fp=${fp}&x=1`), fp);
    for (const hash of ['', '#', '#fp=', `#fp=${fp}A`, `#fp=${fp.slice(1)}`, '#fp=%3Cscript%3E', `#xfp=${fp}`]) {
      assert.equal(fragmentFp(hash), null, hash);
    }
  });
});

describe('checking the invite', () => {
  test('the right key passes', async () => {
    serve(real);
    const info = await checkInvite(TOKEN, await fp16(real));
    assert.equal(info.supervisor.uid, SUP);
  });

  test('a swapped key, a wrong fp, a forged or foreign bundle are refused', async () => {
    serve(swapped);
    await assert.rejects(checkInvite(TOKEN, await fp16(real)), mismatch);
    serve(real);
    await assert.rejects(checkInvite(TOKEN, await fp16(swapped)), mismatch);
    await assert.rejects(checkInvite(TOKEN, ''), mismatch);
    serve({ ...real, x25519: swapped.x25519 });
    await assert.rejects(checkInvite(TOKEN, await fp16(real)), mismatch);
    serve(other); // another person's bundle under the supervisor's uid
    await assert.rejects(checkInvite(TOKEN, await fp16(other)), mismatch);
  });

  test('an invite the server no longer has is its 404', async () => {
    fakeServer(() => ({ status: 404, body: error('invite_not_found') }));
    await assert.rejects(checkInvite(TOKEN, await fp16(real)), (err) => err.status === 404);
  });
});
