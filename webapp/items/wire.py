"""An item's wire form for one reader, without the API blueprint: pages (the journal, the
agenda) embed it, and the items API answers with it."""
from __future__ import annotations


def item_json(item, envelope) -> dict:
    """The wire form of an item for one reader (their own envelope only); also the data the
    journal pages put in their `data-*` attributes."""
    return {
        "id": item.id, "kind": item.kind, "author": item.author_uid, "rev": item.rev,
        "sealed": item.sealed, "sig": item.sig, "envelope": envelope.to_json(),
        "process": item.process_id, "links": item.links,
        "created_at": item.created_at.isoformat(), "updated_at": item.updated_at.isoformat(),
    }
