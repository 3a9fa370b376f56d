"""Test-wide set-up."""

from mock_card.testing.pcscd import use_private_socket

# libpcsclite fixes its socket at the first PC/SC call of a process: point
# every test at the private pcscd the fixtures start, before any test runs.
use_private_socket()


import pytest  # noqa: E402

from mock_card.pytest_plugin import unavailable  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "system_part(missing): the test needs a system part (pcscd, nfcpy, ...); `missing` is why it "
        "is absent or None. Skipped where absent, failed where CI requires every part.",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """The skip-or-fail rule for `system_part` marks, before any fixture starts the part."""
    for mark in item.iter_markers("system_part"):
        missing = mark.args[0] if mark.args else mark.kwargs.get("missing")
        if missing:
            unavailable(str(missing))
