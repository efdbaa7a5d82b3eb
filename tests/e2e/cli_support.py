"""Run the ``powbureau`` command, as a user or a script would (helpers for tests/e2e).

:func:`run_cli` starts the installed command in a subprocess: the real thing, used where
the process itself matters (exit status, tracebacks, the working folder, signals).
:func:`invoke` runs the same Typer app in-process, for the many checks of messages and
exit codes where a new Python process per call would only cost time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from builders import CLI
from powbureau.cli import app


@dataclass
class Run:
    """One finished command."""

    args: list[str]
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def json(self) -> Any:
        """Standard output as exactly one JSON value."""
        return json.loads(self.out)


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("POWBUREAU_DB", "FORCE_COLOR")}
    env.update({"NO_COLOR": "1", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"})
    env.update(extra)
    return env


def run_cli(*args: str, db: str | None, cwd: Path | None = None, timeout: float = 120, **env: str) -> Run:
    """Run ``powbureau [--db DB] ARGS`` in a subprocess; no output may carry a traceback."""
    argv = [str(CLI), *(["--db", db] if db else []), *args]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=cwd,
        env=cli_env(**env),
        timeout=timeout,
        check=False,
    )
    run = Run(argv, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in run.text, run.text
    return run


def invoke(*args: str, db: str | None, **env: str | None) -> Run:
    """Run ``powbureau [--db DB] ARGS`` in this process; an unhandled exception fails the test."""
    argv = [*(["--db", db] if db else []), *args]
    result = CliRunner().invoke(app, argv, env={"POWBUREAU_DB": None, "COLUMNS": "200", **env})
    run = Run(argv, result.exit_code, result.stdout, result.stderr)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"powbureau {' '.join(argv)} raised {result.exception!r}") from result.exception
    assert "Traceback" not in run.text, run.text
    return run


@dataclass
class Cli:
    """The command bound to one registry (in-process; ``sub`` runs the real subprocess)."""

    db: str
    backend: str
    cwd: Path

    def __call__(self, *args: str) -> Run:
        return invoke(*args, db=self.db)

    def sub(self, *args: str, **kwargs: Any) -> Run:
        kwargs.setdefault("cwd", self.cwd)
        return run_cli(*args, db=self.db, **kwargs)

    def ok(self, *args: str) -> Run:
        run = self(*args)
        assert run.code == 0, run.text
        return run

    def stats(self) -> dict[str, Any]:
        value = self.ok("stats", "--json").json()
        assert isinstance(value, dict)
        return value


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(url: str, *args: str, **env: str) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [str(CLI), "--db", url, "serve", "--port", str(port), "--insecure-cookies", *args],
        env=cli_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
            if proc.poll() is not None:
                raise AssertionError(f"serve exited: {proc.stderr.read() if proc.stderr else ''}")
        else:
            raise AssertionError("serve did not come up in 10 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
