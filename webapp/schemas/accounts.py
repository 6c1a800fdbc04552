"""Accounts (PROTOCOL §1–3, §7): key material, sign-up, sign-in, recovery, settings."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

import protocol

from .types import (
    Email,
    Locale,
    Schema,
    Str,
    Uuid4,
    b64u,
    fail,
    integer,
    omitted,
    protocol_check,
    text,
)

AK_BYTES = 32 + protocol.TAG_LEN            # a boxed 32-byte key: the AK or a DEK
PKCS8_BYTES = 48 + protocol.TAG_LEN         # a boxed PKCS#8 X25519/Ed25519 private key
LOCK_RANGE = (1, 24 * 60)                   # the inactivity lock, in minutes
DISPLAY_NAME = (1, 100)

DisplayName = text(*DISPLAY_NAME)
LockMinutes = integer(*LOCK_RANGE)
Key32 = b64u(32)


class AkBox(Schema):
    """`box(k, 32-byte key, aad)`: a wrapped AK (or DEK)."""

    iv: b64u(protocol.IV_LEN)  # type: ignore[valid-type]
    ct: b64u(AK_BYTES)  # type: ignore[valid-type]


class KeyBox(Schema):
    """`box(AK, PKCS#8 private key, aad)`: a wrapped X25519 or Ed25519 private key."""

    iv: b64u(protocol.IV_LEN)  # type: ignore[valid-type]
    ct: b64u(PKCS8_BYTES)  # type: ignore[valid-type]


class Kdf(Schema):
    """Argon2id parameters; never below the floor of PROTOCOL §1."""

    alg: Literal["argon2id"]
    m: Annotated[int, Field(ge=protocol.KDF_FLOOR["m"], le=protocol.KDF_MAX["m"])]
    t: Annotated[int, Field(ge=protocol.KDF_FLOOR["t"], le=protocol.KDF_MAX["t"])]
    p: Annotated[int, Field(ge=protocol.KDF_FLOOR["p"], le=protocol.KDF_MAX["p"])]


class Bundle(Schema):
    """A public key bundle, signed by its own Ed25519 key (PROTOCOL §2)."""

    uid: Uuid4
    v: Literal[1]
    x25519: Key32  # type: ignore[valid-type]
    ed25519: Key32  # type: ignore[valid-type]
    sig: b64u(64)  # type: ignore[valid-type]


#: Request fields checked by the protocol package (codes bad_kdf/weak_kdf, bad_bundle, ...).
KdfIn = Annotated[Kdf, protocol_check(protocol.check_kdf)]
BundleIn = Annotated[Bundle, protocol_check(protocol.verify_bundle)]


class Recovery(Schema):
    """The recovery-wrapped AK and the recovery auth key (PROTOCOL §3)."""

    wrapped_ak: AkBox
    auth_key: Key32  # type: ignore[valid-type]


class NewSecrets(Schema):
    """New password secrets; `recovery` replaces the recovery key too."""

    salt_seed: b64u(16)  # type: ignore[valid-type]
    kdf: KdfIn
    auth_key: Key32  # type: ignore[valid-type]
    wrapped_ak: AkBox
    recovery: Recovery = omitted()


# -- requests ----------------------------------------------------------------------------------

class PreloginRequest(Schema):
    email: Email


class RegisterRequest(Schema):
    email: Email
    display_name: DisplayName  # type: ignore[valid-type]
    uid: Uuid4
    salt_seed: b64u(16)  # type: ignore[valid-type]
    kdf: KdfIn
    auth_key: Key32  # type: ignore[valid-type]
    wrapped_ak: AkBox
    recovery: Recovery
    bundle: BundleIn
    wrapped_x25519: KeyBox
    wrapped_ed25519: KeyBox
    locale: Locale = "fi"
    is_supervisor: bool = False
    invite: Annotated[Str, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _bundle_is_the_accounts(self) -> RegisterRequest:
        if self.bundle.uid != self.uid:
            raise fail("uid_mismatch", "bundle belongs to another uid", field="bundle")
        return self

    def secrets(self) -> NewSecrets:
        return NewSecrets(salt_seed=self.salt_seed, kdf=self.kdf, auth_key=self.auth_key,
                          wrapped_ak=self.wrapped_ak, recovery=self.recovery)


class LoginRequest(Schema):
    email: Email
    auth_key: Key32  # type: ignore[valid-type]


class AuthKeyProof(Schema):
    """Proof by the current password's auth key (signed in, with the CSRF token)."""

    auth_key: Key32  # type: ignore[valid-type]


