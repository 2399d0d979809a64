"""The workspace on PostgreSQL (TALENT_WORKSPACE_URL=postgresql://…): a pooled psycopg connection that answers
like the embedded DuckDB one, so the services, the one write path and its audit row stay the same for both stores.

The services write their SQL once, in DuckDB's dialect; each statement is translated to PostgreSQL by sqlglot
(cached per statement text). `?` parameters are numbered first, so a translation that repeats a parameter still
binds it. DuckDB's arg_max(value, key) becomes the first of array_agg(value ORDER BY key DESC). A frame a service
registers (DuckDB's register) becomes a temporary table, loaded with COPY and dropped when the connection goes back
to the pool. PostgreSQL's integrity errors are raised as DuckDB's, which the services already handle.
"""
from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache

import duckdb
import polars as pl
import psycopg
import pyarrow as pa
import sqlglot
from psycopg.types.numeric import FloatLoader
from psycopg.types.string import StrDumper
from psycopg_pool import ConnectionPool
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres

# DuckDB functions the services use that PostgreSQL lacks, made in each PostgreSQL workspace before its migrations.
COMPATIBILITY = """
CREATE OR REPLACE FUNCTION to_months(n bigint) RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT make_interval(months => n::int) $$;
CREATE OR REPLACE FUNCTION to_days(n bigint) RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT make_interval(days => n::int) $$;
CREATE OR REPLACE FUNCTION length(a anyarray) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT cardinality(a) $$;
CREATE OR REPLACE FUNCTION list_intersect(a anyarray, b anyarray) RETURNS anyarray LANGUAGE sql IMMUTABLE AS
    $$ SELECT ARRAY(SELECT unnest(a) INTERSECT SELECT unnest(b)) $$;
"""
POOL_SIZE = int(os.environ.get("TALENT_WORKSPACE_POOL", "8"))  # connections per app process
WRITE_LOCK = 7_240_017  # the advisory lock every write holds: one writer at a time, as in the embedded store


class _Dialect(Postgres):
    class Generator(Postgres.Generator):
        TRANSFORMS = {
            **Postgres.Generator.TRANSFORMS,
            exp.ArgMax: lambda self, e: f"(ARRAY_AGG({self.sql(e, 'this')} ORDER BY {self.sql(e, 'expression')} DESC NULLS LAST))[1]",
            exp.ArgMin: lambda self, e: f"(ARRAY_AGG({self.sql(e, 'this')} ORDER BY {self.sql(e, 'expression')} ASC NULLS LAST))[1]",
        }


_QUOTED = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")")
_PERCENT = re.compile(r"%(?!\((?:\w+)\)s)")


@lru_cache(maxsize=4096)
def translate(sql: str) -> tuple[str, ...]:
    """DuckDB SQL (one or more statements) as PostgreSQL statements; `?` parameters become %(1)s, %(2)s, …"""
    parts, count = _QUOTED.split(sql), 0
    for i in range(0, len(parts), 2):  # outside quoted strings and names
        def number(_m: re.Match) -> str:
            nonlocal count
            count += 1
            return f"${count}"
        parts[i] = re.sub(r"\?", number, parts[i])
    trees = [_by_position(t) for t in sqlglot.parse("".join(parts), read="duckdb") if t is not None]
    return tuple(_PERCENT.sub("%%", t.sql(dialect=_Dialect)) for t in trees)


def _by_position(tree: exp.Expression) -> exp.Expression:
    """DuckDB's GROUP BY ALL / ORDER BY ALL as PostgreSQL's column positions (every column that is no aggregate /
    every column)."""
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        if group is not None and group.args.get("all"):
            select.set("group", exp.Group(expressions=[exp.Literal.number(i) for i, e in enumerate(select.expressions, 1)
                                                       if not e.find(exp.AggFunc)]))
        order = select.args.get("order")
        if order is not None and [o.this for o in order.expressions] == [exp.Var(this="ALL")]:
            select.set("order", exp.Order(expressions=[exp.Literal.number(i) for i in range(1, len(select.expressions) + 1)]))
    return tree


def _bind(params) -> dict | None:
    if params is None:
        return None
    if isinstance(params, dict):
        return {str(k): v for k, v in params.items()}
    return {str(i): v for i, v in enumerate(params, start=1)}


# PostgreSQL type oids -> the polars types DuckDB's .pl() gives for the same columns
_POLARS = {16: pl.Boolean, 20: pl.Int64, 21: pl.Int16, 23: pl.Int32, 25: pl.String, 1043: pl.String, 1042: pl.String,
           19: pl.String, 700: pl.Float32, 701: pl.Float64, 1700: pl.Float64, 1082: pl.Date, 1114: pl.Datetime("us"),
           1184: pl.Datetime("us", "UTC"), 1009: pl.List(pl.String), 1015: pl.List(pl.String), 1016: pl.List(pl.Int64),
           1007: pl.List(pl.Int32), 1022: pl.List(pl.Float64), 1000: pl.List(pl.Boolean), 705: pl.String}


class Result:
    """What a DuckDB relation or executed statement gives the services: fetchall(), pl(), arrow(), columns."""

    def __init__(self, description, rows: list[tuple]):
        self.description = description
        self.columns = [d.name for d in description] if description else []
        self._types = [_POLARS.get(d.type_code) for d in description] if description else []
        self._rows = rows

    def fetchall(self) -> list[tuple]:
        return self._rows

    def pl(self) -> pl.DataFrame:
        if not self.columns:
            return pl.DataFrame()
        schema = {name: kind for name, kind in zip(self.columns, self._types)}
        if all(kind is not None for kind in schema.values()):
            return pl.DataFrame(self._rows, schema=schema, orient="row")
        return pl.DataFrame(self._rows, schema=self.columns, orient="row")

    def arrow(self) -> pa.Table:
        return self.pl().to_arrow()


