"""A state file: the simulator's state in SQLite, so a restart or a crash loses nothing
acknowledged.

State is kept as JSON records (money as exact strings), one row per thing (an order, an account,
an invoice, a pending event, a callback), grouped by *part* (a backend, the scheduler, the
callback dispatcher, the simulation itself) and table. Parts mark what they change;
:meth:`Persistence.commit` writes the changed records in one transaction before a response is
sent, and after the scheduler has run events. The file is in WAL mode with
``synchronous=NORMAL``: a committed transaction survives the process being killed (SIGKILL, a
crash); surviving power loss would need ``FULL``.

On start with a file that holds state, every part is rebuilt from it: the same orders, balances,
invoices, pending events and callbacks, and the clock where it was (a real clock keeps running
while the server is down, so events that fell due meanwhile run at once).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)
FORMAT = 1
Rows = Mapping[str, Iterable[tuple[str, Any]]]  # table -> (key, record) pairs


class Persistent(Protocol):
    """A part of the state that can be written to and rebuilt from a state file."""

    def dump_records(self) -> Iterable[tuple[str, str, Any]]:
        """Every (table, key, record) of the part."""
        ...

    def record(self, table: str, key: str) -> Any | None:
        """The current record of ``key``; None when it is gone."""
        ...

    def restore_records(self, tables: Rows) -> None:
        """Rebuild the part from its records."""
        ...


class StateFileError(Exception):
    """A state file that cannot be used (another program's database, a newer format)."""


class StateWriteError(Exception):
    """A commit could not be written (a full disk, a file-size limit); nothing was forgotten."""


class Changes:
    """Which records changed since the last commit. Marks are ignored when no file is kept."""

    def __init__(self) -> None:
        self.enabled = False
        self._marked: set[tuple[str, str, str]] = set()

    def mark(self, part: str, table: str, key: object) -> None:
        if self.enabled:
            self._marked.add((part, table, str(key)))

    def take(self) -> set[tuple[str, str, str]]:
        marked, self._marked = self._marked, set()
        return marked

    def give_back(self, marked: set[tuple[str, str, str]]) -> None:
        """Marks taken for a commit that failed: the next commit writes them."""
        self._marked |= marked

    def clear(self) -> None:
        self._marked.clear()


WORLD_PARTS = "world:"  # a world's parts are "world:NAME/part"; the default world's are bare


def world_prefix(world: str | None) -> str:
    """Where a world's parts live in a state file: ``""`` for the default world (so a file
    written before worlds existed is the default world's), ``world:NAME/`` for any other."""
    return "" if world is None else f"{WORLD_PARTS}{world}/"


class StateFile:
    """The SQLite file itself: records by (part, table, key), every world's in one file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StateFileError(f"{self.path}: cannot open ({exc})") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS records (part TEXT NOT NULL, tbl TEXT NOT NULL,"
                " key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (part, tbl, key))"
                " WITHOUT ROWID"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            row = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StateFileError(f"{self.path}: not a usable state file ({exc})") from None
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('format', ?)", (str(FORMAT),))
        elif row[0] != str(FORMAT):
            self._db.close()
            raise StateFileError(
                f"{self.path}: state file format {str(row[0])[:40]}, this version reads {FORMAT}"
            )

    def is_empty(self, prefix: str = "") -> bool:
        """Whether the world whose parts start with ``prefix`` has no record."""
        where, args = _of_world(prefix)
        with self._lock:
            row = self._db.execute(f"SELECT 1 FROM records WHERE {where} LIMIT 1", args)
            return row.fetchone() is None

    def parts(self, prefix: str = "") -> list[str]:
        """The parts of one world, without its prefix."""
        where, args = _of_world(prefix)
        with self._lock:
            rows = self._db.execute(f"SELECT DISTINCT part FROM records WHERE {where}", args)
            return [row[0][len(prefix) :] for row in rows]

    def worlds(self) -> list[str]:
        """The names of the worlds, but the default one, that have records here."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT substr(part, ?, instr(part, '/') - ?) FROM records"
                " WHERE substr(part, 1, ?) = ?",
                (len(WORLD_PARTS) + 1, len(WORLD_PARTS) + 1, len(WORLD_PARTS), WORLD_PARTS),
            )
            return sorted(row[0] for row in rows)

    def forget(self, prefix: str) -> None:
        """Delete every record of one world (a world dropped)."""
        where, args = _of_world(prefix)
        with self._lock:
            self._db.execute(f"DELETE FROM records WHERE {where}", args)

    def tables(self, part: str) -> dict[str, StoredTable]:
        """The tables of one part, each read (row by row) only when it is iterated."""
        with self._lock:
            names = self._db.execute(
                "SELECT DISTINCT tbl FROM records WHERE part = ?", (part,)
            ).fetchall()
        return {name: StoredTable(self, part, name) for (name,) in names}

    def rows(self, part: str, table: str) -> Iterator[tuple[str, Any]]:
        """(key, record) of every row of a table, parsed one at a time (a restart with 100,000
        orders never holds all of the file's text at once)."""
        cursor = self._db.execute(
            "SELECT key, data FROM records WHERE part = ? AND tbl = ?", (part, table)
        )
        while batch := cursor.fetchmany(1000):
            for key, data in batch:
                yield key, json.loads(data)

    def write(
        self,
        upserts: Iterable[tuple[str, str, str, Any]],
        deletes: Iterable[tuple[str, str, str]] = (),
        *,
        replace_all: bool = False,
        prefix: str = "",
    ) -> None:
        """Apply changes in one transaction (replacing every record of the world whose parts
        start with ``prefix`` when ``replace_all``)."""
        rows = [(p, t, k, _text(r)) for p, t, k, r in upserts]
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                if replace_all:
                    where, args = _of_world(prefix)
                    db.execute(f"DELETE FROM records WHERE {where}", args)
                db.executemany("DELETE FROM records WHERE part=? AND tbl=? AND key=?", deletes)
                db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Shared:
    """One object for equal values read back (a key, a status, a price), as the live state has:
    100,000 orders rebuilt from a file should not hold 100,000 copies of ``"pending"``."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        return self._values.setdefault(value, value)


class Latest:
    """The value it was last given, when it is given an equal one again: 100,000 orders made at
    one instant of a frozen clock hold one float for it, not 100,000 (24-32 B an order)."""

    __slots__ = ("_last",)

    def __init__(self, first: Any) -> None:
        self._last = first

    def __call__(self, value: Any) -> Any:
        if value == self._last:
            return self._last
        self._last = value
        return value


class StoredTable:
    """The rows of one table of a state file, read when iterated."""

    def __init__(self, state_file: StateFile, part: str, table: str) -> None:
        self.file, self.part, self.table = state_file, part, table

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return self.file.rows(self.part, self.table)


class Persistence:
    """Keeps a :class:`StateFile` in step with the parts of one simulation."""

    def __init__(self, state_file: StateFile, changes: Changes, prefix: str = "") -> None:
        self.file = state_file
        self.changes = changes
        self.prefix = prefix  # the world's place in the file (see world_prefix)
        self.parts: dict[str, Persistent] = {}
        # Records compared at every commit instead of marked (the clock, the random state).
        self._watched: dict[tuple[str, str, str], Any] = {}
        self._rewrite_due = False  # a rewrite failed: the next commit writes everything

    def add(self, name: str, part: Persistent) -> None:
        self.parts[name] = part

    def load(self) -> bool:
        """Rebuild every part from the file; False (nothing done) when the file is empty."""
        if self.file.is_empty(self.prefix):
            return False
        unknown = set(self.file.parts(self.prefix)) - set(self.parts)
        if unknown:
            log.warning("state file parts nobody reads: %s", ", ".join(sorted(unknown)))
        for name, part in self.parts.items():  # in the order they were added
            part.restore_records(self.file.tables(self.prefix + name))
        self._watched = {}  # the next commit writes the watched records again
        return True

    def rewrite(self) -> None:
        """Replace the file's contents with the whole current state (start, reset); when that
        fails, every later commit tries the whole rewrite again until one succeeds."""
        rows = list(self._everything())
        self.changes.clear()
        try:
            self.file.write(rows, replace_all=True, prefix=self.prefix)
        except (sqlite3.Error, OSError) as exc:
            self._rewrite_due = True
            raise StateWriteError(f"{self.file.path}: {exc}") from exc
        self._rewrite_due = False
        self._watched = {(p[len(self.prefix) :], t, k): r for p, t, k, r in rows}

    def commit(self, watched: Iterable[tuple[str, str, str, Any]] = ()) -> None:
        """Write what changed: marked records, and ``watched`` ones whose content differs.

        All in one transaction, so an order and the money it moved are written together or not
        at all. When the write fails nothing is forgotten: the marks stay for the next commit,
        and :class:`StateWriteError` says why.
        """
        if self._rewrite_due:
            self.rewrite()
            return
        marked = self.changes.take()
        upserts: list[tuple[str, str, str, Any]] = []
        deletes: list[tuple[str, str, str]] = []
        prefix = self.prefix
        for part, table, key in marked:
            record = self.parts[part].record(table, key)
            if record is None:
                deletes.append((prefix + part, table, key))
            else:
                upserts.append((prefix + part, table, key, record))
        seen = [(w[:3], w[3]) for w in watched if self._watched.get(w[:3]) != w[3]]
        upserts += [(prefix + part, table, key, record) for (part, table, key), record in seen]
        if not upserts and not deletes:
            return
        try:
            self.file.write(upserts, deletes)
        except (sqlite3.Error, OSError) as exc:
            self.changes.give_back(marked)
            raise StateWriteError(f"{self.file.path}: {exc}") from exc
        self._watched.update(seen)

    def _everything(self) -> Iterator[tuple[str, str, str, Any]]:
        for name, part in self.parts.items():
            for table, key, record in part.dump_records():
                yield self.prefix + name, table, key, record


def _of_world(prefix: str) -> tuple[str, tuple[object, ...]]:
    """The SQL condition (and its arguments) for the records of one world."""
    if prefix:
        return "substr(part, 1, ?) = ?", (len(prefix), prefix)
    return "substr(part, 1, ?) != ?", (len(WORLD_PARTS), WORLD_PARTS)


def _text(record: Any) -> str:
    """Records are plain JSON: parts write money as strings (``"12.50"``), never as floats."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


__all__ = [
    "WORLD_PARTS",
    "Changes",
    "Persistence",
    "Persistent",
    "Shared",
    "StateFile",
    "StateFileError",
    "StateWriteError",
    "world_prefix",
]