class RecoveryProof(Schema):
    """Proof by the recovery key (PROTOCOL §3); also the body of POST /auth/recover."""

    email: Email
    recovery_auth_key: Key32  # type: ignore[valid-type]


def proof_kind(value: Any) -> str | None:
    """Which proof a value of `proof` is: a recovery proof has `recovery_auth_key`."""
    if isinstance(value, dict):
        return "recovery" if "recovery_auth_key" in value else "auth_key"
    if isinstance(value, AuthKeyProof | RecoveryProof):
        return "recovery" if isinstance(value, RecoveryProof) else "auth_key"
    return None


Proof = Annotated[Annotated[AuthKeyProof, Tag("auth_key")] | Annotated[RecoveryProof,
                                                                       Tag("recovery")],
                  Discriminator(proof_kind)]


class PasswordRequest(Schema):
    proof: Proof
    new: NewSecrets

    @model_validator(mode="after")
    def _recovery_needs_a_new_recovery(self) -> PasswordRequest:
        if isinstance(self.proof, RecoveryProof) and self.new.recovery is None:
            raise fail("missing_field", "a reset by recovery key needs a new recovery key",
                       field="recovery")
        return self


class NewRecoveryRequest(Schema):
    """POST /me/recovery: a new recovery key in place of the old one, proven by the current
    password (the old recovery key stops working)."""

    proof: AuthKeyProof
    recovery: Recovery


class ConfirmRecoveryRequest(Schema):
    """POST /me/recovery/confirmed: the auth key of the recovery key the user just saved."""

    recovery_auth_key: Key32  # type: ignore[valid-type]


class UserPath(Schema):
    """/users/{uid}/...: a person's uid."""

    uid: Uuid4


class SettingsRequest(Schema):
    """PATCH /me, the settings page and the language switch: only what is given changes."""

    display_name: DisplayName = omitted()  # type: ignore[valid-type]
    locale: Locale = omitted()
    lock_minutes: LockMinutes = omitted()  # type: ignore[valid-type]


class SettingsForm(Schema):
    """The settings page's form: both fields are on it."""

    display_name: DisplayName  # type: ignore[valid-type]
    lock_minutes: LockMinutes  # type: ignore[valid-type]


class LanguageForm(Schema):
    locale: Locale
    next: Str | None = None


# -- responses ---------------------------------------------------------------------------------

class PreloginResponse(Schema):
    salt_seed: b64u(16)  # type: ignore[valid-type]
    kdf: Kdf


class Keys(Schema):
    """The wrapped key material a client needs to unlock (PROTOCOL §7 login)."""

    uid: Uuid4
    salt_seed: b64u(16)  # type: ignore[valid-type]
    kdf: Kdf
    wrapped_ak: AkBox
    wrapped_x25519: KeyBox
    wrapped_ed25519: KeyBox
    bundle: Bundle


class Session(Schema):
    uid: Uuid4
    csrf_token: str


class LoginResponse(Session):
    keys: Keys


class RecoveryWrapped(Schema):
    wrapped_ak: AkBox


class RecoverResponse(Schema):
    uid: Uuid4
    recovery: RecoveryWrapped
    keys: Keys


class Me(Schema):
    uid: Uuid4
    email: str
    display_name: str
    locale: Locale
    is_supervisor: bool
    lock_minutes: int
    bundle: Bundle


class MeWithCsrf(Me):
    """GET /me: also this session's CSRF token (for pages served from a cache)."""

    csrf_token: str
