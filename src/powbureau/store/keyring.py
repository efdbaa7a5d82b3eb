"""The keyring that seals the staff accounts' TOTP secrets at rest (AES-256-GCM).

A TOTP secret must be read back to check a code, so it cannot be hashed like a password;
instead it is stored sealed with a key kept outside the database, so that a dump or a
backup of the database alone does not give anyone the officers' second factors.

Where the key lives:

* ``$POWBUREAU_SECRET_KEY_FILE`` names the key file when it is set (any database);
* otherwise, for an embedded SQLite registry, the file beside the database with the suffix
  ``.keyring`` (``powbureau.db`` -> ``powbureau.keyring``), created by ``powbureau init``
  (mode 0600, never overwritten);
* a PostgreSQL (or in-memory) registry has no default: without the variable the commands
  that need the key refuse and name it.

The file is text: comment lines (``#``) and one key a line, ``<id> <base64url of 32
bytes>``. The last key seals new secrets; every key listed opens what it sealed, which is
how rotation works (``powbureau user rotate-key`` appends a key and re-seals every secret).

A sealed secret is ``v1:<key id>:<base64url(nonce || ciphertext || tag)>``; the account's
id is the associated data, so a value copied to another account does not open there.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, inspect, text

from powbureau.domain.errors import KeyUnavailable, SecretUnreadable
from powbureau.store.db import sqlite_path

__all__ = [
    "KEY_FILE_ENV",
    "Keyring",
    "add_key",
    "create_keyring",
    "default_keyring_path",
    "keyring_for",
    "keyring_path",
    "load_keyring",
    "open_to_others",
    "prepare_keyring",
]

#: The variable naming the key file.
KEY_FILE_ENV = "POWBUREAU_SECRET_KEY_FILE"
#: The version prefix of a sealed value.
FORMAT = "v1"
_KEY_BYTES = 32
_NONCE_BYTES = 12
_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_HEADER = (
    "# powbureau keyring: the keys that seal the staff accounts' TOTP secrets.\n"
    "# Keep this file apart from the database and from its backups (mode 0600).\n"
    "# One key a line: <id> <base64url key>. The last key seals; every key opens what it sealed.\n"
)
_MAKE_ONE = f"make one with `powbureau user key-create FILE` and set {KEY_FILE_ENV} to its path"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aad(account_id: int) -> bytes:
    return f"powbureau/totp/{FORMAT}/staff_accounts/{account_id}".encode("ascii")


@dataclass(frozen=True)
class Keyring:
    """The keys of one key file: ``current`` seals, every key opens what it sealed."""

    path: Path
    keys: dict[str, bytes] = field(repr=False)
    current: str

    def seal(self, secret: str, account_id: int) -> str:
        """``secret`` sealed with the current key, bound to the account ``account_id``."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, secret.encode("utf-8"), _aad(account_id))
        return f"{FORMAT}:{self.current}:{_b64(nonce + sealed)}"

    def unseal(self, sealed: str, account_id: int) -> str:
        """The secret sealed in ``sealed`` for the account ``account_id``.

        Raises:
            SecretUnreadable: not a sealed value, a key this keyring lacks, or a value that
                does not open (a wrong key, altered, or sealed for another account).
        """
        version, _, rest = sealed.partition(":")
        key_id, _, body = rest.partition(":")
        if version != FORMAT or not body:
            raise SecretUnreadable(f"the TOTP secret of staff account #{account_id} is not a sealed value")
        key = self.keys.get(key_id)
        if key is None:
            raise SecretUnreadable(
                f"the TOTP secret of staff account #{account_id} was sealed with key {key_id!r}, which "
                f"the key file {self.path} does not hold (a wrong key file, or an old key removed "
                "too early)"
            )
        try:
            raw = _unb64(body)
            plain = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(account_id))
        except (InvalidTag, ValueError, binascii.Error):
            raise SecretUnreadable(
                f"key {key_id!r} of {self.path} does not open the TOTP secret of staff account "
                f"#{account_id}: a wrong key file, or the stored value was altered or copied from "
                "another account"
            ) from None
        return plain.decode("utf-8")


def default_keyring_path(database: Path) -> Path:
    """The key file beside an embedded SQLite registry: same name, suffix ``.keyring``."""
    return database.with_suffix(".keyring")


def keyring_path(url: str) -> Path:
    """Where the key file of the registry at ``url`` is (it may not exist yet).

    Raises:
        KeyUnavailable: the registry is not a SQLite file and the variable is not set.
    """
    named = os.environ.get(KEY_FILE_ENV)
    if named:
        return Path(named)
    database = sqlite_path(url)
    if database is None:
        raise KeyUnavailable(
            "the staff accounts' TOTP secrets are sealed with a key kept outside the database, and a "
            f"registry that is not a SQLite file has no default key file: set {KEY_FILE_ENV} ({_MAKE_ONE})"
        )
    return default_keyring_path(database)


