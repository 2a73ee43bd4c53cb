"""The quota engine's pure parts: which limit applies, what fits, Nova's messages."""

from __future__ import annotations

import pytest

from common.config import CONF
from compute import exception, quota


@pytest.fixture
def conf_quota():
    yield CONF
    CONF.clear_override("instances", group="quota")
    CONF.clear_override("driver", group="quota")


def test_class_row_wins_until_the_option_is_changed(conf_quota):
    assert quota.default_limits({"instances": 15})["instances"] == 15
    assert quota.default_limits({})["instances"] == 10
    conf_quota.set_override("instances", 20, group="quota")
    assert quota.default_limits({"instances": 15})["instances"] == 20


def test_user_limit_then_project_then_default():
    defaults = quota.default_limits({})
    limits = quota.effective_limits(defaults, {"cores": 8}, {"cores": 2, "ram": None})
    assert limits["project"]["cores"] == 8
    assert limits["user"]["cores"] == 2
    assert limits["user"]["ram"] == limits["project"]["ram"] == 51200


def test_too_many_instances_message_is_novas():
    overs = quota.find_overs(
        {"instances": 1, "cores": 1},
        {"instances": 10, "cores": 3},
        {
            "instances": 10,
            "cores": 20,
        },
    )
    assert overs == ["instances"]
    error = quota.over_quota(overs, {"instances": 1}, {"instances": 10}, {"instances": 10})
    assert isinstance(error, exception.TooManyInstances)
    assert isinstance(error, exception.OverQuota)
    assert error.code == 403
    assert error.format_message() == (
        "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"
    )


def test_unlimited_never_over():
    assert quota.find_overs({"instances": 1000}, {"instances": 5}, {"instances": -1}) == []


def test_fitting_count_takes_what_fits_down_to_min_count():
    usage = {"project": {"instances": 8, "cores": 8, "ram": 0}}
    usage["user"] = dict(usage["project"])
    limits = quota.effective_limits(quota.default_limits({}), {}, {})
    wanted = [{"vcpus": 1, "memory_mb": 512}] * 5
    assert quota.fitting_count(wanted, 2, lambda: usage, limits) == 2
    with pytest.raises(exception.TooManyInstances) as caught:
        quota.fitting_count(wanted, 5, lambda: usage, limits)
    assert "Requested 5, but already used 8 of 10 instances" in caught.value.format_message()


def test_noop_driver_lets_everything_through(conf_quota):
    conf_quota.set_override("driver", "nova.quota.NoopQuotaDriver", group="quota")
    usage = {"project": {"instances": 100}, "user": {"instances": 100}}
    assert quota.fitting_count([{}] * 3, 3, lambda: usage, {}) == 3
