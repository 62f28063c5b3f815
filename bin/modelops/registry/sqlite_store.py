"""The registry in an embedded SQLite file: the default for notebooks, the offline demo and tests.

URLs follow SQLAlchemy's convention: ``sqlite:///relative.db``, ``sqlite:////absolute/path.db``.
"""

import json
import os
import sqlite3
import threading

from ..errors import ModelOpsError

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (family TEXT NOT NULL, version TEXT NOT NULL, doc TEXT NOT NULL,
                                     PRIMARY KEY (family, version));
CREATE TABLE IF NOT EXISTS aliases (family TEXT NOT NULL, alias TEXT NOT NULL, doc TEXT NOT NULL,
                                    PRIMARY KEY (family, alias));
CREATE TABLE IF NOT EXISTS history (seq INTEGER PRIMARY KEY AUTOINCREMENT, family TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_family ON history (family, seq);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
"""


def path_from_url(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise ModelOpsError("a SQLite registry URL looks like sqlite:///relative.db or sqlite:////abs/path.db, "
                            "not %r" % url)
    path = url[len("sqlite:///"):]
    if not path:
        raise ModelOpsError("the SQLite registry URL names no file: %r" % url)
    return path  # "/abs/path.db" from four slashes, "relative.db" from three


class SQLiteStore:
    def __init__(self, path):
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._db().executescript(SCHEMA)  # executescript manages its own transaction

    def _db(self):
        db = getattr(self._local, "db", None)  # one connection per thread, as sqlite3 requires
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    def transaction(self):
        """One ``BEGIN IMMEDIATE`` transaction for everything inside the ``with`` block (a verb's reads and
        writes). Reentrant: a nested block joins the outer one, which alone commits or rolls back."""
        return _Transaction(self._db(), self._local)

    _connect = transaction  # every single read or write is its own transaction unless a verb's is open

    def _one(self, sql, args):
        with self._connect() as db:
            row = db.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    def _all(self, sql, args):
        with self._connect() as db:
            return [json.loads(r[0]) for r in db.execute(sql, args).fetchall()]

    def get_version(self, family, version):
        return self._one("SELECT doc FROM versions WHERE family = ? AND version = ?", (family, version))

    def put_version(self, doc):
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO versions VALUES (?, ?, ?)", (doc["family"], doc["version"],
                                                                           json.dumps(doc)))

    def list_versions(self, family=None):
        if family is None:
            return self._all("SELECT doc FROM versions", ())
        return self._all("SELECT doc FROM versions WHERE family = ?", (family,))

    def get_alias(self, family, alias):
        return self._one("SELECT doc FROM aliases WHERE family = ? AND alias = ?", (family, alias))

    def put_alias(self, doc):
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO aliases VALUES (?, ?, ?)",
                       (doc["family"], doc["alias"], json.dumps(doc)))

    def delete_alias(self, family, alias):
        with self._connect() as db:
            db.execute("DELETE FROM aliases WHERE family = ? AND alias = ?", (family, alias))

    def list_aliases(self, family=None):
        if family is None:
            return self._all("SELECT doc FROM aliases", ())
        return self._all("SELECT doc FROM aliases WHERE family = ?", (family,))

    def append_history(self, entry):
        with self._connect() as db:
            cursor = db.execute("INSERT INTO history (family, doc) VALUES (?, ?)", (entry["family"], "{}"))
            entry = dict(entry, seq=cursor.lastrowid)
            db.execute("UPDATE history SET doc = ? WHERE seq = ?", (json.dumps(entry), cursor.lastrowid))

    def list_history(self, family):
        return self._all("SELECT doc FROM history WHERE family = ? ORDER BY seq", (family,))

    def get_state(self, key):
        return self._one("SELECT doc FROM state WHERE key = ?", (key,))

    def put_state(self, key, doc):
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, json.dumps(doc)))


class _Transaction:
    """``with`` block = one IMMEDIATE transaction (writers queue on SQLite's lock, none is lost).

    The depth lives with the thread's connection, so a block opened inside another one joins it."""

    def __init__(self, db, local):
        self.db, self.local = db, local

    def __enter__(self):
        depth = getattr(self.local, "depth", 0)
        if depth == 0:
            self.db.execute("BEGIN IMMEDIATE")
        self.local.depth = depth + 1
        return self.db

    def __exit__(self, kind, value, traceback):
        self.local.depth -= 1
        if self.local.depth == 0:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        return False
