"""``amplify-credhelper setup-docker``: assign registries to a profile, and send Docker's
clients to this helper for them.

It keeps the registries in the profile's ``docker`` settings (each registry on one stored
profile: assigning it moves it) and writes ``"REGISTRY": "amplify"`` into ``credHelpers`` of
``$DOCKER_CONFIG/config.json``, dropping any password an old ``docker login`` left there for
that registry. ``--unset`` removes our entries only, and the assignments. ``login --registry``
sets a profile's registries too (``add_login_options``, ``login_settings``).
"""

from __future__ import annotations

import copy
import shutil
import warnings

from credhelper import (
    ConfigError,
    Profile,
    config_lock,
    is_loopback,
    list_profiles,
    load_profile,
    update_settings,
)
from credhelper.commands import PROG, Command, shown, signals_raise

from . import dockerconfig
from .assignments import (
    KEY,
    assign,
    doctor_checks,
    own_settings,
    registries_of,
    served,
    settings_with,
    unassign,
)
from .names import BadRegistry, is_plain_http, normalise

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Mapping

    from credhelper.commands import CommandParser, Streams


class SetupDocker(Command):
    name = "setup-docker"  # settings_key: "docker" (assignments.KEY)
    help = "make docker, skopeo, buildah, crane and Helm get a profile's credentials for registries"
    description = (
        "Assign registries to a profile and send Docker's credential lookups for them to "
        "docker-credential-amplify (credHelpers in $DOCKER_CONFIG/config.json, default "
        "~/.docker/config.json). Without REGISTRY: the profile's registries again; with --unset, "
        "every registry of ours (or of --profile)."
    )

    def __init__(
        self,
        docker_config_dir: str | None = None,
        which: Callable[[str], str | None] = shutil.which,
    ) -> None:
        self.docker_config_dir, self.which = docker_config_dir, which

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "registries",
            nargs="*",
            metavar="REGISTRY",
            help="docker.repository.axway.com, helm.repository.axway.com, host:port",
        )
        parser.add_argument(
            "--unset", action="store_true", help="remove our entries and the assignments"
        )

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        # Docker's config.json and the profiles are read, changed and written as one step:
        # another setup-docker, an erase or a login at the same moment waits its turn.
        with config_lock():
            return self._run(args, io)

    def _run(self, args: argparse.Namespace, io: Streams) -> int:
        path = dockerconfig.config_path(self.docker_config_dir)
        config = dockerconfig.read(path)  # a broken file stops us before anything changes
        if args.unset:
            return self._unset(args, path, config, io)
        profile = _secret_profile(args.profile)
        registries = checked_registries(args.registries) or registries_of(profile)
        if not registries:
            raise ConfigError(f"no registry given, and profile {profile.name!r} has none: name one")
        original = copy.deepcopy(config)
        notes = dockerconfig.point_at_us(config, registries)
        saved = dockerconfig.snapshot(path), _stored_assignments()
        with signals_raise():  # a second signal during the undo is noted and dropped
            try:
                moved = assign(profile, registries)
                if config != original:  # a run that changes nothing leaves the file alone
                    dockerconfig.save(path, config)
            except BaseException:  # a failed write, Ctrl-C, a signal: all as it was
                _undo(path, *saved)
                raise
        for registry in registries:
            came = f" (moved from profile {moved[registry]!r})" if registry in moved else ""
            io.stdout.write(f"{registry}: served by profile {profile.name!r}{came}\n")
        for note in notes:
            warnings.warn(note, stacklevel=2)
        self._warn_if_not_on_path()
        return 0

    # -- the login option of the docker settings --------------------------------------------

    def add_login_options(self, parser: CommandParser) -> None:
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
        if args.docker_registries is None:
            return None  # as for --git-host: options given replace, others leave things be
        if args.key_file is not None:
            raise ConfigError(
                "--registry goes with a client secret: a registry takes a client id and "
                "secret, and a key profile has no secret to give"
            )
        registries = checked_registries(args.docker_registries)
        _refuse_registries_of_others(registries, current, args.profile)
        return settings_with(current, registries)

    def doctor_checks(self, profile: Profile) -> list[tuple[str, str, str]]:
        return doctor_checks(profile)

    def _unset(
        self,
        args: argparse.Namespace,
        path: str,
        config: dict[str, object],
        io: Streams,
    ) -> int:
        chosen = checked_registries(args.registries)
        if not chosen and args.profile:
            chosen = list(registries_of(load_profile(args.profile)))
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

    def _warn_if_not_on_path(self) -> None:
        if self.which("docker-credential-amplify") is None:
            warnings.warn("docker-credential-amplify is not on PATH, so no client can run it: "
                          "add the folder it is installed in to PATH", stacklevel=3)  # fmt: skip


def checked_registries(names: list[str]) -> list[str]:
    """Registry names from the command line, each in its one spelling; ConfigError if bad."""
    found = []
    for name in names:
        try:
            registry = normalise(name)
        except BadRegistry as exc:
            raise ConfigError(f"{exc}: expected a name like docker.repository.axway.com") from None
        if is_plain_http(name) and not is_loopback(registry):
            raise ConfigError(
                f"refusing {shown(name, 200)}: a registry's secret only travels over https "
                "(plain http is allowed for 127.0.0.1, ::1 and localhost only)"
            )
        found.append(registry)
    return list(dict.fromkeys(found))


def _secret_profile(name: str | None) -> Profile:
    profile = load_profile(name)
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


def _refuse_registries_of_others(
    registries: list[str], current: Mapping[str, object], profile: str | None
) -> None:
    """Each registry has one stored profile. ``login`` saves the profile it logs in, and
    nothing else, so it cannot move one here (setup-docker can, after the login)."""
    owners = served(stored_only=True)
    listed = current.get("registries")
    own = {_name_of(r) for r in listed if isinstance(r, str)} if isinstance(listed, tuple) else ()
    for registry in registries:
        if registry in owners and registry not in own:  # not listed here: another's
            named = f" --profile {profile}" if profile else ""
            raise ConfigError(
                f"{registry} is served by profile {owners[registry].name!r}: log in without "
                f"--registry {registry}, then move it with `{PROG} setup-docker{named} {registry}`"
            )


def _every_stored_registry() -> list[str]:
    stored = (p for p in list_profiles() if not p.from_environment)
    return [registry for profile in stored for registry in registries_of(profile)]


def _stored_assignments() -> dict[str, Mapping[str, object]]:
    """The docker settings of every stored profile, to put back after a failed run."""
    return {p.name: own_settings(p) for p in list_profiles() if not p.from_environment}


def _undo(path: str, data: bytes | None, before: Mapping[str, Mapping[str, object]]) -> None:
    """Put config.json and the assignments back as they were before a failed run."""
    dockerconfig.restore(path, data)
    for profile in list_profiles():
        if profile.name in before and own_settings(profile) != before[profile.name]:
            update_settings(profile, KEY, before[profile.name] or None)


def _name_of(key: str) -> str:
    try:
        return normalise(key)
    except BadRegistry:
        return key


SETUP_DOCKER = SetupDocker()
