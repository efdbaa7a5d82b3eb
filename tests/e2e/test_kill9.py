"""A bulk import killed with SIGKILL leaves all of the file or none of it, and a sound chain.

The CLI writes ``progress: N rows read`` to standard error once per chunk when standard
error is not a terminal. Each test starts a real import of ~30,000 synthetic rows and
kills it right after a chosen progress line: the first, one in the middle, the last but
one, and the last (the file is read whole; the process is committing).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import psutil
import pytest
from cli_support import Cli, cli_env

from builders import CLI, People, make_registry, write_csv
from powbureau.domain.people import FORMAT_COLUMNS
from powbureau.services import intake

TOTAL = 30_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kill9") / "persons-30k.csv"
    return write_csv(path, People(99).rows(TOTAL, prefix="K"), FORMAT_COLUMNS)


def import_and_kill(cli: Cli, path: Path, after_rows: int) -> tuple[int | None, list[str]]:
    """Start ``import persons`` and SIGKILL it (and only it) right after ``after_rows`` are read.

    Returns the exit status and the progress lines seen.
    Child processes of the import (a worker preparing rows) must go away by themselves.
    """
    argv = [str(CLI), "--db", cli.db, "import", "persons", str(path)]
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=cli_env(),
        cwd=cli.cwd,
    )
    seen: list[str] = []
    children: list[psutil.Process] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if not line.startswith("progress:"):
                continue
            seen.append(line.strip())
            if line.strip() == f"progress: {after_rows} rows read":
                try:
                    children = psutil.Process(proc.pid).children(recursive=True)
                except psutil.NoSuchProcess:
                    children = []
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    _, alive = psutil.wait_procs(children, timeout=20)
    assert alive == [], f"processes left behind after the import was killed: {alive}"
    assert seen, "the import printed no progress line"
    return proc.returncode, seen


def check_after_kill(cli: Cli, *, allow_all: bool) -> int:
    persons = cli.stats()["persons"]
    assert persons in ((0, TOTAL) if allow_all else (0,)), persons
    verified = cli.sub("verify")
    assert verified.code == 0, verified.text
    return int(persons)


POINTS = {
    "first": intake.CHUNK,
    "middle": 8 * intake.CHUNK,
    "last-but-one": TOTAL - intake.CHUNK,
}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(POINTS))
def test_kill_9_while_reading_leaves_nothing(sqlite_cli: Cli, big_file: Path, point: str) -> None:
    assert TOTAL % intake.CHUNK == 0 and TOTAL // intake.CHUNK >= 10
    code, seen = import_and_kill(sqlite_cli, big_file, POINTS[point])
    assert code == -signal.SIGKILL, (code, seen)
    assert seen[-1] == f"progress: {POINTS[point]} rows read"
    check_after_kill(sqlite_cli, allow_all=False)
    if point == "middle":
        # the registry works after the crash: rows of the killed chunks go in, nothing half-written
        # (no reference, no person) stands in their way
        head = big_file.parent / "head.csv"
        with big_file.open(encoding="utf-8") as source:
            head.write_text("".join(next(source) for _ in range(1 + 500)), encoding="utf-8")
        done = sqlite_cli.sub("import", "persons", str(head))
        assert done.code == 0 and "registered 500" in done.out, done.text
        assert sqlite_cli.stats()["persons"] == 500
        assert sqlite_cli.sub("verify").code == 0


@pytest.mark.slow
def test_kill_9_while_committing_leaves_all_or_nothing(sqlite_cli: Cli, big_file: Path) -> None:
    code, seen = import_and_kill(sqlite_cli, big_file, TOTAL)
    assert code in (-signal.SIGKILL, 0), (code, seen)
    persons = check_after_kill(sqlite_cli, allow_all=True)
    if code == 0:
        assert persons == TOTAL


@pytest.mark.slow
@pytest.mark.postgres
def test_kill_9_on_postgres_leaves_nothing(tmp_path: Path, big_file: Path) -> None:
    with make_registry("postgres", tmp_path) as reg:
        reg.engine.dispose()
        cli = Cli(reg.url, reg.backend, tmp_path)
        code, seen = import_and_kill(cli, big_file, 3 * intake.CHUNK)
        assert code == -signal.SIGKILL, (code, seen)
        # the server notices the dead client and rolls its transaction back
        check_after_kill(cli, allow_all=False)
