"""``amplify-credhelper audit``: the local audit log (see ``tokens/_audit``), oldest first.

One line per event: local time, event, profile, who asked, outcome. With ``--json``, the
events as they are kept, as one JSON array. The file is ours but anything may have written
it: a value is shown without control characters and bounded, a line that is no event (not
JSON, too long) is counted, never shown.
"""

from __future__ import annotations

import calendar
import time

from ..commands import Command
from ..tokens import _audit
from ..tokens.oauth import shown_json
from ._output import print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from ..commands import CommandParser, Streams

_COLUMNS = ("event", "profile", "asked_by", "outcome")


class Audit(Command):
    name = "audit"
    help = "show the local audit log: logins, mints, revocations, logouts, secrets handed out"
    description = (
        help + "; kept as audit.log in the user's state folder ($XDG_STATE_HOME/"
        "amplify-credhelper on Linux), one JSON line per event, never a token or a secret"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="the events as a JSON array")

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        events, unreadable = _audit.entries(args.profile)
        if args.json:
            print_json(io.stdout, events)
        else:
            io.stdout.writelines(_row(event) + "\n" for event in events)
            if not events:
                io.stdout.write(f"no events in {_audit.path()}\n")
        if unreadable:
            io.stderr.write(f"audit: {unreadable} line{'s' if unreadable > 1 else ''} of "
                            f"{_audit.path()} could not be read as events\n")  # fmt: skip
        return 0


def _row(event: dict[str, object]) -> str:
    """One event as a line: local time, then the columns, each value made safe to print."""
    values = [shown_json(event.get(key), 40) or "-" for key in _COLUMNS]
    return "  ".join([_local(event.get("time")), *(f"{v:<10}" for v in values)]).rstrip()


def _local(moment: object) -> str:
    """The UTC time the log keeps, as local time; anything else, shown safely."""
    try:
        seconds = calendar.timegm(time.strptime(str(moment), "%Y-%m-%dT%H:%M:%SZ"))
    except (ValueError, OverflowError):
        return f"{shown_json(moment, 20) or '-':<19}"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


AUDIT = Audit()
