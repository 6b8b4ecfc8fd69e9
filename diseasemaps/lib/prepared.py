"""Querysets of a fixed shape whose SQL Django builds once per process.

A fresh page render runs a handful of reads whose SQL never changes shape:
the answer at this address, the live questions of this condition, the posts
of this question. Building such a queryset and compiling it to SQL costs the
ORM about a thousand Python calls a query, more than fetching and loading
its rows; a fresh answer page spent a third of its time there. A `Prepared`
query builds the queryset and compiles it once per process and database
alias, then runs the SQL it got with each call's parameters, and loads the
rows into model instances exactly as the queryset would (the same columns,
`select_related` objects and annotations: Django's own RelatedPopulator does
it), or into the dicts of a `values()` queryset.

The parameters are found by compiling the queryset with stand-in values
(unlikely strings, large integers) and looking for them among the query's
parameters (a subquery may use one again). A stand-in that is not found, a
second compilation with other stand-ins that differs anywhere but in them, or
a query that writes a parameter into its SQL (a `LIMIT`, say) is refused when
the query is first used, naming the query: nothing can silently freeze one
reader's value into another's page.
"""

from __future__ import annotations

import datetime
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model, QuerySet, Value
from django.db.models.query import get_related_populators
from django.db.models.sql.where import WhereNode

_STAND_INS = itertools.count(1)
# Far above any primary key or count this site will hold, below bigint's top.
_INT_BASE = 7_340_000_000_000_000_000


class PreparedQueryError(Exception):
    """A queryset that can not be prepared (see the module's docstring)."""


def _stand_in(kind: type) -> object:
    n = next(_STAND_INS)
    if kind is int:
        return _INT_BASE + n
    if kind is str:
        return f"\x1fprepared-parameter-{n}\x1f"
    raise PreparedQueryError(
        f"Prepared queries take int and str parameters, not {kind.__name__}."
    )


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    # (index into params, parameter name), for each use of a parameter.
    slots: tuple[tuple[int, str], ...]
    # (column, its converters, its expression), for columns that have some.
    converters: tuple[tuple[int, tuple, object], ...]
    # A values() query: the dicts' keys, in the columns' order.
    names: tuple[str, ...] = ()
    # A query of model instances: what ModelIterable would work out.
    model: type[Model] | None = None
    start: int = 0
    end: int = 0
    init_list: list[str] = field(default_factory=list)
    related_populators: list = field(default_factory=list)
    annotations: tuple[tuple[str, int], ...] = ()


