"""docker-credential-amplify: a service account's client id and secret for container and Helm
registries, through Docker's credential-helper protocol.

    {"credHelpers": {"docker.repository.axway.com": "amplify"}}

in ``$DOCKER_CONFIG/config.json`` (``amplify-credhelper setup-docker`` writes it) makes docker,
skopeo, buildah, crane and Helm run ``docker-credential-amplify get`` for that registry.
``main`` is the only code that touches argv, the standard streams and the exit status.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    from credhelper.commands import exit_program, reported, standard_streams

    from .helper import ProfileRegistries
    from .protocol import serve

    stdin, stdout, stderr = standard_streams()
    helper = ProfileRegistries()
    # reported: a usage text that cannot be written (a full disk) is one line and exit 1 too
    exit_program(
        reported(
            "docker-credential-amplify",
            stderr,
            lambda: serve(sys.argv[1:], stdin.buffer, stdout.buffer, stderr, helper),
        )
    )
