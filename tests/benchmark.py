#!/usr/bin/env python3
"""Speed and request counts of amplify-credhelper, measured side by side in one run.

    python tests/benchmark.py [--runs N] [--venv DIR]

Without --venv it installs the project (non-editable, as users get it) into a fresh temporary
venv. Commands are timed interleaved, so machine noise hits each about equally, and reported as
ratios to a bare start of the same interpreter. Bytecode writing is enabled for the children
(PYTHONDONTWRITEBYTECODE would make every run compile). It prints, it asserts nothing: the
tests check behaviour, this reports speed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "support"))
from token_endpoint import TokenEndpoint  # noqa: E402

GIT_INPUT = "protocol=https\nhost=git.example.com\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each command")
    parser.add_argument("--venv", type=Path, help="a venv where the project is installed")
    parser.add_argument(
        "--concurrent", type=int, default=50, help="processes in the cold-start race"
    )
    parser.add_argument(
        "--no-httpie-baseline",
        action="store_true",
        help="skip the HTTPie-only venv that shows what installing the plugin costs",
    )
    parser.add_argument("--measure-auth", type=int, help=argparse.SUPPRESS)  # the child's side
    args = parser.parse_args()
    if args.measure_auth:
        return print(json.dumps(measure_auth(args.measure_auth)))
    with tempfile.TemporaryDirectory(prefix="amplify-bench-") as scratch:
        venv = args.venv or _install(Path(scratch) / "venv", str(REPO), "httpie")
        if not args.no_httpie_baseline:
            Bench.plain_venv = _install(Path(scratch) / "httpie-alone", "httpie")
        with TokenEndpoint() as endpoint:
            Bench(venv, Path(scratch), endpoint).run(args.runs, args.concurrent)


def _install(venv: Path, *packages: str) -> Path:
    print(f"installing {' '.join(packages)} into {venv} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, *packages], check=True, stderr=subprocess.DEVNULL)
    return venv


class Bench:
    plain_venv: Path | None = None  # HTTPie alone, to show what installing the plugin costs

    def __init__(self, venv: Path, scratch: Path, endpoint: TokenEndpoint) -> None:
        self.bin, self.endpoint = venv / "bin", endpoint
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AMPLIFY_", "PYTHON"))}
        self.env.update(XDG_CONFIG_HOME=str(scratch / "config"), HOME=str(scratch / "home"))

    def run(self, runs: int, concurrent: int) -> None:
        print(
            f"amplify-credhelper benchmark: Python {sys.version.split()[0]}, {runs} interleaved runs each"
        )
        before = self.endpoint.token_requests
        self._login()
        print(f"token requests made by one login: {self.endpoint.token_requests - before}")
        self._timings(runs)
        self._python_api(runs)
        self._imports()
        self._cold_race(concurrent)
        self._httpie(runs, self.plain_venv)

    def _login(self) -> None:
        # The file-backed test keyring stands in for the OS keyring; a cache hit never reads it.
        env = {
            **self.env,
            "PYTHONPATH": str(REPO / "tests" / "support"),
            "PYTHON_KEYRING_BACKEND": "fake_keyring.FileKeyring",
            "AMPLIFY_TEST_KEYRING_FILE": str(Path(self.env["HOME"]) / "keyring.json"),
        }
        Path(self.env["HOME"]).mkdir(parents=True, exist_ok=True)
        self.keyring_env = env
        subprocess.run(
            [
                str(self.bin / "amplify-credhelper"),
                "login",
                "--client-id",
                "test-client",
                "--base-url",
                self.endpoint.base_url,
                "--secret-stdin",
                "--git-host",
                "git.example.com",
            ],
            input="test-secret",
            text=True,
            env=env,
            check=True,
            capture_output=True,
        )

    def _commands(self) -> dict[str, tuple[list[str], str]]:
        commands = {
            "python -c pass": ([str(self.bin / "python"), "-c", "pass"], ""),
            "amplify-credhelper token": ([str(self.bin / "amplify-credhelper"), "token"], ""),
        }
        git_helper = self.bin / "git-credential-amplify"
        if git_helper.exists() and self._works([str(git_helper), "get"], GIT_INPUT):
            commands["git-credential-amplify get"] = ([str(git_helper), "get"], GIT_INPUT)
        return commands

    def _works(self, argv: list[str], stdin: str) -> bool:
        done = subprocess.run(argv, input=stdin, text=True, capture_output=True, env=self.env)
        return done.returncode == 0 and bool(done.stdout)

    def _timings(self, runs: int) -> None:
        commands = self._commands()
        samples = interleaved(
            {name: (argv, stdin, self.env) for name, (argv, stdin) in commands.items()}, runs
        )
        base = statistics.median(samples["python -c pass"])
        print("median wall time, cache hit (ratio to `python -c pass`; goal 3x, limit 4x):")
        for name, times in samples.items():
            median = statistics.median(times)
            print(f"  {name:34s} {median * 1000:7.1f} ms  {median / base:5.2f}x")

    def _python_api(self, runs: int) -> None:
        """What the auths cost per request on a cache hit, against a static two-header auth."""
        done = subprocess.run(
            [str(self.bin / "python"), __file__, "--measure-auth", str(runs)],
            env=self.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        figures = json.loads(done.stdout)
        print(
            "per request on a cache hit, median (ratio to a static two-header auth; goal 2x, limit 3x):"
        )
        for name, (ours, static) in figures.items():
            print(
                f"  {name:34s} {ours * 1e6:7.2f} us vs {static * 1e6:6.2f} us  {ours / static:5.2f}x"
            )

    def _imports(self) -> None:
        env = {**self.env, "PYTHONPROFILEIMPORTTIME": "1"}
        done = subprocess.run(
            [str(self.bin / "amplify-credhelper"), "token"], env=env, capture_output=True, text=True
        )
        loaded = {
            line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line
        }
        heavy = sorted(
            m
            for m in loaded
            if m.split(".")[0] in {"keyring", "httpx", "filelock", "typing", "dataclasses"}
        )
        print(
            f"modules the cache hit imports: {len(loaded)}; keyring/httpx/filelock/typing/dataclasses among them: {heavy or 'none'}"
        )

    def _cold_race(self, count: int) -> None:
        config = (
            Path(self.env["XDG_CONFIG_HOME"]) / "amplify-credhelper" / "tokens" / "default.json"
        )
        config.unlink()
        before = self.endpoint.token_requests
        argv = [str(self.bin / "amplify-credhelper"), "token"]
        started = time.monotonic()
        with ThreadPoolExecutor(count) as pool:
            results = list(
                pool.map(
                    lambda _: subprocess.run(
                        argv, env=self.keyring_env, capture_output=True, text=True, timeout=120
                    ),
                    range(count),
                )
            )
        ok = sum(r.returncode == 0 for r in results)
        tokens = {r.stdout for r in results}
        print(
            f"{count} concurrent cold `token` calls: {self.endpoint.token_requests - before} token request(s), "
            f"{ok}/{count} succeeded, {len(tokens)} distinct token(s), {time.monotonic() - started:.1f} s"
        )

    def _httpie(self, runs: int, plain_venv: Path | None) -> None:
        http = self.bin / "http"
        if not http.exists():
            print("HTTPie: not installed in this venv, skipped")
            return
        url = "https://apicentral.axway.com/apis"
        loads = [self._plugin_load_ms(http, url) for _ in range(max(5, runs // 4))]
        print(
            f"HTTPie plugin load inside `http` (median of {len(loads)}): "
            f"{statistics.median(loads):.2f} ms (limit 5 ms)"
        )
        commands = {
            "http --offline (plugin installed)": ([str(http), "--offline", url], "", self.env),
            "http --offline --auth-type=amplify": (
                [str(http), "--offline", "-A", "amplify", url],
                "",
                self.env,
            ),
        }
        if plain_venv is not None:
            commands["http --offline (HTTPie alone)"] = (
                [str(plain_venv / "bin" / "http"), "--offline", url],
                "",
                self.env,
            )
        samples = interleaved(commands, max(5, runs // 4))
        base = statistics.median(
            samples.get("http --offline (HTTPie alone)")
            or samples["http --offline (plugin installed)"]
        )
        for name, times in samples.items():
            median = statistics.median(times)
            print(f"  {name:40s} {median * 1000:7.1f} ms  {median / base:5.2f}x")

    def _plugin_load_ms(self, http: Path, url: str) -> float:
        """What loading the plugin costs a real `http` run: its modules' own import times."""
        env = {**self.env, "PYTHONPROFILEIMPORTTIME": "1"}
        done = subprocess.run(
            [str(http), "--offline", url], env=env, capture_output=True, text=True
        )
        rows = [line.split("|") for line in done.stderr.splitlines() if "| httpie_amplify" in line]
        # Top-level rows only: HTTPie imports the package, then the plugin class on first access.
        return sum(int(row[1]) for row in rows if row[2].startswith(" httpie_amplify")) / 1000


