"""The live path's Core statements, compiled once per database and run on the DBAPI cursor.

SQLAlchemy builds and compiles them and owns the connection and its transaction. Running a
compiled statement through `Connection.execute` still costs tens of µs of Python each time (an
execution context, parameter and result objects): more than SQLite takes to run it, and a move
runs five (docs/performance.md). Here the parameters and the rows go through the columns' own
bind and result processors, as SQLAlchemy applies them, on the same DBAPI connection.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

Processor = Callable[[Any], Any] | None
_REQUIRED = object()  # a parameter without a value of its own: the caller must give it


@dataclass
class _Plan:
    sql: str
    keys: tuple[str, ...]  # the parameters in the DBAPI's order (positional), or by name
    positional: bool
    binds: tuple[tuple[str, Processor, Any], ...]  # name, bind processor, value if not given
    row: type[Row] | None  # None for DML
    column_types: tuple[sa.types.TypeEngine, ...]
    typers: dict[tuple[Any, ...], tuple[tuple[int, Callable[[Any], Any]], ...]] = field(
        default_factory=dict
    )  # per the cursor's type codes (PostgreSQL names them; SQLite gives None)


class Row:
    """A row of a SELECT run here: a named tuple of its columns, used as a SQLAlchemy Row is
    (attributes, index, `_mapping`)."""

    __slots__ = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return self._asdict()  # type: ignore[attr-defined]


def _row_type(names: Sequence[str | None]) -> type[Row]:
    base = collections.namedtuple("Row", [str(name) for name in names], rename=True)  # type: ignore[misc]
    return type("Row", (Row, base), {"__slots__": ()})


@functools.lru_cache(maxsize=512)
def _plan(statement: sa.Executable, dialect: sa.Dialect, keys: tuple[str, ...] | None) -> _Plan:
    """`keys`: the parameter names an INSERT or UPDATE without explicit values sets, as
    SQLAlchemy compiles it for them."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys else None)
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise ValueError("a column default would be computed in Python: give every value")
    if any(bind.expanding for bind in compiled.binds.values()):
        raise ValueError("expanding (IN) parameters are rendered per execution: not here")
    positional = compiled.positiontup is not None
    names = list(compiled.positiontup or compiled.binds)
    escaped = compiled.escaped_bind_names or {}
    binds = []
    for name in names:
        bind = compiled.binds[name]
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append((name, processor, _REQUIRED if bind.required else bind.value))
    selected = getattr(statement, "selected_columns", None)
    columns = list(selected) if selected is not None else []
    return _Plan(
        sql=compiled.string,
        keys=tuple(escaped.get(name, name) for name in names),
        positional=positional,
        binds=tuple(binds),
        row=_row_type([column.key for column in columns]) if columns else None,
        column_types=tuple(column.type for column in columns),
    )


def _parameters(plan: _Plan, params: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
    values = []
    for name, processor, default in plan.binds:
        value = params.get(name, default)
        if value is _REQUIRED:
            raise sa.exc.InvalidRequestError(f"A value is required for bind parameter {name!r}")
        values.append(value if processor is None else processor(value))
    return values if plan.positional else dict(zip(plan.keys, values, strict=True))


class Rows:
    """The rows a SELECT returned, with the few Result methods the rules use."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise sa.exc.MultipleResultsFound("more than one row where one was expected")
        return self._rows[0] if self._rows else None

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise sa.exc.NoResultFound("one row was expected")
        return self._rows[0][0]


def _typers(plan: _Plan, dialect: sa.Dialect, description: Any) -> tuple:
    codes = tuple(entry[1] for entry in description)
    typers = plan.typers.get(codes)
    if typers is None:
        processors = [
            type_.dialect_impl(dialect).result_processor(dialect, code)
            for type_, code in zip(plan.column_types, codes, strict=True)
        ]
        typers = plan.typers[codes] = tuple(
            (i, processor) for i, processor in enumerate(processors) if processor is not None
        )
    return typers


def _dml_keys(statement: sa.Executable, params: dict[str, Any]) -> tuple[str, ...] | None:
    return tuple(sorted(params)) if isinstance(statement, sa.Insert | sa.Update) else None


def execute(connection: sa.Connection, statement: sa.Executable, params: dict[str, Any]) -> Rows:
    """Run the statement in the connection's transaction; a SELECT's rows, typed."""
    dialect = connection.dialect
    plan = _plan(statement, dialect, _dml_keys(statement, params))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(plan.sql, _parameters(plan, params))
        if plan.row is None:
            return Rows([])
        typers = _typers(plan, dialect, cursor.description)
        rows = []
        for raw in cursor.fetchall():
            values = list(raw)
            for i, processor in typers:
                values[i] = processor(values[i])
            rows.append(plan.row._make(values))  # type: ignore[attr-defined]
        return Rows(rows)
    finally:
        cursor.close()


def execute_many(
    connection: sa.Connection, statement: sa.Executable, params: list[dict[str, Any]]
) -> None:
    """Run an INSERT or UPDATE once per parameter set. Through SQLAlchemy where it batches
    many rows better than the DBAPI's executemany (PostgreSQL: insertmanyvalues)."""
    if len(params) > 1 and connection.dialect.name != "sqlite":
        connection.execute(statement, params)
        return
    plan = _plan(statement, connection.dialect, _dml_keys(statement, params[0]))
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(plan.sql, [_parameters(plan, one) for one in params])
    finally:
        cursor.close()
