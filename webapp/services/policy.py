"""Who may see whom. Processes arrive in a later issue; until then a user shares a
process only with themselves, so every share to another user is refused."""
from __future__ import annotations


def shares_process(uid_a: str, uid_b: str) -> bool:
    """True when the two users are members of a common supervision process."""
    return uid_a == uid_b
