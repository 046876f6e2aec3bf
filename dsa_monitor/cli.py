"""``dsa-monitor``: the command line, one module per command group in ``dsa_monitor/commands/``.

Each module there exposes ``command`` (a click command or group); this file only assembles them.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

from . import __version__, commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dsa-monitor")
def main() -> None:
    """Watch transplant and cell-therapy recipients for donor-specific anti-HLA antibodies."""


for _module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
    main.add_command(importlib.import_module(f"{commands.__name__}.{_module.name}").command)


if __name__ == "__main__":
    main()
