#!/usr/bin/env python3
"""Speed and request counts of amplify-credhelper, measured side by side in one run.

    python tests/benchmark.py [--runs N] [--venv DIR] [--budget]

Without --venv it installs the project (non-editable, as users get it) into a fresh temporary
venv. Commands are timed interleaved, so machine noise hits each about equally, and reported as
ratios to a bare start of the same interpreter. Next to each wall-clock ratio stands the ratio of
instructions that valgrind's callgrind counts: that figure repeats to 0.1% however busy the
machine is (Debian package valgrind; skipped without it). Bytecode writing is enabled for the
children (PYTHONDONTWRITEBYTECODE would make every run compile). It prints, it asserts nothing:
the tests check behaviour, this reports speed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
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
DOCKER_INPUT = "docker.example.com\n"  # docker sends the registry's server URL on stdin
# What a cache hit never loads: what minting needs, and what only other paths need.
HEAVY = ("keyring", "httpx", "filelock", "platformdirs", "argparse", "urllib.parse", "typing",
         "dataclasses")  # fmt: skip
# A cache miss: keyring, lock, token request; each run mints (the endpoint is local).
MISS = "amplify-credhelper token --refresh"
LIMIT = 2.5  # a cache hit's, and docker get's: instructions (else wall time) over a bare start
# The line pip's console-script wrapper runs before it imports our code.
PIP_WRAPPER = "import re; re.sub(r'(-script\\.pyw|\\.exe)?$', '', 'x')"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each command")
    parser.add_argument("--venv", type=Path, help="a venv where the project is installed")
    parser.add_argument(
        "--concurrent", type=int, default=50, help="processes in the cold-start race"
    )
    parser.add_argument(
        "--busy-race", type=int, default=500,
        help="processes in the cold-start race beside 3 CPU-bound processes",
    )  # fmt: skip
    parser.add_argument(
        "--only-busy-race", action="store_true", help="log in and run that race alone"
    )
    parser.add_argument(
        "--no-httpie-baseline",
        action="store_true",
        help="skip the HTTPie-only venv that shows what installing the plugin costs",
    )
    parser.add_argument(
        "--budget",
        action="store_true",
        help="also show where a cache hit's instructions go, module by module (a minute more)",
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
            bench = Bench(venv, Path(scratch), endpoint)
            if args.only_busy_race:
                bench._login()
                return bench._busy_cold_race(args.busy_race)
            bench.run(args.runs, args.concurrent, args.budget, args.busy_race)


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

    def run(self, runs: int, concurrent: int, budget: bool = False, busy_race: int = 500) -> None:
        print(
            f"amplify-credhelper benchmark: Python {sys.version.split()[0]}, {runs} interleaved runs each"
        )
        before = self.endpoint.token_requests
        self._login()
        print(f"token requests made by one login: {self.endpoint.token_requests - before}")
        self._hits(runs)
        self._python_api(runs)
        if budget:
            self._budgets()
        self._imports()
        self._cold_race(concurrent)
        self._busy_cold_race(busy_race)
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

    def _commands(self) -> dict[str, tuple[list[str], str, dict[str, str]]]:
        """What users run on a cache hit, with its stdin and environment."""
        script = str(self.bin / "amplify-credhelper")
        commands = {
            "python -c pass": ([str(self.bin / "python"), "-c", "pass"], "", self.env),
            **{
                f"amplify-credhelper {c}": ([script, c], "", self.env)
                for c in ("token", "header", "env")
            },
        }
        git_helper = self.bin / "git-credential-amplify"
        if git_helper.exists() and self._works([str(git_helper), "get"], GIT_INPUT, self.env):
            commands["git-credential-amplify get"] = ([str(git_helper), "get"], GIT_INPUT, self.env)
        docker_helper = self.bin / "docker-credential-amplify"
        if docker_helper.exists():
            # Registries take the client secret itself, so this `get` reads it (here from the
            # environment profile) instead of a cached token: not a cache hit, but as often run.
            env = {
                **self.env,
                "AMPLIFY_CLIENT_ID": "test-client",
                "AMPLIFY_CLIENT_SECRET": "test-secret",
                "AMPLIFY_BASE_URL": self.endpoint.base_url,
                "AMPLIFY_DOCKER_REGISTRIES": DOCKER_INPUT.strip(),
            }
            argv = [str(docker_helper), "get"]
            if self._works(argv, DOCKER_INPUT, env):
                commands["docker-credential-amplify get"] = (argv, DOCKER_INPUT, env)
        commands[MISS] = ([script, "token", "--refresh"], "", self.keyring_env)
        return commands

    def _works(self, argv: list[str], stdin: str, env: dict[str, str]) -> bool:
        done = subprocess.run(argv, input=stdin, text=True, capture_output=True, env=env)
        return done.returncode == 0 and bool(done.stdout)

    def _hits(self, runs: int) -> None:
        commands = self._commands()
        samples = interleaved(commands, runs)
        counter = Callgrind.find(self.bin / "python")
        counts = (
            {
                name: counter.count(self._under_python(argv), stdin, env)
                for name, (argv, stdin, env) in commands.items()
            }
            if counter
            else {}
        )
        print(
            f"as ratios to `python -c pass` of the same venv; a cache hit: goal 2.0x, limit "
            f"{LIMIT}x; docker get: limit {LIMIT}x; the miss has no limit, only a figure to watch:\n"
            f"  {'':34s} {'median wall time':>18s}   {'instructions (callgrind)':>24s}"
        )
        base = statistics.median(samples["python -c pass"])
        for name, times in samples.items():
            median = statistics.median(times)
            ratio = median / base  # the instruction ratio below, when counted
            line = f"  {name:34s} {median * 1000:9.1f} ms {ratio:5.2f}x"
            if counts:
                ratio = counts[name] / counts["python -c pass"]
                line += f"   {counts[name] / 1e6:14.1f} M {ratio:5.2f}x"
            if name != MISS and ratio > LIMIT:
                line += f"  OVER the {LIMIT}x limit"
            print(line)
        print(counter.about() if counter else Callgrind.missing())

    def _under_python(self, argv: list[str]) -> list[str]:
        """A console script run by the venv's interpreter, as its #! line would; the same work,
        counted in that interpreter rather than in the kernel's exec."""
        if argv[0] == str(self.bin / "python"):
            return argv
        return [str(self.bin / "python"), *argv]

    def _budgets(self) -> None:
        counter = Callgrind.find(self.bin / "python")
        if counter is None:
            print(Callgrind.missing())
            return
        script = str(self.bin / "amplify-credhelper")
        self._budget(counter, "amplify-credhelper token", [script, "token"], "", "credhelper.cli.dispatch")
        git_helper = self.bin / "git-credential-amplify"
        if git_helper.exists():
            argv = [str(git_helper), "get"]
            self._budget(
                counter, "git-credential-amplify get", argv, GIT_INPUT, "git_credential_amplify"
            )

    def _budget(
        self, counter: Callgrind, name: str, argv: list[str], stdin: str, entry: str
    ) -> None:
        """Instructions of ``name`` by what it loads: each row imports one more group on top of
        the rows above it, in the order the cache hit imports them. Those rows leave out the
        teardown at exit (``gc.freeze()`` ends each), which the last row holds with the work."""
        python = str(self.bin / "python")
        steps = [("the interpreter starting", "pass"), ("pip's wrapper: re", PIP_WRAPPER)]
        steps += [(module, f"import {module}") for module in self._foreign_imports(argv, stdin)]
        steps.append((f"ours: {entry} and the modules of ours it imports", f"import {entry}"))
        print(f"where the instructions of a cache hit of `{name}` go (millions):")
        total, code = 0, []
        for label, statement in steps:
            code.append(statement)
            frozen = "; ".join([*code, "import gc", "gc.freeze()"])
            count = counter.count([python, "-c", frozen], "", self.env)
            print(f"  {label:64s} {(count - total) / 1e6:7.1f}")
            total = count
        count = counter.count(self._under_python(argv), stdin, self.env)
        print(f"  {'the command: its work, and its exit':64s} {(count - total) / 1e6:7.1f}")
        print(f"  {'in all':64s} {count / 1e6:7.1f}")

    def _foreign_imports(self, argv: list[str], stdin: str) -> list[str]:
        """The modules not ours that our modules import directly, in import order."""
        env = {**self.env, "PYTHONPROFILEIMPORTTIME": "1"}
        done = subprocess.run(argv, input=stdin, env=env, capture_output=True, text=True)
        found = []
        for module, parent in import_tree(done.stderr):
            ours = ("credhelper", "git_credential_amplify")
            if parent and parent.split(".")[0] in ours and module.split(".")[0] not in ours:
                found.append(module)
        return [m for m in found if m not in ("re", "json")]

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
            over = "  OVER the 3x limit" if ours / static > 3 else ""
            print(
                f"  {name:34s} {ours * 1e6:7.2f} us vs {static * 1e6:6.2f} us  {ours / static:5.2f}x"
                f"{over}"
            )

    def _imports(self) -> None:
        env = {**self.env, "PYTHONPROFILEIMPORTTIME": "1"}
        done = subprocess.run(
            [str(self.bin / "amplify-credhelper"), "token"], env=env, capture_output=True, text=True
        )
        loaded = {name for name, _ in import_tree(done.stderr)}
        heavy = sorted(m for m in loaded if m in HEAVY or m.split(".")[0] in HEAVY)
        print(
            f"modules the cache hit imports: {len(loaded)}; {'/'.join(HEAVY)} among them: "
            f"{heavy or 'none'}"
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

    def _busy_cold_race(self, count: int) -> None:
        """``count`` cold `token` processes with 3 CPU-bound processes beside them: waiters
        must not queue on the lock to read the cache (one token request, no failure)."""
        burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                   for _ in range(3)]  # fmt: skip
        try:
            before, started = self.endpoint.token_requests, time.monotonic()
            results = self._race(count)
            elapsed = time.monotonic() - started
        finally:
            for burner in burners:
                burner.kill()
                burner.wait()
        failed = [r for r in results if r.returncode != 0]
        print(
            f"{count} concurrent cold `token` calls beside 3 CPU-bound processes: "
            f"{self.endpoint.token_requests - before} token request(s), {len(failed)} failure(s), "
            f"{elapsed:.1f} s" + (f"; first failure: {failed[0].stderr.strip()}" if failed else "")
        )

    def _race(self, count: int) -> list[subprocess.CompletedProcess[str]]:
        (Path(self.env["XDG_CONFIG_HOME"]) / "amplify-credhelper" / "tokens" / "default.json").unlink()
        argv = [str(self.bin / "amplify-credhelper"), "token"]
        with ThreadPoolExecutor(count) as pool:  # all at once, as the issue ran them
            return list(pool.map(lambda _: subprocess.run(
                argv, env=self.keyring_env, capture_output=True, text=True, timeout=300
            ), range(count)))  # fmt: skip

    def _httpie(self, runs: int, plain_venv: Path | None) -> None:
        http = self.bin / "http"
        if not http.exists():
            print("HTTPie: not installed in this venv, skipped")
            return
        url = "https://apicentral.axway.com/apis"
        loads = [self._plugin_load_ms(http, url) for _ in range(max(5, runs // 4))]
        load = statistics.median(loads)
        print(
            f"HTTPie plugin load inside `http` (median of {len(loads)}): {load:.2f} ms "
            f"({'OVER the ' if load > 5 else ''}limit 5 ms)"
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


class Callgrind:
    """Counts the instructions one run executes, with valgrind's callgrind.

    valgrind must run the interpreter binary itself: a pyenv shim or any other script in
    between would be counted too. The venv's ``python`` is run by its own path (so that Python
    finds the venv), after checking that it resolves to a program, not a script.
    """

    def __init__(self, valgrind: str, binary: Path) -> None:
        self.valgrind, self.binary = valgrind, binary

    @classmethod
    def find(cls, python: Path) -> Callgrind | None:
        valgrind = shutil.which("valgrind")
        if valgrind is None:
            return None
        binary = python.resolve()
        with open(binary, "rb") as handle:
            if handle.read(4) != b"\x7fELF":
                raise SystemExit(
                    f"{python} resolves to {binary}, a script: valgrind would count it"
                )
        return cls(valgrind, binary)

    @staticmethod
    def missing() -> str:
        return "instructions: valgrind is not installed (Debian package valgrind): not counted"

    def about(self) -> str:
        version = subprocess.run([self.valgrind, "--version"], capture_output=True, text=True)
        return f"instructions counted by {version.stdout.strip()} (callgrind) running {self.binary}"

    def count(self, argv: list[str], stdin: str, env: dict[str, str]) -> int:
        subprocess.run(argv, input=stdin, text=True, env=env, capture_output=True)  # warm .pyc
        with tempfile.TemporaryDirectory(prefix="amplify-callgrind-") as scratch:
            out = Path(scratch) / "callgrind.out"
            done = subprocess.run(
                [self.valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
                input=stdin,
                text=True,
                env=env,
                capture_output=True,
            )
            totals = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        if done.returncode != 0 or totals is None:
            raise SystemExit(f"callgrind failed on {argv}: {done.stderr[-2000:]}")
        return int(totals.group(1))


def import_tree(importtime: str) -> list[tuple[str, str | None]]:
    """(module, the module that imported it) from ``-X importtime`` lines, in import order.

    Each line is printed once its import is done, indented one step deeper than its parent,
    whose line comes later: so a module's parent is the next line that is less indented.
    """
    rows = []
    for line in importtime.splitlines():
        if line.startswith("import time:") and not line.endswith("imported package"):
            name = line.rsplit("|", 1)[-1]
            rows.append((len(name) - len(name.lstrip()), name.strip()))
    found: list[tuple[str, str | None]] = []
    for index, (depth, name) in enumerate(rows):
        parent = next((n for d, n in rows[index + 1 :] if d < depth), None)
        found.append((name, parent))
    return found


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
