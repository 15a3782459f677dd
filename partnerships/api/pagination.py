from rest_framework.pagination import CursorPagination, PageNumberPagination

from partnerships.pagination import CountedKeysPaginator


class DefaultPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class KeysFirstPagination(DefaultPagination):
    """For lists sorted on computed values (the fiches' triage order): see CountedKeysPaginator."""

    django_paginator_class = CountedKeysPaginator


class CreatedCursorPagination(CursorPagination):
    """Keyset pagination for the big lists: no COUNT(*) over a million rows on every page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")
