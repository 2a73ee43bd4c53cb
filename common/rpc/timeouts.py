"""Named timeout tiers for RPC calls, so rpcapi modules never carry literal seconds.

``fast``: a lookup or echo that must answer quickly or not at all; ``normal``: the
configured ``rpc_response_timeout``; ``slow``: work that touches a hypervisor or storage
before it replies (e.g. a console or a snapshot reference).
"""

from __future__ import annotations

from common.config import CONF

FAST = "fast"
NORMAL = "normal"
SLOW = "slow"


def seconds(tier: str) -> float:
    base = float(CONF.rpc_response_timeout)
    return {FAST: min(10.0, base), NORMAL: base, SLOW: base * 5}[tier]
