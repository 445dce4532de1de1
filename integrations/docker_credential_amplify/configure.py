"""``amplify-credhelper setup-docker``: assign registries to a profile, and send Docker's
clients to this helper for them.

It keeps the registries in the profile's ``docker`` settings (each registry on one stored
profile: assigning it moves it) and writes ``"REGISTRY": "amplify"`` into ``credHelpers`` of
``$DOCKER_CONFIG/config.json``, dropping any password an old ``docker login`` left there for
that registry. ``--unset`` removes our entries only, and the assignments.
"""

from __future__ import annotations

import copy
import shutil

from credhelper import ConfigError, Profile

from . import _core_api as core
from . import dockerconfig
from .assignments import assign, registries_of, settings_with, unassign
from .names import BadRegistry, is_plain_http, normalise

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Mapping

HELP = "make docker, skopeo, buildah, crane and Helm get a profile's credentials for registries"
DESCRIPTION = (
    "Assign registries to a profile and send Docker's credential lookups for them to "
    "docker-credential-amplify (credHelpers in $DOCKER_CONFIG/config.json, default "
    "~/.docker/config.json). Without REGISTRY: the profile's registries again; with --unset, "
    "every registry of ours (or of --profile)."
)


class SetupDocker(core.Command):
    name = "setup-docker"
    help = HELP

    def __init__(
        self,
        docker_config_dir: str | None = None,
        which: Callable[[str], str | None] = shutil.which,
    ) -> None:
        self.docker_config_dir, self.which = docker_config_dir, which

    def add_parser(self, commands: object, common: core.CommandParser) -> core.CommandParser:
        parser: core.CommandParser = commands.add_parser(  # type: ignore[attr-defined]
            self.name, parents=[common], help=self.help, description=DESCRIPTION
        )
        parser.add_argument(
            "registries",
            nargs="*",
            metavar="REGISTRY",
            help="docker.repository.axway.com, helm.repository.axway.com, host:port",
        )
        parser.add_argument(
            "--unset", action="store_true", help="remove our entries and the assignments"
        )
        return parser

    def run(self, args: argparse.Namespace, io: core.Streams) -> int:
        path = dockerconfig.config_path(self.docker_config_dir)
        config = dockerconfig.load(path)  # a broken file stops us before anything changes
        if args.unset:
            return self._unset(args, path, config, io)
        profile = _secret_profile(args.profile)
        registries = checked_registries(args.registries) or registries_of(profile)
        if not registries:
            raise ConfigError(f"no registry given, and profile {profile.name!r} has none: name one")
        original = copy.deepcopy(config)
        notes = dockerconfig.point_at_us(config, registries)
        before = core.docker_settings(profile)
        moved = assign(profile, registries)
        try:
            if config != original:  # a run that changes nothing leaves the file alone
                dockerconfig.save(path, config)
        except ConfigError:
            _undo(profile, before, moved)
            raise
        for registry in registries:
            came = f" (moved from profile {moved[registry]!r})" if registry in moved else ""
            io.stdout.write(f"{registry}: served by profile {profile.name!r}{came}\n")
        for note in notes:
            io.stderr.write(f"amplify-credhelper setup-docker: {note}\n")
        self._warn_if_not_on_path(io)
        return 0

    def add_login_options(self, parser: core.CommandParser) -> None:
        parser.add_argument(
            "--registry",
            action="append",
            dest="docker_registries",
            metavar="REGISTRY",
            help="a container or Helm registry this profile serves (then run setup-docker)",
        )

    def login_settings(
        self, args: argparse.Namespace, current: Mapping[str, object]
    ) -> Mapping[str, object] | None:
        given = getattr(args, "docker_registries", None)
        if not given:
            return None  # as for --git-host: options given replace, others leave things be
        return settings_with(current, checked_registries(given))

    def _unset(
        self,
        args: argparse.Namespace,
        path: str,
        config: dict[str, object],
        io: core.Streams,
    ) -> int:
        chosen = checked_registries(args.registries)
        if not chosen and args.profile:
            chosen = list(registries_of(core.load_profile(args.profile)))
        removed = dockerconfig.remove_ours(config, set(chosen) if chosen else None)
        if removed:
            dockerconfig.save(path, config)
        taken = unassign(chosen or _every_stored_registry())
        gone = {*taken, *map(_name_of, removed)}
        for registry in dict.fromkeys([*chosen, *taken, *map(_name_of, removed)]):
            where = f" (was on profile {taken[registry]!r})" if registry in taken else ""
            done = f"no longer served by amplify-credhelper{where}"
            io.stdout.write(f"{registry}: {done if registry in gone else 'nothing to remove'}\n")
        if not (chosen or gone):
            io.stdout.write("nothing to remove\n")
        return 0

    def _warn_if_not_on_path(self, io: core.Streams) -> None:
        if self.which("docker-credential-amplify") is None:
            io.stderr.write(
                "amplify-credhelper setup-docker: warning: docker-credential-amplify is not on "
                "PATH, so no client can run it: add the folder it is installed in to PATH\n"
            )


def checked_registries(names: list[str]) -> list[str]:
    """Registry names from the command line, each in its one spelling; ConfigError if bad."""
    found = []
    for name in names:
        try:
            registry = normalise(name)
        except BadRegistry as exc:
            raise ConfigError(f"{exc}: expected a name like docker.repository.axway.com") from None
        if is_plain_http(name) and not core.is_loopback(registry):
            raise ConfigError(
                f"refusing {name!r}: a registry's secret only travels over https (plain http "
                "is allowed for 127.0.0.1, ::1 and localhost only)"
            )
        found.append(registry)
    return list(dict.fromkeys(found))


def _secret_profile(name: str | None) -> Profile:
    profile = core.load_profile(name)
    if profile.from_environment:
        raise ConfigError(
            "setup-docker needs a stored profile: name one with --profile (the "
            "AMPLIFY_CLIENT_ID/_SECRET profile serves AMPLIFY_DOCKER_REGISTRIES)"
        )
    if profile.uses_key:
        raise ConfigError(
            f"profile {profile.name!r} uses a private key: registries take a client id and "
            "secret, so assign them to a secret profile"
        )
    return profile


def _every_stored_registry() -> list[str]:
    stored = (p for p in core.list_profiles() if not p.from_environment)
    return [registry for profile in stored for registry in registries_of(profile)]


def _undo(profile: Profile, before: Mapping[str, object], moved: Mapping[str, str]) -> None:
    """Put the assignments back as they were before a failed run."""
    core.update_docker_settings(profile, before or None)
    for registry, owner in moved.items():
        assign(core.load_profile(owner), [registry])


def _name_of(key: str) -> str:
    try:
        return normalise(key)
    except BadRegistry:
        return key


SETUP_DOCKER = SetupDocker()
