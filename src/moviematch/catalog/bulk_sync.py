"""Make a table hold exactly a desired set of rows, touching only the rows that differ.

The import commands describe *what the table should contain* (a mapping from a natural key
to the row's values); these helpers compare that with the database and issue the minimum of
inserts / updates / deletes. Running an import twice therefore writes nothing the second
time, which is what makes the imports idempotent.

Inserts and updates go through ``cursor.executemany`` with one plain statement per row
(values prepared by each field's ``get_db_prep_save``, defaults filled in as Django would)
rather than ``bulk_create``/``bulk_update``: building a model instance per row and, for
updates, one ``CASE WHEN`` per column cost ~60 µs a row, which was most of an ML-25M import
(600k rows). The database still checks every constraint.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router

#: Rows per INSERT/UPDATE statement. SQLite allows 32766 bound variables; a few hundred rows
#: of a handful of columns stay well under that on every backend.
BATCH_SIZE = 500


@dataclass(frozen=True)
class SyncCounts:
    """Rows created, updated and deleted by one sync."""

    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __add__(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(
            self.created + other.created,
            self.updated + other.updated,
            self.deleted + other.deleted,
        )

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def sync_rows(
    model: type[models.Model],
    *,
    key_fields: Sequence[str],
    value_fields: Sequence[str],
    desired: Mapping[Any, tuple[object, ...]],
    scope: models.QuerySet | None = None,
    delete_missing: bool = True,
    batch_size: int = BATCH_SIZE,
) -> SyncCounts:
    """Create, update and (optionally) delete rows of ``model`` so ``scope`` equals ``desired``.

    Parameters
    ----------
    model
        The Django model; its rows are identified by ``key_fields`` (a unique key).
    key_fields, value_fields
        Column names (use ``movie_id`` style names for foreign keys).
    desired
        ``{key tuple: value tuple}`` in the order of ``key_fields`` / ``value_fields``.
    scope
        The rows under management (default: the whole table). Rows in scope whose key is not
        in ``desired`` are deleted when ``delete_missing`` is true.

    Returns
    -------
    SyncCounts
    """
    queryset = scope if scope is not None else model._default_manager.all()
    existing: dict[tuple[Hashable, ...], tuple[int, tuple[object, ...]]] = {}
    columns = ["pk", *key_fields, *value_fields]
    n_keys = len(key_fields)
    for row in queryset.values_list(*columns).iterator(chunk_size=5000):
        existing[tuple(row[1 : 1 + n_keys])] = (row[0], tuple(row[1 + n_keys :]))

    to_create: list[tuple[object, ...]] = []
    to_update: list[tuple[object, ...]] = []  # values, then the primary key
    for key, values in desired.items():
        found = existing.get(key)
        if found is None:
            to_create.append((*key, *values))
        elif found[1] != tuple(values):
            to_update.append((*values, found[0]))
    stale = [pk for key, (pk, _) in existing.items() if key not in desired]

    deleted = 0
    if delete_missing and stale:
        deleted = delete_pks(model, stale, batch_size=batch_size)
    if to_update and value_fields:
        update_rows(model, list(value_fields), to_update)
    if to_create:
        insert_rows(model, [*key_fields, *value_fields], to_create)
    return SyncCounts(created=len(to_create), updated=len(to_update), deleted=deleted)


def delete_pks(model: type[models.Model], pks: Iterable[object], *, batch_size: int) -> int:
    """Delete rows by primary key in batches (bounded IN lists); returns the number deleted."""
    pks = list(pks)
    deleted = 0
    for start in range(0, len(pks), batch_size):
        chunk = pks[start : start + batch_size]
        deleted += model._default_manager.filter(pk__in=chunk).delete()[1].get(model._meta.label, 0)
    return deleted


_ROWS_PER_CALL = 5000


#: Field types whose Python values (int, float, str, bool, None) both SQLite and PostgreSQL
#: take as they are: no ``get_db_prep_save`` call needed (it was a third of an import).
_PLAIN = (models.IntegerField, models.FloatField, models.CharField, models.TextField,
          models.BooleanField)  # fmt: skip


def _preparer(field: models.Field[Any, Any], connection: Any) -> Any:
    """A function preparing values of ``field`` for the database (identity for plain types)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, _PLAIN):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _prepared(
    preparers: Sequence[Any], rows: Sequence[tuple[object, ...]], tail: Sequence[object] = ()
) -> list[list[Any]]:
    if all(p is None for p in preparers):
        return [[*row, *tail] for row in rows]
    return [
        [*(v if p is None else p(v) for p, v in zip(preparers, row, strict=True)), *tail]
        for row in rows
    ]


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise TypeError(f"{model.__name__}.{name} is not a concrete column")
    return field


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    """INSERT ``rows`` (values of ``fields``, attnames such as ``movie_id``) into ``model``.

    Concrete fields not listed get their Django default; an auto primary key is left to the
    database. Models with ``auto_now``/``auto_now_add`` fields go through ``bulk_create``.
    """
    meta = model._meta
    given = [_field(model, name) for name in fields]
    given_names = {f.attname for f in given}
    rest = [
        f
        for f in meta.concrete_fields
        if f.attname not in given_names and not (f.primary_key and isinstance(f, models.AutoField))
    ]
    if any(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in rest):
        names = [f.attname for f in given]
        model._default_manager.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=BATCH_SIZE
        )
        return
    connection = connections[router.db_for_write(model)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in (*given, *rest))
    marks = ", ".join(["%s"] * (len(given) + len(rest)))
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks})"
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in rest]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_CALL):
            cursor.executemany(
                sql,
                [
                    [
                        *(
                            f.get_db_prep_save(v, connection)
                            for f, v in zip(given, row, strict=True)
                        ),
                        *defaults,
                    ]
                    for row in rows[start : start + _ROWS_PER_CALL]
                ],
            )


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    """UPDATE ``fields`` of ``model``'s rows: each row is the new values, then the pk."""
    meta = model._meta
    targets = [_field(model, name) for name in fields]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in targets)
    pk = meta.pk
    assert pk is not None
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"
    preparers = [_preparer(f, connection) for f in (*targets, pk)]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_CALL):
            cursor.executemany(sql, _prepared(preparers, rows[start : start + _ROWS_PER_CALL]))
