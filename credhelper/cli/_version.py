"""The version, from one source of truth: the installed package's metadata (setup.cfg's
``version``). It is read only when asked for, so no other command pays for importlib.metadata.
"""

from __future__ import annotations

import argparse
import sys

DISTRIBUTION = "amplify-credhelper"


def version() -> str:
    """The installed version of amplify-credhelper, e.g. ``0.1.0``."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(DISTRIBUTION)
    except PackageNotFoundError:  # imported from a source tree that was never installed
        return "unknown (not installed)"


def version_line(prog: str) -> str:
    """What ``PROG --version`` prints: the program's name and the package's version."""
    return f"{prog} {version()}"


class VersionAction(argparse.Action):
    """``--version`` for argparse, reading the version only when the option is given
    (argparse's own ``version`` action wants the text when the parser is built)."""

    def __init__(
        self,
        option_strings: list[str],
        dest: str = argparse.SUPPRESS,
        help: str = "print the version and exit",
    ) -> None:  # noqa: A002  (argparse's name)
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        # To sys.stdout, as argparse's help: the CLI points it at the command's stdout.
        sys.stdout.write(version_line(parser.prog) + "\n")
        parser.exit()
