"""An item's wire form for one reader, without the API blueprint: pages (the journal, the
agenda) embed it, and the items API answers with it."""
from __future__ import annotations

from markupsafe import Markup


def attribute_json(text: str) -> Markup:
    """JSON text made safe inside a single-quoted HTML attribute, exactly as
    htmlsafe_json_dumps makes it (< > & ' as \\u escapes). Sealed items' JSON seldom has
    any (base64url, ids, times), so four substring tests usually settle it (str's `in` is a
    fast scan; a regular expression's character class took 20 times as long over a
    kilobyte of ciphertext), even for the hundreds of items of an agenda builder's page."""
    if "<" in text or ">" in text or "&" in text or "'" in text:
        text = (text.replace("<", "\\u003c").replace(">", "\\u003e")
                .replace("&", "\\u0026").replace("'", "\\u0027"))
    return Markup(text)


def item_json(item, envelope) -> dict:
    """The wire form of an item for one reader (their own envelope only); also the data the
    journal pages put in their `data-*` attributes."""
    return {
        "id": item.id, "kind": item.kind, "author": item.author_uid, "rev": item.rev,
        "sealed": item.sealed, "sig": item.sig, "envelope": envelope.to_json(),
        "process": item.process_id, "links": item.links,
        "created_at": item.created_at.isoformat(), "updated_at": item.updated_at.isoformat(),
    }
