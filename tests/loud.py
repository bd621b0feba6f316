"""Skips nobody can miss (HELPERS.md: a test that skips must say so loudly): each is written to the
terminal as it happens, past pytest's output capture, and a group's first comes back in the closing summary."""

from __future__ import annotations

from typing import NoReturn

import pytest


def skip_loudly(pytestconfig: pytest.Config, message: str) -> NoReturn:
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:  # past pytest's output capture, straight to the terminal
        reporter.write_line(f"\n!!! {message}", red=True, bold=True)
    pytest.skip(message)


class LoudSkips:
    """The skips of one group of tests (the docker ones, the dask ones); its folder's conftest hands
    pytest_terminal_summary to `summarise`, so the reason also ends the run's output."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.messages: list[str] = []

    def skip(self, pytestconfig: pytest.Config, message: str) -> NoReturn:
        self.messages.append(message)
        skip_loudly(pytestconfig, message)

    def summarise(self, terminalreporter) -> None:
        if self.messages:
            terminalreporter.write_sep("!", self.title, red=True, bold=True)
            terminalreporter.write_line(self.messages[0], red=True, bold=True)
            terminalreporter.write_sep("!", red=True, bold=True)
