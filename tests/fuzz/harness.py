"""Run one fuzz case through the CLI and check the contract; classify and minimise failures.

The contract for any scenario file: ``tradesim validate FILE`` (``show``, ``solve``) exits 0, or
exits 2 with one or more lines on stderr, each starting ``error: `` and naming the file; no
traceback, no hang, bounded memory, nothing written next to the input.

A case is a :class:`Case`: the bytes of the main file plus the bundled files it may extend. It is
run either in this process (:func:`run_in_process`, the fast run) or in a worker subprocess with a
memory cap and a hard timeout (:class:`Worker`, the long run).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIM = str(ROOT / "sim") + os.sep
FILE_NAME = "case.toml"

#: Python's own error text; our messages start with lower-case ``error: ``.
_PYTHON_ERROR = re.compile(r"Traceback \(most recent call last\)|\b[A-Z][A-Za-z]*(?:Error|Exception): ")


@dataclasses.dataclass(frozen=True, repr=False)
class Case:
    """A scenario file to feed the CLI: its bytes, extra files beside it, the commands to run."""

    data: bytes
    extra: tuple[tuple[str, bytes], ...] = ()
    commands: tuple[str, ...] = ("validate",)
    origin: str = ""

    def text(self) -> str:
        return self.data.decode("utf-8", errors="backslashreplace")

    def __repr__(self) -> str:  # hypothesis prints the case; the TOML text is in the failure message
        return f"Case({self.origin}, {len(self.data)} bytes, commands={self.commands})"


@dataclasses.dataclass
class Outcome:
    """What one command did."""

    command: str
    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    exception: str | None = None      # type name of an escaped exception
    location: str | None = None       # innermost frame in sim/, else innermost frame
    seconds: float = 0.0
    written: list[str] = dataclasses.field(default_factory=list)
    warning: str | None = None


class CaseTimeout(BaseException):
    """Raised by the alarm inside a case that ran past its budget (BaseException: click won't catch it)."""


def _location(tb) -> str:
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if f.filename.startswith(SIM)]
    frame = (ours or frames)[-1] if frames else None
    if frame is None:
        return "?"
    name = os.path.relpath(frame.filename, ROOT) if frame.filename.startswith(str(ROOT)) else frame.filename
    return f"{name}:{frame.lineno} ({frame.name})"


def _alarm(signum, frame):
    raise CaseTimeout()


def _listing(*dirs: Path) -> set[str]:
    out = set()
    for d in dirs:
        for p in d.rglob("*"):
            out.add(str(p))
    return out


def write_case(case: Case, directory: Path) -> Path:
    for name, data in case.extra:
        (directory / name).write_bytes(data)
    path = directory / FILE_NAME
    path.write_bytes(case.data)
    return path


