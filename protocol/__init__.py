"""Välitila protocol v1 in Python (docs/protocol.md; test vectors in protocol/vectors.json).

Three users: the server (validates shapes and signatures it can check without reading
content), demo-data seeding (a full client whose output the browser must open) and the
tests (a second client written from PROTOCOL.md alone). Pure: no Flask, no I/O.

Every binary field is strict base64url without padding (:func:`b64u_decode`). Every
failure on untrusted input raises :class:`ProtocolError` with a short snake_case ``code``:
``bad_base64``, ``bad_length``, ``bad_kdf``, ``weak_kdf``, ``bad_uid``, ``bad_bundle``,
``uid_mismatch``, ``bad_signature``, ``bad_key``, ``key_mismatch``, ``bad_box``,
``decrypt_failed``, ``bad_sealed``, ``bad_header``, ``header_mismatch``, ``bad_payload``,
``bad_envelope``, ``recipient_mismatch``, ``bad_recovery_key``, ``bad_roster``, ``bad_pin``,
``bad_keys``, ``bad_email``, ``bad_password``.
"""

from __future__ import annotations

from .aead import (  # noqa: F401
    box,
    unbox,
)
from .encoding import (  # noqa: F401
    _B64U_RE,
    _UUID4_RE,
    BUNDLE_KEYS,
    ENVELOPE_KEYS,
    HEADER_KEYS,
    IV_LEN,
    KDF_FLOOR,
    KDF_MAX,
    MAX_SAFE_INT,
    PAD_BLOCK,
    PAYLOAD_SEPARATORS,
    TAG_LEN,
    ProtocolError,
    _is_int,
    _key32,
    _uid,
    b64u_decode,
    b64u_encode,
    is_uuid4,
    sha256,
)
from .envelope import (  # noqa: F401
    _open_checked,
    _x25519,
    check_envelope_shape,
    open_owner_envelope,
    open_share_envelope,
    owner_envelope,
    share_envelope,
    share_info,
    share_wrap_key,
)
from .identity import (  # noqa: F401
    FIXED_KEYS,
    NewAccount,
    UnlockedAccount,
    _verify_sig,
    bundle_message,
    create_account,
    derive_recovery_secrets,
    fingerprint,
    format_recovery_key,
    fp16,
    load_private,
    make_bundle,
    new_password_secrets,
    new_recovery,
    parse_recovery_key,
    pkcs8,
    raw_public,
    recover_ak,
    safety_code,
    safety_number,
    unlock_account,
    unwrap_identity,
    verify_bundle,
)
from .items import (  # noqa: F401
    _check_header,
    _item_sig_message,
    _no_constant,
    _no_dupes,
    content_hash,
    make_header,
    open_item,
    pad_payload,
    parse_header,
    seal_item,
    verify_item,
)
from .kdf import (  # noqa: F401
    AccountSecrets,
    check_kdf,
    derive_account_secrets,
    derive_root,
    derive_salt,
    hkdf32,
    normalize_email,
)
from .signatures import (  # noqa: F401
    accept_message,
    pin_message,
    roster_message,
    sign_acceptance,
    sign_pin,
    sign_text,
    verify_acceptance,
    verify_pin,
    verify_roster,
    verify_text,
)
