"""The readers of an item, for its author's key rotation (PROTOCOL §5)."""
from __future__ import annotations

from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..schemas.items import ItemPath
from ..schemas.sharing import Reader, Readers
from ..services import sharing as service


@bp.get("/items/<item_id>/readers")
@api_login_required
@operation("The item's readers other than the author, and whether its key is due for a "
           "rotation (author only)", path=ItemPath, responses={200: Readers},
           errors={404: "No such item, or the caller is not its author (`not_found`)"})
def item_readers(item_id: str):
    result = service.readers(current_user._get_current_object(), item_id)
    return answer(Readers(
        readers=[Reader(recipient=env.recipient_uid, process=env.process_id,
                        expires_at=env.expires_at, bring=env.bring) for env in result.readers],
        rekey_due=result.rekey_due))
