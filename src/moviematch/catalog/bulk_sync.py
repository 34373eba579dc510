"""Make a table hold exactly a desired set of rows, touching only the rows that differ.

The import commands describe *what the table should contain* (a mapping from a natural key
to the row's values); these helpers compare that with the database and issue the minimum of
``bulk_create`` / ``bulk_update`` / ``delete``. Running an import twice therefore writes
nothing the second time, which is what makes the imports idempotent.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models

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

    to_create = []
    to_update = []
    for key, values in desired.items():
        found = existing.get(key)
        if found is None:
            to_create.append(
                model(
                    **dict(zip(key_fields, key, strict=True)),
                    **dict(zip(value_fields, values, strict=True)),
                )
            )
        elif found[1] != tuple(values):
            obj = model(pk=found[0], **dict(zip(key_fields, key, strict=True)))
            for name, value in zip(value_fields, values, strict=True):
                setattr(obj, name, value)
            to_update.append(obj)
    stale = [pk for key, (pk, _) in existing.items() if key not in desired]

    deleted = 0
    if delete_missing and stale:
        deleted = delete_pks(model, stale, batch_size=batch_size)
    if to_update and value_fields:
        model._default_manager.bulk_update(to_update, list(value_fields), batch_size=batch_size)
    if to_create:
        model._default_manager.bulk_create(to_create, batch_size=batch_size)
    return SyncCounts(created=len(to_create), updated=len(to_update), deleted=deleted)


def delete_pks(model: type[models.Model], pks: Iterable[object], *, batch_size: int) -> int:
    """Delete rows by primary key in batches (bounded IN lists); returns the number deleted."""
    pks = list(pks)
    deleted = 0
    for start in range(0, len(pks), batch_size):
        chunk = pks[start : start + batch_size]
        deleted += model._default_manager.filter(pk__in=chunk).delete()[1].get(model._meta.label, 0)
    return deleted
