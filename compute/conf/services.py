"""Placeholder: options are added here by the engineer who owns this area."""

from oslo_config import cfg


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return []
