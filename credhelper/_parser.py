"""``CommandParser``, the argparse parser of every command (``credhelper.commands`` names it).

Apart from ``commands`` so that running a command does not load argparse: only building a
parser does.
"""

from __future__ import annotations

import argparse
import sys

from .errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn


class CommandParser(argparse.ArgumentParser):
    """The parser of every command: a usage error is a ConfigError (exit 1, one line), not
    argparse's SystemExit(2) with the usage on stderr. Help goes to ``sys.stdout``, which the CLI
    points at the command's stdout while it parses."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message} (see `{self.prog} --help`)")

    def _print_message(self, message: str, file: Any = None) -> None:  # any writable stream
        # argparse drops a write that fails: --help to a full disk or a closed stdout would end
        # with exit 0 and nothing printed. Help fails as any output does (one line, exit 1).
        if not message or file is None or file is sys.stderr:
            return super()._print_message(message, file)
        file.write(message)
        file.flush()  # a full disk is known now, not after argparse has said "success"
        return None
