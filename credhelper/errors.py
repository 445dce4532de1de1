"""Errors raised by amplify-credhelper, each tied to the exit code the command line documents.

    CredhelperError              the root; never raised itself
    ├── ConfigError              exit 1: bad usage, unknown profile, bad URL, unreadable config
    ├── CredentialsRejected      exit 2: the login service refused the client credentials
    ├── LoginServiceError        exit 3: login service unreachable, timing out, failing,
    │                                    or answering something that is not a usable token
    └── KeyringUnavailable       exit 4: no usable keyring (none found, locked, or refused)

Messages say what failed and what to do next. They never contain a secret or a token.
"""

from __future__ import annotations


class CredhelperError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = 1


class ConfigError(CredhelperError):
    """The request or the stored configuration cannot be used as it is."""

    exit_code = 1


class CredentialsRejected(CredhelperError):
    """The login service answered, and said no to these credentials."""

    exit_code = 2


class LoginServiceError(CredhelperError):
    """No usable token could be had from the login service."""

    exit_code = 3


class KeyringUnavailable(CredhelperError):
    """The OS keyring cannot be used to read or keep the secret."""

    exit_code = 4
