"""Pinned keys (PROTOCOL §2 "Pinning"): the caller's signed pin records."""
from __future__ import annotations

from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..schemas.accounts import UserPath
from ..schemas.pins import Pin, PinList, PinWrite
from ..services import pins as service


def pin_answer(pin) -> Pin:
    return Pin.model_validate({"subject": pin.subject_uid, "fp": pin.fp,
                               "verified": pin.verified, "verified_at": pin.verified_at,
                               "sig": pin.sig, "updated_at": pin.updated_at})


@bp.get("/pins")
@api_login_required
@operation("The caller's pinned keys, as records the caller signed",
           description="A client accepts a record only when `sig` verifies with its own "
                       "Ed25519 key over `\"valitila/v1/pin|\" + owner + \"|\" + subject + "
                       "\"|\" + fp + \"|\" + (\"1\" if verified else \"0\")`.",
           responses={200: PinList})
def list_pins():
    return answer(PinList(pins=[pin_answer(p)
                                for p in service.list_pins(current_user._get_current_object())]))


@bp.put("/pins/<uid>")
@api_login_required
@operation("Pin someone's key (or mark it verified): a record signed by the caller",
           path=UserPath, body=PinWrite, responses={200: Pin, 201: Pin},
           errors={404: "Unknown, yourself, or no process in common (`not_found`)",
                   400: "The signature does not verify with the caller's key "
                        "(`bad_signature`), or malformed fields"})
def put_pin(uid: str, body: PinWrite):
    pin, created = service.put_pin(current_user._get_current_object(), uid, body.fp,
                                   body.verified, body.sig)
    return answer(pin_answer(pin), 201 if created else 200)