def run_command(command: str, path: Path, budget: float, watch: tuple[Path, ...]) -> Outcome:
    """Run ``tradesim COMMAND PATH`` in this process under CliRunner, with an alarm at ``budget`` s."""
    from click.testing import CliRunner

    from sim.cli import main

    args = [command, str(path)]
    if command == "solve":
        args += ["--max-seconds", "2"]
    before = _listing(*watch)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    start = time.perf_counter()
    out = Outcome(command, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = CliRunner().invoke(main, args, catch_exceptions=True)
        except CaseTimeout:
            out.exception = "timeout"
            out.location = _location(sys.exc_info()[2])
            result = None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    out.seconds = time.perf_counter() - start
    if result is not None:
        out.exit_code = result.exit_code
        out.stdout, out.stderr = result.stdout, result.stderr
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            out.exception = type(exc).__name__
            out.location = _location(result.exc_info[2])
    if caught:
        w = caught[0]
        where = os.path.relpath(w.filename, ROOT) if w.filename.startswith(str(ROOT)) else w.filename
        out.warning = f"{w.category.__name__} at {where}:{w.lineno}: {str(w.message)[:80]}"
    out.written = sorted(_listing(*watch) - before)
    return out


def failure_class(case: Case, out: Outcome, directory: Path) -> str | None:
    """The class of contract violation of one outcome, or None if the contract holds."""
    cmd = out.command
    if out.exception == "timeout":
        return f"{cmd}: timeout (in {out.location})"
    if out.exception == "hang":
        return f"{cmd}: hang (killed, no answer)"
    if out.exception == "crash":
        return f"{cmd}: worker died ({out.location})"
    if out.exception:
        return f"{cmd}: {out.exception} at {out.location}"
    if out.written:
        return f"{cmd}: wrote files"
    if out.exit_code not in (0, 2):
        return f"{cmd}: exit status {out.exit_code}"
    for stream in (out.stdout, out.stderr):
        m = _PYTHON_ERROR.search(stream)
        if m and m.group(0) not in case.text():
            return f"{cmd}: Python error text in output ({m.group(0).strip()})"
    if out.warning:
        return f"{cmd}: Python warning printed ({out.warning.split(':')[0]})"
    if out.exit_code == 2:
        lines = out.stderr.splitlines()
        if not lines:
            return f"{cmd}: exit 2 without a message"
        for line in lines:
            if not line.startswith("error: "):
                return f"{cmd}: stderr line not starting 'error: '"
            if not _names_file(line, directory, case):
                return f"{cmd}: error line does not name the file"
    return None


def _names_file(line: str, directory: Path, case: Case) -> bool:
    """The line names the input file, a file it extends (a path under the same directory) or an
    absolute ``extends`` target as written."""
    if str(directory) in line:
        return True
    targets = re.findall(rb'extends\s*=\s*"(/[^"]*)"', case.data)
    return any(t.decode("utf-8", "replace") in line for t in targets)


def check_case(case: Case, run) -> list[tuple[str, Outcome]]:
    """Run each command of ``case`` with ``run(command, path, directory)``; the failures found."""
    failures = []
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        directory = Path(tmp)
        path = write_case(case, directory)
        for command in case.commands:
            out = run(command, path, directory)
            cls = failure_class(case, out, directory)
            if cls:
                failures.append((cls, out))
            if command == "validate" and (out.exit_code != 0 or not _small(out.stdout)):
                break  # solve/show only what validates and is small
    return failures


_SHAPE = re.compile(r"\((\d+) x (\d+) actions\)")


def _small(stdout: str, limit: int = 256) -> bool:
    m = _SHAPE.search(stdout)
    return bool(m) and int(m.group(1)) * int(m.group(2)) <= limit


def in_process_runner(budget: float = 10.0, solve_budget: float = 30.0):
    """A ``run`` for :func:`check_case` that runs the CLI in this process (cwd watched too)."""
    def run(command, path, directory):
        return run_command(command, path, solve_budget if command == "solve" else budget,
                           watch=(directory, Path.cwd()) if Path.cwd() != ROOT else (directory,))
    return run


# ----------------------------------------------------------------------------------------------
# The worker subprocess of the long run: memory cap, alarm inside, hard kill from outside.

def _limit_memory(limit_bytes: int):
    def preexec():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
        os.setsid()
    return preexec


class Worker:
    """A ``python`` child that runs commands in-process and answers one JSON line per command.

    Commands arrive on a pipe (fd 3 in the child), not stdin, so a file that extends
    ``/dev/stdin`` cannot eat them. Past ``budget + grace`` seconds without an answer the child
    is killed (its own process group, which this class started) and a fresh one started.
    """

    def __init__(self, memory_mb: int = 2048, grace: float = 15.0):
        self.memory = memory_mb * 2**20
        self.grace = grace
        self.proc = None
        self.cwd = Path(tempfile.mkdtemp(prefix="fuzz-cwd-"))

    def _start(self):
        r, w = os.pipe()
        env = dict(os.environ, PYTHONPATH=str(ROOT), FUZZ_CMD_FD=str(r))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from tests.fuzz.harness import worker_main; worker_main()"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            pass_fds=(r,), cwd=self.cwd, env=env, preexec_fn=_limit_memory(self.memory))
        os.close(r)
        self.cmd = os.fdopen(w, "w", buffering=1)
        line = self._readline(120.0)
        if line is None or not line.startswith("ready"):
            raise RuntimeError(f"fuzz worker did not start: {line!r}")

    def _readline(self, timeout: float) -> str | None:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        return self.proc.stdout.readline().decode()

    def kill(self):
        if self.proc is not None:
            self.cmd.close()
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            self.proc.stdout.close()
            self.proc = None

    def close(self):
        self.kill()
        for p in sorted(self.cwd.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        self.cwd.rmdir()

    def __call__(self, budget: float = 10.0, solve_budget: float = 30.0):
        def run(command, path, directory):
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            b = solve_budget if command == "solve" else budget
            self.cmd.write(json.dumps({"command": command, "path": str(path), "dir": str(directory),
                                       "budget": b}) + "\n")
            start = time.perf_counter()
            line = self._readline(b + self.grace)
            if not line:
                died = self.proc.poll()
                self.kill()
                if died is None:
                    return Outcome(command, None, exception="hang", seconds=time.perf_counter() - start)
                return Outcome(command, None, exception="crash", location=f"status {died}")
            out = Outcome(**json.loads(line))
            out.written += sorted(str(p) for p in self.cwd.rglob("*"))
            return out
        return run


def worker_main():
    """The child's loop: one JSON command in, one JSON :class:`Outcome` out."""
    import sim.cli  # noqa: F401  (import before 'ready', so the first case's budget is its own)

    cmd = os.fdopen(int(os.environ["FUZZ_CMD_FD"]), "r")
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in cmd:
        req = json.loads(line)
        result = run_command(req["command"], Path(req["path"]), req["budget"], watch=(Path(req["dir"]),))
        out.write(json.dumps(dataclasses.asdict(result)) + "\n")
        out.flush()


# ----------------------------------------------------------------------------------------------
# Minimising a failing case: drop lines, then characters, while the failure class stays the same.

def minimise(case: Case, cls: str, run, max_runs: int = 400, max_seconds: float = 60.0) -> Case:
    """A smaller case of the same failure class (greedy delta debugging over lines, then bytes)."""
    runs = 0
    deadline = time.monotonic() + max_seconds

    def fails(data: bytes) -> bool:
        nonlocal runs
        runs += 1
        trial = dataclasses.replace(case, data=data)
        return any(c == cls for c, _ in check_case(trial, run))

    def budget_left():
        return runs < max_runs and time.monotonic() < deadline

    data = case.data
    for unit in ("lines", "bytes"):
        parts = data.splitlines(keepends=True) if unit == "lines" else [bytes([b]) for b in data]
        if unit == "bytes" and len(parts) > 400:
            break
        chunk = max(1, len(parts) // 2)
        while chunk >= 1 and budget_left():
            i, changed = 0, False
            while i < len(parts) and budget_left():
                trial = parts[:i] + parts[i + chunk:]
                if trial and fails(b"".join(trial)):
                    parts, changed = trial, True
                else:
                    i += chunk
            if not changed:
                chunk //= 2
        data = b"".join(parts)
    return dataclasses.replace(case, data=data)


def describe(case: Case, cls: str, out: Outcome, limit: int = 4000) -> str:
    """A failure for people: the class, what the command did, and the TOML text of the case."""
    shown = case.text()
    if len(shown) > limit:
        shown = shown[:limit] + f"\n... ({len(case.data)} bytes in all)"
    return "\n".join([
        f"fuzz failure: {cls}",
        f"  case: {case.origin}; tradesim {out.command} FILE -> exit {out.exit_code} in {out.seconds:.1f} s",
        *(f"  stderr: {line}" for line in out.stderr.splitlines()[:5]),
        *([f"  warning: {out.warning}"] if out.warning else []),
        "--- minimal TOML (as bytes, decoded with backslash escapes) ---",
        shown,
        "---",
    ])
