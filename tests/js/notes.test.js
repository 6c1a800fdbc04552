// A supervisor's private notes (webapp/static/js/notes.js) with real keys: a new note's body
// carries the author's own envelope and nothing else, the process and the session link; it
// opens back to the text with the author's key; a retry of the same text and session sends
// the very same body (the server answers it like the first try), a changed text or session a
// new seal; an edit (rev 2) keeps the DEK, sends no envelopes and can clear the session.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

const { importAesKey } = await import('../../webapp/static/js/crypto/aead.js');
const { openItem, openOwnerEnvelope } = await import('../../webapp/static/js/crypto/envelope.js');
const notes = await import('../../webapp/static/js/notes.js');

const SARA = '22222222-2222-4222-8222-222222222222';
const PID = '44444444-4444-4444-8444-444444444444';
const SESSION = 'AbCdEfGhIjKlMnOpQrStUv';

const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
const edPublic = new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey));
const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
const keys = { ak, ed25519: ed.privateKey };
const note = (text, session = SESSION) => ({ text, session, pid: PID, uid: SARA, keys });

/** Open a new note's body as the server would give it back to its author. */
async function opened(state, body) {
  const item = { id: state.id, kind: body.kind, author: SARA, rev: body.rev, sealed: body.sealed, sig: body.sig };
  const dek = await openOwnerEnvelope(ak, body.envelopes[0], state.id, SARA);
  return openItem({ item, dek, authorEd25519: edPublic });
}

describe('notes', () => {
  test('a new note is sealed for its author alone, with its process and session', async () => {
    const state = notes.newNoteState();
    const body = await notes.noteBody(state, note('Anna väsynyt'));
    assert.equal(body.kind, 'note');
    assert.equal(body.rev, 1);
    assert.equal(body.process, PID);
    assert.deepEqual(body.links, { session: SESSION });
    assert.equal(body.envelopes.length, 1);
    assert.equal(body.envelopes[0].type, 'ak');
    assert.equal(body.envelopes[0].recipient, SARA);
    assert.ok(!JSON.stringify(body).includes('Anna väsynyt'));
    assert.deepEqual(await opened(state, body), { body: 'Anna väsynyt' });
    assert.equal(notes.noteText(await opened(state, body)), 'Anna väsynyt');
  });

  test('a retry sends the same body; a change seals again', async () => {
    const state = notes.newNoteState();
    const first = await notes.noteBody(state, note('sama'));
    assert.equal(await notes.noteBody(state, note('sama')), first);
    const other = await notes.noteBody(state, note('sama', null));
    assert.notEqual(other, first);
    assert.equal(other.links, null);
    assert.notEqual((await notes.noteBody(state, note('toinen'))).sealed.ct, other.sealed.ct);
  });

  test('an edit keeps the key, sends no envelopes and may clear the session', async () => {
    const created = notes.newNoteState();
    const body = await notes.noteBody(created, note('ensin'));
    const edit = { id: created.id, rev: 2, dek: created.dek };
    const changed = await notes.noteBody(edit, note('sitten', null));
    assert.equal(changed.rev, 2);
    assert.equal(changed.envelopes, undefined);
    assert.equal(changed.links, null);
    const dek = await openOwnerEnvelope(ak, body.envelopes[0], created.id, SARA);
    const item = { id: created.id, kind: 'note', author: SARA, rev: 2, sealed: changed.sealed, sig: changed.sig };
    assert.deepEqual(await openItem({ item, dek, authorEd25519: edPublic }), { body: 'sitten' });
  });

  test('an opened payload that is not a note shows nothing', () => {
    assert.equal(notes.noteText(null), '');
    assert.equal(notes.noteText({ body: 5 }), '');
  });
});
