"""Fixtures of the dataset tests: the loopback publisher (``tests.publisher``)."""

from tests.publisher import publisher

__all__ = ["publisher"]
