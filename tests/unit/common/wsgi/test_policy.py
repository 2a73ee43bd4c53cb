"""Policy: registered defaults, 403 on refusal, operator overrides from the policy file."""

from __future__ import annotations

import pytest
from oslo_policy import policy as oslo_policy

from common import exception
from common.context import RequestContext
from common.wsgi import policy
from tests.unit.common.wsgi import fakes

RULES = [
    oslo_policy.RuleDefault("context_is_admin", "role:admin"),
    oslo_policy.RuleDefault("admin_or_owner", "is_admin:True or project_id:%(project_id)s"),
    oslo_policy.RuleDefault("admin_api", "is_admin:True"),
    oslo_policy.RuleDefault("unit:thing:list", "rule:admin_or_owner"),
    oslo_policy.RuleDefault("unit:thing:purge", "rule:admin_api"),
]

ALICE = RequestContext(user_id="alice", project_id="p1", roles=["member", "reader"])
ADMIN = RequestContext(user_id="root", project_id="p0", roles=["admin"])


@pytest.fixture
def service(tmp_path):
    svc = policy.ServicePolicy("unit-test", lambda: RULES)
    policy._SERVICES["unit-test"] = svc
    with fakes.configured("nova", "", tmp_path):
        yield svc
    policy._SERVICES.pop("unit-test", None)


def test_owner_rule(service):
    policy.authorize(ALICE, "unit:thing:list", {"project_id": "p1"})
    with pytest.raises(exception.PolicyNotAuthorized) as info:
        policy.authorize(ALICE, "unit:thing:list", {"project_id": "p2"})
    assert info.value.code == 403
    policy.authorize(ADMIN, "unit:thing:list", {"project_id": "p2"})


def test_default_target_is_the_callers_project(service):
    policy.authorize(ALICE, "unit:thing:list")


def test_admin_only_rule(service):
    with pytest.raises(exception.PolicyNotAuthorized, match="unit:thing:purge"):
        service.authorize(ALICE, "unit:thing:purge")
    service.authorize(ADMIN, "unit:thing:purge")
    assert service.check_is_admin(ADMIN)
    assert not service.check_is_admin(ALICE)


def test_unregistered_action_is_an_error(service):
    with pytest.raises(oslo_policy.PolicyNotRegistered):
        policy.authorize(ADMIN, "unit:no-such-rule")


def test_policy_file_overrides(service, tmp_path):
    from common.config import CONF

    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"unit:thing:purge": "role:member"\n')
    CONF.set_override("policy_file", str(policy_file), group="oslo_policy")
    service.reset()
    service.authorize(ALICE, "unit:thing:purge")


def test_service_defaults_registered():
    from blockstorage.api import policies as cinder_policies
    from compute.api import policies as nova_policies

    for module in (nova_policies, cinder_policies):
        names = {rule.name for rule in module.list_rules()}
        assert {"context_is_admin", "admin_or_owner", "admin_api"} <= names
    assert policy.get_service("nova") is nova_policies.POLICY
    assert policy.get_service("cinder") is cinder_policies.POLICY
