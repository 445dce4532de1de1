"""``CommandParser``, the argparse parser of every command (``credhelper.commands`` names it).

Apart from ``commands`` so that running a command does not load argparse: only building a
parser does.
"""

from __future__ import annotations

import argparse

from .errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


class CommandParser(argparse.ArgumentParser):
    """The parser of every command: a usage error is a ConfigError (exit 1, one line), not
    argparse's SystemExit(2) with the usage on stderr. Help goes to ``sys.stdout``, which the CLI
    points at the command's stdout while it parses."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message} (see `{self.prog} --help`)")
