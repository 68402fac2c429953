"""Reading ORUK objects while remembering which fields were read, so every field an import leaves out is
reported by name ("schedules[0].notes", "funding.csv row 3: source") instead of vanishing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from directory.rows import RowProblem

Document = dict[str, Any]
ORIGIN = ("_file", "_row")  # where a CSV-sourced object came from
# On an object inside another, these only link it to its parent or are regenerated on export (docs/directory.md)
LINK_KEYS = frozenset({"id", "service_id", "location_id", "organization_id", "contact_id", "link_id",
                       "service_at_location_id", "phone_id"})


def as_text(value: Any) -> str:
    """A cell or JSON value as trimmed text ("" for nothing)."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _has_value(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_value(item) for key, item in value.items() if not key.startswith("_"))
    if isinstance(value, list):
        return any(_has_value(item) for item in value)
    return as_text(value) != "" if not isinstance(value, bool) else True


class Source:
    """One ORUK object (a JSON object or a CSV row rebuilt into one) being read."""

    def __init__(self, data: Document, path: str, inside: bool = False) -> None:
        self.data = data
        self.path = path
        self._read: set[str] = set(ORIGIN) | (LINK_KEYS if inside else set())
        self._children: dict[str, Source] = {}

    @property
    def where(self) -> str:
        """'schedules[0]' for JSON, 'schedule.csv row 4' for a CSV row."""
        return f"{self.data['_file']} row {self.data['_row']}" if "_file" in self.data else self.path

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> Any:
        self._read.add(key)
        return self.data.get(key)

    def text(self, *keys: str) -> str:
        """The first non-empty value of `keys` as text (all of them count as read)."""
        values = [as_text(self.raw(key)) for key in keys]
        return next((value for value in values if value), "")

    def ignore(self, *keys: str) -> None:
        """Count `keys` as read: their meaning is kept another way (ids, links to the parent)."""
        self._read.update(keys)

    def items(self, *keys: str) -> list[Source]:
        """The objects listed under the first of `keys` that holds a list (ORUK versions spell some differently)."""
        for key in keys:
            self._read.add(key)
        for key in keys:
            value = self.data.get(key)
            if isinstance(value, list):
                return [self._child(item, f"{self._join(key)}[{n}]") for n, item in enumerate(value)
                        if isinstance(item, dict)]
        return []

    def child(self, key: str) -> Source | None:
        """The object under `key`, if there is one."""
        value = self.raw(key)
        return self._child(value, self._join(key)) if isinstance(value, dict) else None

    def _join(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _child(self, data: Document, path: str) -> Source:
        """The same Source every time a part is read, so what one reader read counts for all."""
        if path not in self._children:
            self._children[path] = Source(data, path, inside=True)
        return self._children[path]

    def left_out(self) -> list[str]:
        """Every field with a value that nothing read, here and in the objects read from here."""
        unread = [self._name(key) for key, value in self.data.items()
                  if key not in self._read and not key.startswith("_") and _has_value(value)]
        for child in self._children.values():
            unread += child.left_out()
        return unread

    def _name(self, key: str) -> str:
        if "_file" in self.data:
            return f"{self.where}: {key}"
        return self._join(key)

    @contextmanager
    def within(self) -> Iterator[None]:
        """Name this object in a problem raised while reading it."""
        try:
            yield
        except RowProblem as problem:
            if problem.row is not None:
                raise
            if "_file" in self.data:
                raise RowProblem(f"{self.data['_file']}: {problem}", row=self.data["_row"]) from None
            raise RowProblem(f"{self.path}: {problem}" if self.path else str(problem)) from None
