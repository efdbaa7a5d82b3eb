"""The unit of work: one transaction around the repositories; rolls back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Connection, Engine, RootTransaction, select

from powbureau.store.accounts import AccountRepository
from powbureau.store.audit import AuditLog
from powbureau.store.db import WRITE, open_engine
from powbureau.store.exchanges import ExchangeRepository
from powbureau.store.execution import ExecutionRepository
from powbureau.store.figures import FigureQueries
from powbureau.store.inquiries import CaseRepository
from powbureau.store.keyring import Keyring, keyring_for
from powbureau.store.mail import MailRepository
from powbureau.store.match_index import MatchIndex
from powbureau.store.public_inquiries import PublicInquiryRepository
from powbureau.store.repositories import EventLog, PersonRepository, PlaceRepository
from powbureau.store.settings import SettingsRepository
from powbureau.store.tables import chain_head

__all__ = ["SqlUnitOfWork", "UnitOfWork"]


class UnitOfWork(Protocol):
    """What a use case needs: the repositories, commit and rollback."""

    persons: PersonRepository
    events: EventLog
    places: PlaceRepository
    cases: CaseRepository
    matches: MatchIndex
    public: PublicInquiryRepository
    accounts: AccountRepository
    audit: AuditLog
    mail: MailRepository
    exchanges: ExchangeRepository
    execution: ExecutionRepository
    settings: SettingsRepository
    figures: FigureQueries

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    @property
    def connection(self) -> Connection: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def audit_unit(self) -> UnitOfWork:
        """A new unit of work of its own that writes reads to the audit log."""
        ...

    def totp_keys(self) -> Keyring:
        """The keyring that seals and opens the staff accounts' TOTP secrets.

        Raises:
            KeyUnavailable: none is configured, or its file is missing or unreadable.
        """
        ...

    def forked_reader(self) -> UnitOfWork:
        """A read-only unit of work for a forked child process, on connections of its own."""
        ...


class SqlUnitOfWork:
    """A unit of work on one SQLAlchemy connection.

    Args:
        engine: the registry's engine.
        write: start the transaction ready to write (``BEGIN IMMEDIATE`` on SQLite).
        lock_chain: when writing on PostgreSQL, lock the event chain head at once; the
            audit log's own unit of work does not (it locks the audit head).
        keyring: the TOTP keyring; by default the one configured for the engine's database
            (``store.keyring``), looked up only when a use case needs it.
    """

    persons: PersonRepository
    events: EventLog
    places: PlaceRepository
    cases: CaseRepository
    matches: MatchIndex
    public: PublicInquiryRepository
    accounts: AccountRepository
    audit: AuditLog
    mail: MailRepository
    exchanges: ExchangeRepository
    execution: ExecutionRepository
    settings: SettingsRepository
    figures: FigureQueries

    def __init__(
        self, engine: Engine, *, write: bool = True, lock_chain: bool = True, keyring: Keyring | None = None
    ) -> None:
        self._engine = engine
        self._write = write
        self._lock_chain = lock_chain
        self._keyring = keyring
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    def __enter__(self) -> Self:
        conn = self._engine.connect()
        if self._write:
            conn = conn.execution_options(**{WRITE: True})
        elif conn.dialect.name == "postgresql":
            # A reader sees one snapshot (verify compares several tables; under READ COMMITTED
            # a concurrent append between its queries looks like tampering).
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        self._conn = conn
        self._tx = conn.begin()
        if self._write and self._lock_chain and conn.dialect.name == "postgresql":
            # Lock the chain head now, as BEGIN IMMEDIATE does on SQLite: what a writer reads
            # before appending (known references, versions) cannot go stale under it.
            conn.execute(select(chain_head.c.id).where(chain_head.c.id == 1).with_for_update())
        self.persons = PersonRepository(conn)
        self.events = EventLog(conn)
        self.places = PlaceRepository(conn)
        self.cases = CaseRepository(conn)
        self.matches = MatchIndex(conn)
        self.public = PublicInquiryRepository(conn)
        self.accounts = AccountRepository(conn)
        self.audit = AuditLog(conn)
        self.mail = MailRepository(conn)
        self.exchanges = ExchangeRepository(conn)
        self.execution = ExecutionRepository(conn)
        self.settings = SettingsRepository(conn)
        self.figures = FigureQueries(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._tx = None

    @property
    def connection(self) -> Connection:
        """The open connection (for repositories added by later features)."""
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    def commit(self) -> None:
        """Make everything done in this unit of work durable."""
        if self._tx is None:
            raise RuntimeError("the unit of work is not open")
        self._tx.commit()
        self._tx = None

    def rollback(self) -> None:
        """Undo everything done in this unit of work."""
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()

    def audit_unit(self) -> SqlUnitOfWork:
        """A separate unit of work on the same database that appends reads to the audit log.

        It commits on its own, so a read is recorded even though the read's own unit of
        work never commits, and it leaves the event chain head alone.
        """
        return SqlUnitOfWork(self._engine, write=True, lock_chain=False, keyring=self._keyring)

    def totp_keys(self) -> Keyring:
        """The keyring given, else the one configured for this database (read when asked)."""
        if self._keyring is not None:
            return self._keyring
        return keyring_for(self._engine.url.render_as_string(hide_password=False))

    def forked_reader(self) -> SqlUnitOfWork:
        """A read-only unit of work for a forked child process, on an engine of its own.

        The child leaves the connections it inherited alone (it never uses, closes or
        disposes of them): they are the parent's, and closing a copy of a PostgreSQL
        connection would end the parent's session. Call it in the child only.
        """
        url = self._engine.url.render_as_string(hide_password=False)
        return SqlUnitOfWork(open_engine(url), write=False, keyring=self._keyring)
