"""Reading a sorted list's page by its keys first."""

from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Window


def read_by_keys(queryset: QuerySet, keys) -> list:
    """The rows of `queryset` whose primary keys are `keys` (a list, or a sliced values_list of the
    same queryset), in the order of the keys: the sort runs over narrow key rows, and the joins and
    per-row subqueries of `queryset` only for the rows kept. A row deleted between the two reads
    drops out rather than failing the page."""
    keys = list(keys)
    if not keys:
        return []
    rows = {row.pk: row for row in queryset.filter(pk__in=keys).order_by()}
    return [rows[key] for key in keys if key in rows]


class KeysFirstPaginator(Paginator):
    """Django's Paginator, but a page is read in two steps (read_by_keys): the sorted list's primary
    keys for the page (LIMIT/OFFSET over narrow rows), then the page's rows by key.

    A list whose order no index serves (the forces' triage: overdue first, computed from now) makes
    the database sort every candidate row before keeping 25: sorting the unit's few thousand full,
    joined rows cost 40 ms of a 60 ms dashboard query at a million fiches; sorting their keys costs a
    fraction. `object_list` must be a QuerySet ordered with a unique last key (as every list here
    ends in "id")."""

    def _get_page(self, object_list, number, paginator):
        keys = object_list.values_list("pk", flat=True)
        return super()._get_page(read_by_keys(self.object_list, keys), number, paginator)


class CountedKeysPaginator(KeysFirstPaginator):
    """KeysFirstPaginator in two queries instead of three: the page's sorted keys come with the list's
    count (a window count over the same rows, `COUNT(*) OVER ()`, computed as the keys are sorted),
    then the page's rows by key (read_by_keys). The database still keeps the 25 first keys with a
    bounded sort. An empty page tells no count: then it is read as Django's Paginator does, and the
    usual checks (page 1 of an empty list, a page past the end) apply. An object list with a
    `counted_slice(low, high)` (alerts/prepared_lists.py) gives the rows and the count itself.

    One query (the keys as a subquery of the rows' query, the count beside them) was measured slower:
    compiling the nested query and planning it cost more than the round trips it saved."""

    def page(self, number):
        object_list = self.object_list
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's checks and errors, Django's way
        if number < 1 or self.orphans:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        if hasattr(object_list, "counted_slice"):  # a list that reads its keys with its count itself
            rows, count = object_list.counted_slice(bottom, bottom + self.per_page)
        elif isinstance(object_list, QuerySet) and not object_list.query.distinct:
            found = list(
                object_list.annotate(page_list_count=Window(Count("*"))).values_list("pk", "page_list_count")[
                    bottom : bottom + self.per_page
                ]
            )
            count = found[0][1] if found else None
            rows = read_by_keys(object_list, [key for key, _count in found]) if found else []
        else:
            return super().page(number)
        if count is None:
            return Paginator._get_page(self, [], self.validate_number(number), self)
        self.__dict__["count"] = count  # Paginator.count is a cached_property
        return Paginator._get_page(self, rows, self.validate_number(number), self)
