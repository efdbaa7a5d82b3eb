"""``powbureau user ...``: staff accounts from the command line (a thin layer over services).

The password a command generates and the TOTP secret are printed once, to standard
output, and never again: the bureau keeps only the password's argon2id hash. The command
line acts as the machine's operator, recorded as ``os:<login>``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from powbureau.domain.access import Role
from powbureau.services import accounts
from powbureau.services.accounts import NewCredentials
from powbureau.store.keyring import KEY_FILE_ENV, create_keyring

__all__ = ["user_app"]

user_app = typer.Typer(
    help="Staff accounts: add, reset the second factor, disable, unlock.", no_args_is_help=True
)


def _cli() -> Any:
    from powbureau import cli  # the shared plumbing: --db, errors, output

    return cli


def _by() -> str:
    return f"os:{_cli()._user()}"


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _show_credentials(credentials: NewCredentials, *, as_json: bool) -> None:
    cli = _cli()
    if as_json:
        cli._print_json(
            {
                "name": credentials.name,
                "roles": sorted(credentials.roles),
                "password": credentials.password,
                "totp_secret": credentials.totp_secret,
                "otpauth_uri": credentials.otpauth_uri,
            }
        )
    else:
        lines = [f"name: {credentials.name}", f"roles: {', '.join(sorted(credentials.roles))}"]
        if credentials.password is not None:
            lines.append(f"password: {credentials.password}")
        lines += [f"totp secret: {credentials.totp_secret}", f"otpauth uri: {credentials.otpauth_uri}"]
        sys.stdout.write("\n".join(lines) + "\n")
    shown = "the password and the TOTP secret are" if credentials.password else "the TOTP secret is"
    cli.err.print(f"{shown} shown only now: hand over in person; the URI goes into an authenticator app")


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The account name: a-z first, then a-z, 0-9, '.', '_', '-'.")],
    role: Annotated[list[Role], typer.Option("--role", help="A role (repeat for several).")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input, else generate one."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a staff account; print its generated password and TOTP URI, once."""
    cli = _cli()
    password = _read_password() if password_stdin else None
    with cli._refusals():
        credentials = accounts.add_user(uow=cli._uow(), name=name, roles=role, by=_by(), password=password)
    _show_credentials(credentials, as_json=as_json)


@user_app.command("reset-totp")
def reset_totp(
    name: Annotated[str, typer.Argument(help="The account.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Give an account a new TOTP secret (a lost phone); print it once; its sessions end."""
    cli = _cli()
    with cli._refusals():
        credentials = accounts.reset_totp(uow=cli._uow(), name=name, by=_by())
    _show_credentials(credentials, as_json=as_json)


@user_app.command("set-password")
def set_password(
    name: Annotated[str, typer.Argument(help="The account.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input, else generate one."),
    ] = False,
) -> None:
    """Give an account a new password (printed once when generated); its sessions end."""
    cli = _cli()
    password = _read_password() if password_stdin else accounts.generate_password()
    with cli._refusals():
        accounts.set_password(uow=cli._uow(), name=name, password=password, by=_by())
    if password_stdin:
        cli.out.print(f"{name}: password set")
    else:
        sys.stdout.write(f"password: {password}\n")


@user_app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Stop an account from logging in; its sessions end at once."""
    cli = _cli()
    with cli._refusals():
        accounts.disable_user(uow=cli._uow(), name=name, by=_by())
    cli.out.print(f"{name} disabled")


@user_app.command("enable")
def enable(name: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Let a disabled account log in again."""
    cli = _cli()
    with cli._refusals():
        accounts.enable_user(uow=cli._uow(), name=name, by=_by())
    cli.out.print(f"{name} enabled")


@user_app.command("roles")
def roles(
    name: Annotated[str, typer.Argument(help="The account.")],
    role: Annotated[list[Role], typer.Option("--role", help="A role (repeat for several).")],
) -> None:
    """Give an account these roles instead of its present ones; its sessions end."""
    cli = _cli()
    with cli._refusals():
        accounts.set_roles(uow=cli._uow(), name=name, roles=role, by=_by())
    cli.out.print(f"{name}: {', '.join(sorted(r.value for r in role))}")


@user_app.command("unlock")
def unlock(name: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Lift the lock that failed logins put on an account."""
    cli = _cli()
    with cli._refusals():
        accounts.unlock_user(uow=cli._uow(), name=name, by=_by())
    cli.out.print(f"{name} unlocked")


@user_app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Staff accounts with their roles and state (no secrets)."""
    cli = _cli()
    with cli._refusals():
        users = accounts.list_users(uow=cli._uow(write=False))
    if as_json:
        cli._print_json(
            {
                "users": [
                    {
                        "name": u.name,
                        "roles": sorted(u.roles),
                        "disabled": u.disabled,
                        "locked_at": u.locked_at,
                        "failures": u.failures,
                        "created_at": u.created_at,
                        "created_by": u.created_by,
                        "last_login_at": u.last_login_at,
                    }
                    for u in users
                ]
            }
        )
        return
    table = Table("name", "roles", "state", "failures", "created", "last login")
    for u in users:
        state = "disabled" if u.disabled else "locked" if u.locked_at else "active"
        table.add_row(
            u.name,
            ", ".join(sorted(u.roles)),
            state,
            str(u.failures),
            u.created_at[:19],
            (u.last_login_at or "")[:19],
        )
    cli.out.print(table)


@user_app.command("alerts")
def alerts(
    name: Annotated[str | None, typer.Option("--name", help="Only this account's alerts.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Security alerts, newest first: locks, unlocks, accounts added or changed."""
    cli = _cli()
    with cli._refusals():
        found = accounts.list_alerts(uow=cli._uow(write=False), limit=limit, account=name)
    if as_json:
        cli._print_json({"alerts": [a.__dict__ for a in found]})
        return
    table = Table("at", "kind", "account", "address", "by", "detail")
    for a in found:
        detail = "; ".join(
            f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in a.detail.items()
        )
        table.add_row(a.at[:19], a.kind, a.account or "", a.address or "", a.by, cli._escape(detail))
    cli.out.print(table)


@user_app.command("key-create")
def key_create(
    file: Annotated[Path, typer.Argument(help="Where to write the new key file (never overwritten).")],
) -> None:
    """Write a new key file for the TOTP secrets (mode 0600); point POWBUREAU_SECRET_KEY_FILE at it."""
    cli = _cli()
    with cli._refusals():
        keyring = create_keyring(file)
    cli.out.print(f"key file {keyring.path} written (key {keyring.current})")
    cli.err.print(
        f"set {KEY_FILE_ENV}={keyring.path} for every powbureau command and the service; "
        "keep the file and its backups apart from the database's"
    )


@user_app.command("rotate-key")
def rotate_key(
    reseal_only: Annotated[
        bool,
        typer.Option(
            "--reseal-only",
            help="Add no key: re-seal every secret with the key file's last key (one you added yourself).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a fresh key to the key file and re-seal every TOTP secret with it, in one transaction."""
    cli = _cli()
    with cli._refusals():
        done = accounts.rotate_totp_key(uow=cli._uow(), by=_by(), new_key=not reseal_only)
    if as_json:
        cli._print_json({"key": done.key_id, "resealed": done.resealed, "key_file": done.key_file})
    else:
        cli.out.print(f"{done.resealed} TOTP secrets sealed with key {done.key_id} of {done.key_file}")
    cli.err.print("the old keys stay in the key file: backups taken before still need them")
