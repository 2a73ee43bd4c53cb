"""oslo-config-generator, with a service's own option defaults shown in its sample.

Cinder runs the shared options with a few defaults of its own (``control_exchange =
cinder``), applied at start-up by ``blockstorage.conf.set_service_defaults()`` through
``CONF.set_default``. oslo-config-generator prints each option's declared default, so
it would document Nova's values in cinder.conf.sample. This wrapper runs the service's
defaults hook first and copies every default the hook changed onto the option itself,
then hands over to the generator; it never hard-codes which options a hook touches.

    python etc/config_generator.py [--defaults-hook module:function] <generator args>
"""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import entry_points

from oslo_config import cfg, generator


def _project_options() -> list[tuple[str, cfg.Opt]]:
    """Every option Novella declares, from its ``oslo.config.opts`` entry points."""
    options = []
    for entry_point in entry_points(group="oslo.config.opts"):
        if entry_point.name.startswith("novella."):
            for group, opts in entry_point.load()():
                name = getattr(group, "name", group) or "DEFAULT"
                options.extend((name, opt) for opt in opts)
    return options


def _effective_default(conf: cfg.ConfigOpts, group: str, opt: cfg.Opt) -> object:
    try:
        return (conf if group == "DEFAULT" else conf[group])[opt.dest]
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return opt.default


def apply_defaults_hook(hook: str, conf: cfg.ConfigOpts = cfg.CONF) -> list[str]:
    """Run ``module:function`` and move the defaults it changed onto the options.

    Returns the ``group.option`` names whose sample default changed.
    """
    module_name, _, func_name = hook.partition(":")
    module = importlib.import_module(module_name)
    options = _project_options()
    before = [_effective_default(conf, group, opt) for group, opt in options]
    getattr(module, func_name)()
    changed = []
    for (group, opt), old in zip(options, before, strict=True):
        value = _effective_default(conf, group, opt)
        if value != old:
            opt.default = value
            changed.append(f"{group}.{opt.dest}")
    return changed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--defaults-hook")
    known, rest = parser.parse_known_args(argv)
    if known.defaults_hook:
        apply_defaults_hook(known.defaults_hook)
    generator.main(args=rest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