def measure_auth(rounds: int, calls: int = 2000) -> dict[str, tuple[float, float]]:
    """Run inside the venv: the median time per call of each auth and of its static twin.

    "flow" drives the httpx auth flow by hand (the auth's own cost, nothing else); "client" is a
    whole request through httpx.Client over a mock transport; "requests" calls the requests auth
    on a prepared request. Rounds alternate between the two of each pair.
    """
    import httpx
    import requests
    from httpie_amplify import AmplifyRequestsAuth

    import credhelper

    token = credhelper.get_token()
    bearer, org = f"Bearer {token.access_token}", token.org_id or "1"

    class StaticAuth(httpx.Auth):
        def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
            request.headers["Authorization"] = bearer
            request.headers["X-Axway-Tenant-Id"] = org
            yield request

    class StaticRequestsAuth(requests.auth.AuthBase):
        def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
            request.headers["Authorization"] = bearer
            request.headers["X-Axway-Tenant-Id"] = org
            return request

    url, ok = "https://apicentral.axway.com/apis", httpx.Response(200)

    def flow(auth: httpx.Auth) -> Callable[[], float]:
        def run() -> float:
            batch = [httpx.Request("GET", url) for _ in range(calls)]
            started = time.perf_counter()
            for request in batch:
                steps = auth.sync_auth_flow(request)
                next(steps)
                with contextlib.suppress(StopIteration):
                    steps.send(ok)
            return (time.perf_counter() - started) / calls

        return run

    def client(auth: httpx.Auth) -> Callable[[], float]:
        session = httpx.Client(auth=auth, transport=httpx.MockTransport(lambda r: ok))

        def run() -> float:
            started = time.perf_counter()
            for _ in range(calls // 4):
                session.get(url)
            return (time.perf_counter() - started) / (calls // 4)

        return run

    def prepared(auth: requests.auth.AuthBase) -> Callable[[], float]:
        def run() -> float:
            batch = [requests.Request("GET", url).prepare() for _ in range(calls)]
            started = time.perf_counter()
            for request in batch:
                auth(request)
            return (time.perf_counter() - started) / calls

        return run

    pairs = {
        "httpx AmplifyAuth (flow alone)": (flow(credhelper.AmplifyAuth()), flow(StaticAuth())),
        "httpx.Client request, mock transport": (
            client(credhelper.AmplifyAuth()),
            client(StaticAuth()),
        ),
        "requests AmplifyRequestsAuth": (
            prepared(AmplifyRequestsAuth()),
            prepared(StaticRequestsAuth()),
        ),
    }
    figures = {}
    for name, (ours, static) in pairs.items():
        ours(), static()  # warm-up: the first request mints nothing but loads the profile
        samples: tuple[list[float], list[float]] = ([], [])
        for _ in range(rounds):
            samples[0].append(ours())
            samples[1].append(static())
        figures[name] = (statistics.median(samples[0]), statistics.median(samples[1]))
    return figures


def interleaved(
    commands: dict[str, tuple[list[str], str, dict[str, str]]], runs: int
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for argv, stdin, env in commands.values():  # one warm-up each: page cache, .pyc files
        subprocess.run(argv, input=stdin, text=True, env=env, capture_output=True)
    for _ in range(runs):
        for name, (argv, stdin, env) in commands.items():
            started = time.perf_counter()
            subprocess.run(argv, input=stdin, text=True, env=env, capture_output=True)
            samples[name].append(time.perf_counter() - started)
    return samples


if __name__ == "__main__":
    main()
