"""Policy enforcement on oslo.policy, one enforcer per service.

Each service lists its rules as ``oslo_policy.policy.RuleDefault`` /
``DocumentedRuleDefault`` (``compute/api/policies.py``, ``blockstorage/api/policies.py``)
and registers them with :func:`register_service`.  Operators override any rule in the
file named by ``[oslo_policy] policy_file``, in the syntax they know
(``role:admin or project_id:%(project_id)s``).  Controllers call::

    policy.authorize(context, "os_compute_api:os-services:list")

which raises :class:`common.exception.PolicyNotAuthorized` (403) when refused.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from oslo_config import cfg
from oslo_policy import policy as oslo_policy

from common import exception
from common.config import CONF
from common.context import RequestContext

LOG = logging.getLogger(__name__)


class ServicePolicy:
    """The rules of one service and the lazily built oslo.policy enforcer for them."""

    def __init__(
        self,
        name: str,
        list_rules: Callable[[], Iterable[oslo_policy.RuleDefault]],
        conf: cfg.ConfigOpts = CONF,
    ) -> None:
        self.name = name
        self.list_rules = list_rules
        self.conf = conf
        self._enforcer: oslo_policy.Enforcer | None = None
        self._lock = threading.Lock()

    @property
    def enforcer(self) -> oslo_policy.Enforcer:
        with self._lock:
            if self._enforcer is None:
                enforcer = oslo_policy.Enforcer(self.conf)
                enforcer.register_defaults(list(self.list_rules()))
                enforcer.load_rules()
                self._enforcer = enforcer
            return self._enforcer

    def reset(self) -> None:
        """Forget the enforcer (tests; a changed policy file is reloaded by oslo.policy)."""
        with self._lock:
            if self._enforcer is not None:
                self._enforcer.clear()
            self._enforcer = None

    def rule_names(self) -> set[str]:
        return {rule.name for rule in self.list_rules()}

    def set_rules(self, rules: dict[str, str], overwrite: bool = False) -> None:
        """Override rules in memory (tests and embedded use)."""
        parsed = oslo_policy.Rules.from_dict(rules)
        self.enforcer.set_rules(parsed, overwrite=overwrite, use_conf=False)

    def authorize(
        self, context: RequestContext, action: str, target: dict[str, Any] | None = None
    ) -> None:
        if target is None:
            target = {"project_id": context.project_id, "user_id": context.user_id}
        try:
            allowed = self.enforcer.authorize(
                action, target, context.to_policy_values(), do_raise=False
            )
        except oslo_policy.PolicyNotRegistered:
            LOG.exception("Policy %s is not registered for %s", action, self.name)
            raise
        if not allowed:
            LOG.info(
                "Policy %s refused for user %s project %s",
                action,
                context.user_id,
                context.project_id,
            )
            raise exception.PolicyNotAuthorized(action=action)

    def check_is_admin(self, context: RequestContext) -> bool:
        """Whether ``context`` passes the service's ``context_is_admin`` rule."""
        return bool(
            self.enforcer.authorize(
                "context_is_admin", {}, context.to_policy_values(), do_raise=False
            )
        )


_SERVICES: dict[str, ServicePolicy] = {}


def register_service(name: str, list_rules: Callable[[], Iterable[Any]]) -> ServicePolicy:
    """Register (or return the already registered) policy of service ``name``."""
    if name not in _SERVICES:
        _SERVICES[name] = ServicePolicy(name, list_rules)
    return _SERVICES[name]


def get_service(name: str) -> ServicePolicy:
    return _SERVICES[name]


def _service_for(action: str) -> ServicePolicy:
    for service in _SERVICES.values():
        if action in service.rule_names():
            return service
    raise oslo_policy.PolicyNotRegistered(action)


def authorize(context: RequestContext, action: str, target: dict[str, Any] | None = None) -> None:
    """Enforce ``action`` with the rules of the service that registered it."""
    _service_for(action).authorize(context, action, target)


def reset() -> None:
    for service in _SERVICES.values():
        service.reset()