# polars types -> PostgreSQL column types of a registered frame's temporary table
def _column_type(kind: pl.DataType) -> str:
    if kind.is_integer():
        return "BIGINT"
    if kind.is_float() or kind.is_decimal():
        return "DOUBLE PRECISION"
    if kind == pl.Boolean:
        return "BOOLEAN"
    if kind == pl.Date:
        return "DATE"
    if isinstance(kind, pl.Datetime):
        return "TIMESTAMP" if kind.time_zone is None else "TIMESTAMPTZ"
    if isinstance(kind, pl.List) and kind.inner in (pl.String, pl.Categorical):
        return "TEXT[]"
    return "TEXT"


class Connection:
    """One pooled PostgreSQL connection, answering like duckdb.DuckDBPyConnection does for the services."""

    def __init__(self, raw: psycopg.Connection):
        self.raw = raw
        self._registered: list[str] = []

    def execute(self, sql: str, params=None) -> Result:
        result = Result(None, [])
        for statement in translate(sql):
            result = self._run(statement, params)
        return result

    sql = execute  # DuckDB's con.sql(q, params=…): a result read at once

    def executemany(self, sql: str, rows) -> None:
        (statement,) = translate(sql)
        try:
            with self.raw.cursor() as cur:
                cur.executemany(statement, [_bind(r) for r in rows])
        except psycopg.errors.IntegrityError as exc:
            raise duckdb.ConstraintException(str(exc)) from exc

    def _run(self, statement: str, params) -> Result:
        try:
            with self.raw.cursor() as cur:
                cur.execute(statement, _bind(params))
                rows = cur.fetchall() if cur.description else []
                return Result(cur.description, rows)
        except psycopg.errors.IntegrityError as exc:
            raise duckdb.ConstraintException(str(exc)) from exc
        except psycopg.errors.SerializationFailure as exc:
            raise duckdb.TransactionException(str(exc)) from exc

    def cursor(self) -> "Connection":
        return self

    def lock_writes(self) -> None:
        """Inside a write's transaction: writes take turns, as with the embedded store's single writer."""
        self.raw.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])

    def register(self, name: str, frame) -> None:
        """A frame (polars or Arrow) as a temporary table `name` for this connection, loaded with COPY."""
        frame = frame if isinstance(frame, pl.DataFrame) else pl.from_arrow(frame)
        lists = [c for c, kind in frame.schema.items() if isinstance(kind, pl.List)]
        columns = ", ".join(f'"{c}" {_column_type(kind)}' for c, kind in frame.schema.items())
        self.unregister(name)
        self.raw.execute(f'CREATE TEMPORARY TABLE "{name}" ({columns})')
        self._registered.append(name)
        if frame.height == 0:
            return
        as_text = frame.with_columns(  # PostgreSQL's array literal for list columns: {"a","b"}
            [("{" + pl.col(c).list.eval(pl.lit('"') + pl.element().str.replace_all('"', '\\"', literal=True) + pl.lit('"'))
              .list.join(",") + "}").alias(c) for c in lists])
        with self.raw.cursor() as cur, cur.copy(f'COPY "{name}" FROM STDIN (FORMAT csv, NULL \'\\N\')') as copy:
            copy.write(as_text.write_csv(include_header=False, null_value="\\N", datetime_format="%Y-%m-%d %H:%M:%S%.f"))

    def unregister(self, name: str) -> None:
        if name in self._registered:
            self.raw.execute(f'DROP TABLE IF EXISTS pg_temp."{name}"')
            self._registered.remove(name)

    def release(self) -> None:
        for name in list(self._registered):
            self.unregister(name)

    def close(self) -> None:  # the pool owns the connection
        pass


_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()


def _configure(raw: psycopg.Connection) -> None:
    raw.adapters.register_loader("numeric", FloatLoader)  # sums and averages as floats, as DuckDB gives them
    raw.adapters.register_dumper(str, StrDumper)  # text parameters typed, so a list of them is a text[] (unnest, ANY)
    offset = datetime.now().astimezone().utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    # now()::TIMESTAMP in this process's local time, as the embedded store gives it
    raw.execute(f"SET TIME ZONE INTERVAL '{minutes // 60:+03d}:{abs(minutes) % 60:02d}' HOUR TO MINUTE")


def pool(url: str) -> ConnectionPool:
    found = _pools.get(url)
    if found is None:
        with _pools_lock:
            found = _pools.get(url)
            if found is None:
                found = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, kwargs={"autocommit": True},
                                       configure=_configure, open=True, name="talent-workspace")
                _pools[url] = found
    return found


def close_pool(url: str | None = None) -> None:
    """Close one store's pool (all with None): a test dropping its database, a process ending."""
    with _pools_lock:
        for key in [url] if url else list(_pools):
            found = _pools.pop(key, None)
            if found is not None:
                found.close()


@contextlib.contextmanager
def connect(url: str, wait: float) -> Iterator[Connection]:
    with pool(url).connection(timeout=wait) as raw:
        con = Connection(raw)
        try:
            yield con
        finally:
            with contextlib.suppress(psycopg.Error):
                con.release()


def version(url: str) -> str | None:
    """Changes with every write (each appends an audit row): a cache key for reads of the workspace."""
    with connect(url, 10.0) as con:
        found = con.raw.execute("SELECT to_regclass('audit_log') IS NOT NULL").fetchone()[0]
        if not found:
            return None
        return "pg-" + str(con.raw.execute("SELECT coalesce(max(audit_id), 0) FROM audit_log").fetchone()[0])