class Prepared:
    """`build(**parameters)` returns the queryset; `parameters` name each
    parameter's type (int or str). Call the `Prepared` with the parameters to
    get the list the queryset would give: model instances, or dicts for a
    `values()` queryset."""

    def __init__(
        self, name: str, build: Callable[..., QuerySet], **parameters: type
    ) -> None:
        for kind in parameters.values():
            _stand_in(kind)  # int and str only, refused here otherwise
        self.name = name
        self._build = build
        self._parameters = parameters
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Prepared {self.name}>"

    def _compile_once(self, alias: str) -> tuple[str, tuple, dict, object, type]:
        stand_ins = {name: _stand_in(kind) for name, kind in self._parameters.items()}
        queryset = self._build(**stand_ins).using(alias)
        if queryset._iterable_class not in _iterables():
            raise PreparedQueryError(
                f"{self.name}: only querysets of model instances or of values() "
                "dicts can be prepared."
            )
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise PreparedQueryError(
                f"{self.name}: prefetch_related() and related managers' "
                "querysets load more than their SQL; build it from the model's "
                "manager instead."
            )
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = tuple(params)
        slots = {}
        for name, value in stand_ins.items():
            found = [i for i, param in enumerate(params) if param == value]
            if not found:
                raise PreparedQueryError(
                    f"{self.name}: parameter {name!r} is not among the query's "
                    "parameters (inlined into the SQL, or transformed by its "
                    "lookup)."
                )
            for index in found:
                slots[index] = name
        for value in stand_ins.values():
            if str(value) in sql:
                raise PreparedQueryError(
                    f"{self.name}: a parameter is written into the SQL itself."
                )
        return sql, params, slots, compiler, queryset._iterable_class

    def _compile(self, alias: str) -> _Compiled:
        sql, params, slots, compiler, iterable = self._compile_once(alias)
        query = compiler.query
        # Again with other stand-ins: what is not a parameter must not change.
        sql2, params2, slots2, *_ = self._compile_once(alias)
        fixed = [i for i in range(len(params)) if i not in slots]
        moments = [params[i] for i in fixed]
        if any(isinstance(value, _MOMENT) for value in (*moments, *_values_in(query))):
            # Today's date, say: the same in both compilations, wrong
            # tomorrow.
            raise PreparedQueryError(
                f"{self.name}: a date or time is fixed in the query; it may "
                "be the moment it is built. Make it a parameter, or keep "
                "this query a queryset."
            )
        if (
            sql != sql2
            or slots != slots2
            or len(params) != len(params2)
            or any(params[i] != params2[i] for i in fixed)
        ):
            raise PreparedQueryError(
                f"{self.name}: the query's SQL or fixed parameters depend on "
                "its parameters (or on the moment it is built): it can not be "
                "prepared."
            )
        select, klass_info = compiler.select, compiler.klass_info
        fields = [column[0] for column in select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(map(_unbound, functions)), expression)
            for position, (functions, expression) in compiler.get_converters(
                fields
            ).items()
        )
        if iterable is not _iterables()[0]:  # values(): a dict a row
            return _Compiled(
                sql=sql,
                params=params,
                slots=tuple(slots.items()),
                converters=converters,
                names=tuple(
                    query.selected
                    or [
                        *query.extra_select,
                        *query.values_select,
                        *query.annotation_select,
                    ]
                ),
            )
        start = klass_info["select_fields"][0]
        end = klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql,
            params=params,
            slots=tuple(slots.items()),
            converters=converters,
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=[column[0].target.attname for column in select[start:end]],
            related_populators=get_related_populators(klass_info, select, alias),
            annotations=tuple(compiler.annotation_col_map.items()),
        )

    def compiled(self, alias: str) -> _Compiled:
        key = (alias, connections[alias].vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    compiled = self._compiled[key] = self._compile(alias)
        return compiled

    def __call__(self, **values) -> list:
        if values.keys() != self._parameters.keys():
            raise TypeError(
                f"{self.name} takes {sorted(self._parameters)}, not {sorted(values)}."
            )
        alias = self.alias()
        compiled = self.compiled(alias)
        params = list(compiled.params)
        for index, name in compiled.slots:
            params[index] = values[name]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return self._load(compiled, rows, alias, connection)

    def alias(self) -> str:
        return router.db_for_read(self._model())

    def _model(self) -> type[Model]:
        model = getattr(self, "_model_class", None)
        if model is None:
            model = self._model_class = self._build(
                **{name: _stand_in(kind) for name, kind in self._parameters.items()}
            ).model
        return model

    @staticmethod
    def _load(compiled: _Compiled, rows, alias: str, connection) -> list:
        converters = compiled.converters
        names = compiled.names
        start, end, init_list = compiled.start, compiled.end, compiled.init_list
        from_db = compiled.model.from_db if compiled.model else None
        loaded = []
        for row in rows:
            if converters:
                row = list(row)
                for position, functions, expression in converters:
                    value = row[position]
                    for convert, of_backend in functions:
                        if of_backend:
                            value = convert(
                                connection.ops, value, expression, connection
                            )
                        else:
                            value = convert(value, expression, connection)
                    row[position] = value
            if names:
                loaded.append(dict(zip(names, row, strict=True)))
                continue
            obj = from_db(alias, init_list, row[start:end])
            for populator in compiled.related_populators:
                populator.populate(row, obj)
            for attribute, position in compiled.annotations:
                setattr(obj, attribute, row[position])
            loaded.append(obj)
        return loaded


_MOMENT = datetime.date | datetime.time


def _values_in(query) -> Iterator:
    """Every value a query compares with or selects, its subqueries' too,
    before the backend turns them into parameters (SQLite turns dates into
    text)."""
    seen = set()
    stack = [query.where, *query.annotations.values()]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        inner = getattr(node, "query", None)
        if inner is not None and hasattr(inner, "where"):
            stack.extend([inner.where, *inner.annotations.values()])
        if isinstance(node, WhereNode):
            stack.extend(node.children)
            continue
        if isinstance(node, Value):
            yield node.value
        for side in ("lhs", "rhs"):
            value = getattr(node, side, None)
            if isinstance(value, list | tuple | set | frozenset):
                yield from value
            elif hasattr(value, "resolve_expression") or hasattr(value, "where"):
                stack.append(value)
            elif value is not None:
                yield value
        if hasattr(node, "get_source_expressions"):
            stack.extend(node.get_source_expressions())


def _iterables() -> tuple[type, ...]:
    from django.db.models.query import ModelIterable, ValuesIterable

    return (ModelIterable, ValuesIterable)


def _unbound(function) -> tuple[Callable, bool]:
    """A converter, and whether it is a method of a connection's operations:
    those are bound to the connection of the thread that compiled the query,
    so each call binds them to its own thread's connection instead."""
    owner = getattr(function, "__self__", None)
    if isinstance(owner, BaseDatabaseOperations):
        return function.__func__, True
    return function, False
