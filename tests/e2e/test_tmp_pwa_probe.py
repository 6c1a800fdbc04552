import pytest
from . import test_lock

@pytest.fixture
def blocked_context(new_context):
    return lambda **kw: new_context(service_workers="block", **kw)

def test_lock_draft_without_sw(blocked_context, module_account, recorder, marker, no_plaintext):
    test_lock.test_draft_typed_when_the_lock_fires_is_restored(blocked_context, module_account, recorder, marker, None)