def _missing(path: Path) -> KeyUnavailable:
    if os.environ.get(KEY_FILE_ENV):
        return KeyUnavailable(f"{KEY_FILE_ENV} names {path}, which does not exist ({_MAKE_ONE})")
    return KeyUnavailable(
        f"the key file {path} of this registry is missing: restore it from where its backup is kept, "
        f"or set {KEY_FILE_ENV} to the key file (`powbureau init` makes one only for a registry "
        "that holds no sealed secret yet)"
    )


def _parse(path: Path, text: str) -> Keyring:
    keys: dict[str, bytes] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        try:
            key = _unb64(parts[1]) if len(parts) == 2 and _ID.fullmatch(parts[0]) else b""
        except (ValueError, binascii.Error):
            key = b""
        if len(key) != _KEY_BYTES:
            raise KeyUnavailable(f"line {number} of the key file {path} is not '<id> <base64url 32 bytes>'")
        if parts[0] in keys:
            raise KeyUnavailable(f"the key file {path} holds key {parts[0]!r} twice (line {number})")
        keys[parts[0]] = key
    if not keys:
        raise KeyUnavailable(f"the key file {path} holds no key")
    return Keyring(path, keys, list(keys)[-1])


_cache: dict[Path, tuple[bytes, Keyring]] = {}


def load_keyring(path: Path) -> Keyring:
    """The keyring in ``path``, read at every call (a few hundred bytes), so that a rotation
    or a replaced file counts at once; parsed again only when its content changed.

    Raises:
        KeyUnavailable: the file is missing, unreadable or malformed.
    """
    try:
        content = path.read_bytes()
        cached = _cache.get(path)
        if cached is not None and cached[0] == content:
            return cached[1]
        keyring = _parse(path, content.decode("ascii"))
    except FileNotFoundError:
        raise _missing(path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyUnavailable(f"the key file {path} cannot be read: {exc}") from None
    _cache[path] = (content, keyring)
    return keyring


def open_to_others(path: Path) -> str | None:
    """A warning when others than the file's owner may read or change the key file, else None.

    Only a warning: a container's secret mount may be readable by a group on purpose.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if not mode & 0o077:
        return None
    return f"the key file {path} may be read by others (mode {mode:04o}): `chmod 600 {path}` unless meant"


def keyring_for(url: str) -> Keyring:
    """The keyring of the registry at ``url``.

    Raises:
        KeyUnavailable: none configured, or its file is missing, unreadable or malformed.
    """
    return load_keyring(keyring_path(url))


def _new_line() -> str:
    return f"{secrets.token_hex(4)} {_b64(secrets.token_bytes(_KEY_BYTES))}\n"


def create_keyring(path: Path) -> Keyring:
    """Write a new key file with one fresh key (mode 0600); an existing file is never replaced.

    Raises:
        KeyUnavailable: the file exists already, or cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyUnavailable(f"the key file {path} exists already; it is never overwritten") from None
    except OSError as exc:
        raise KeyUnavailable(f"the key file {path} cannot be created: {exc}") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(_HEADER + _new_line())
        handle.flush()
        os.fsync(handle.fileno())
    return load_keyring(path)


def add_key(path: Path) -> Keyring:
    """Append a fresh key to the key file at ``path``; it becomes the one that seals.

    The old keys stay, so every sealed value (and every backup of the database taken before)
    still opens.

    Raises:
        KeyUnavailable: the file is missing, malformed or cannot be written.
    """
    load_keyring(path)
    try:
        with path.open("a", encoding="ascii") as handle:
            handle.write(_new_line())
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise KeyUnavailable(f"a key cannot be added to the key file {path}: {exc}") from None
    return load_keyring(path)


def _holds_sealed_secrets(engine: Engine) -> bool:
    found = inspect(engine)
    if not found.has_table("staff_accounts"):
        return False
    if "totp_sealed" not in {c["name"] for c in found.get_columns("staff_accounts")}:
        return False
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM staff_accounts")).scalar_one())


def prepare_keyring(url: str, engine: Engine) -> tuple[Keyring, bool]:
    """The keyring ``powbureau init`` seals with, and whether it was created just now.

    The configured key file when there is one; beside a SQLite registry, a new file when
    none is there and the registry holds no sealed secret yet (a lost key file is never
    silently replaced by a new one).

    Raises:
        KeyUnavailable: not a SQLite file and no key file configured (names the variable),
            the configured file missing, or the key file of a registry with secrets missing.
    """
    path = keyring_path(url)
    if path.exists() or os.environ.get(KEY_FILE_ENV):
        return load_keyring(path), False
    if _holds_sealed_secrets(engine):
        raise _missing(path)
    return create_keyring(path), True
