"""The command groups made when first asked for: once, however often the command runs in one process."""

from __future__ import annotations

from typer.testing import CliRunner

from powbureau import cli_exchange
from powbureau.cli import app


def test_the_exchange_group_is_put_together_once() -> None:
    runner = CliRunner()
    for _ in range(3):
        shown = runner.invoke(app, ["exchange", "--help"])
        assert shown.exit_code == 0 and "reconcile" in shown.output
    assert len(cli_exchange.exchange_app.registered_groups) == 2  # the core and execution commands
