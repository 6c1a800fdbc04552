"""The agenda builder and the candidates call are kept per the session's process's version
(chrome.render_memo_page, chrome.memo_text; models.ProcessVersion): an unchanged one is not
read and built again, and anything that changes what is gathered builds it anew: a proposed
topic, an entry brought, edited or no longer shared, a share that ends."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from webapp import chrome
from webapp.models.types import utcnow
from webapp.services import agendas as service

from .test_agendas import _share, _topic, cast  # noqa: F401 - the fixture
from .test_chrome_cache import _confirm


@pytest.fixture
def gathers(cast, monkeypatch):  # noqa: F811
    """How many times what the builder gathers was read (a page or an answer built)."""
    calls: list[int] = []
    real = service.gather
    monkeypatch.setattr(service, "gather", lambda *a: calls.append(1) or real(*a))
    _confirm(cast["app"], cast["sara"])
    cast["app"].extensions.pop("valitila_memo", None)
    return calls


def _page_data(c) -> dict:
    response = c["sara"].client.get(f"/processes/{c['pid']}/sessions/{c['sid']}/agenda")
    assert response.status_code == 200
    found = re.search(r"data-agenda='([^']*)'", response.get_data(as_text=True)).group(1)
    from html import unescape
    return json.loads(unescape(found))


def _candidates(c) -> dict:
    response = c["sara"].client.get(f"/api/v1/sessions/{c['sid']}/agenda/candidates")
    assert response.status_code == 200
    return response.get_json()


def test_an_unchanged_builder_is_kept_and_each_change_builds_it_anew(cast, gathers):  # noqa: F811
    c = cast
    vilma, sara, app = c["vilma"], c["sara"], c["app"]
    assert _page_data(c) == _page_data(c) and len(gathers) == 1
    topic = _topic(c, "vilma", "Uusi aihe")
    assert [t["id"] for t in _page_data(c)["candidates"]["topic"]] == [topic]
    assert len(gathers) == 2
    brought = vilma.write("Tuotu", "Teksti")
    _share(vilma, brought, sara, c["pid"], app, bring=True)
    assert [e["id"] for e in _page_data(c)["candidates"]["entry"]] == [brought]
    assert len(gathers) == 3
    # an edit of the brought entry (an item of no process) is what the builder opens
    _, body = vilma.seal({"title": "Tuotu, muokattu", "body": "Uusi", "tags": []},
                         item_id=brought, rev=2)
    assert vilma.put(f"/items/{brought}", body).status_code == 200
    assert _page_data(c)["candidates"]["entry"][0]["rev"] == 2 and len(gathers) == 4
    assert vilma.delete(f"/items/{brought}/envelopes/{sara.uid}").status_code == 204
    assert _page_data(c)["candidates"]["entry"] == [] and len(gathers) == 5
    assert _page_data(c)["candidates"]["entry"] == [] and len(gathers) == 5


def test_the_candidates_answer_is_kept_the_same_way(cast, gathers):  # noqa: F811
    c = cast
    _topic(c, "vilma", "Aihe, jotta vastaus on pakattavan kokoinen")
    first = _candidates(c)
    assert _candidates(c) == first and len(gathers) == 1
    gzip = c["sara"].client.get(f"/api/v1/sessions/{c['sid']}/agenda/candidates",
                                headers={"Accept-Encoding": "gzip"})
    assert len(gzip.get_data()) >= c["app"].config["COMPRESS_MIN_SIZE"] // 4
    assert gzip.headers["Content-Encoding"] == "gzip" and len(gathers) == 1
    import gzip as gzip_module
    assert json.loads(gzip_module.decompress(gzip.get_data())) == first
    topic = _topic(c, "ville", "Toinen aihe")
    assert topic in [t["id"] for t in _candidates(c)["topics"]] and len(gathers) == 2
    # another person's call is never answered from hers
    response = c["vilma"].client.get(f"/api/v1/sessions/{c['sid']}/agenda/candidates")
    assert response.status_code in (403, 404)


def test_what_is_gathered_leaves_when_its_share_ends(cast, gathers, monkeypatch):  # noqa: F811
    """An entry brought for a few days: kept pages and answers show it until that moment
    and not after, though nothing was written."""
    c = cast
    vilma, sara, app = c["vilma"], c["sara"], c["app"]
    brought = vilma.write("Tuotu hetkeksi", "Teksti")
    _share(vilma, brought, sara, c["pid"], app, bring=True)
    from webapp.extensions import db
    from webapp.models import Envelope
    ends = utcnow().replace(microsecond=0) + timedelta(minutes=10)
    with app.app_context():
        db.session.query(Envelope).filter_by(item_id=brought, recipient_uid=sara.uid).update(
            {"expires_at": ends})
        db.session.commit()
    assert [e["id"] for e in _candidates(c)["entries"]] == [brought]
    assert [e["id"] for e in _page_data(c)["candidates"]["entry"]] == [brought]
    built = len(gathers)
    later = ends + timedelta(seconds=1)
    for module in (chrome, service):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    assert _candidates(c)["entries"] == []
    assert _page_data(c)["candidates"]["entry"] == []
    assert len(gathers) == built + 2
