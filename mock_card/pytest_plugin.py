"""pytest fixtures for projects that test against our emulated card.

Installed as a `pytest11` entry point, so any project that depends on
`idcard` gets them:

    def test_login(mock_card_reader):
        card = IdCard.open(mock_card_reader.name)

`mock_card_reader` is parametrised indirectly by transport:

    @pytest.mark.parametrize("mock_card_reader", ["inprocess", "vpcd", "nfc-udp"], indirect=True)

and the card it holds by the `mock_card` marker (or by parametrising the
`mock_card_options` fixture, e.g. over evil variants):

    @pytest.mark.mock_card(pin="111111", pin_tries=1, extended_length=False, latency=0.0)
    @pytest.mark.parametrize("mock_card_options", [{"variant": "cloned"}])

An emulated real card family instead of our `nid-v1` profile (see
`mock_card.profiles.cardfile`; variants are that module's):

    @pytest.mark.mock_card(profile="mav4", variant="clone")
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mock_card import scheme
from mock_card.card import EmulatedCard
from mock_card.personalize import personalize
from mock_card.profiles.cardfile import PROFILES, make_profile_card
from mock_card.registry_service import RegistryService
from mock_card.testing import readers
from mock_card.testing.readers import TRANSPORTS, TransportUnavailable, serve_card
from mock_card.testpki import iran_test_pki, write_iran_anchors
from reader.base import CardBackend

__all__ = ["TRANSPORTS", "MockCardReader", "make_card"]

#: Set in CI: a missing pcscd or nfcpy is then an error instead of a skip.
REQUIRE_ENV = "IDCARD_REQUIRE_SYSTEM_TESTS"


@dataclass
class MockCardReader:
    """A running emulated card and the reader name that reaches it."""

    name: str
    transport: str
    #: An `EmulatedCard`, or a `FileSystemCard` of an emulated real family.
    card: CardBackend


def pytest_configure(config: pytest.Config) -> None:
    scheme.install()  # `emulator:` reader names in the test process
    config.addinivalue_line(
        "markers", "mock_card(**options): personalisation of the emulated card (see mock_card.personalize)"
    )


def make_card(
    *,
    pin_tries: int | None = None,
    puk_uses: int | None = None,
    latency: float = 0.0,
    **personalisation: Any,
) -> CardBackend:
    """A freshly personalised demo card with the given options and counters.

    `profile="mav4"|"pardis"|"omid"` gives an emulated real card family instead
    (options: variant, seed, citizen, citizen_ca).
    """
    if personalisation.get("profile") in PROFILES:
        options = dict(personalisation)
        return make_profile_card(str(options.pop("profile")), **options)
    image = personalize(**personalisation)
    if pin_tries is not None:
        image.counters.pin_tries = pin_tries
    if puk_uses is not None:
        image.counters.puk_uses = puk_uses
    return EmulatedCard(image, latency=latency)


def unavailable(reason: str) -> None:
    """Skip for a missing system part, or fail where CI promised every part is there."""
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set, so this may not be skipped)")
    pytest.skip(reason)


@pytest.fixture
def mock_card_factory():  # noqa: ANN201
    """`mock_card_factory(**options) -> EmulatedCard`."""
    return make_card


@pytest.fixture(scope="session")
def pcscd_service() -> object:
    """A private pcscd with the vsmartcard-vpcd driver, shared by the session.

    libpcsclite fixes its socket path at a process's first PC/SC call, so a
    test process that also uses PC/SC itself must call
    `mock_card.testing.pcscd.use_private_socket()` before that (e.g. in
    conftest.py); readers of a system pcscd are then out of this process's reach.
    """
    try:
        return readers.pcscd_service()
    except TransportUnavailable as exc:
        unavailable(str(exc))
        raise


@pytest.fixture
def mock_card_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Personalisation options: the `mock_card` marker's, or parametrise this fixture directly."""
    marker = request.node.get_closest_marker("mock_card")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def mock_card_reader(
    request: pytest.FixtureRequest, mock_card_options: dict[str, Any]
) -> Iterator[MockCardReader]:
    transport = getattr(request, "param", "inprocess")
    card = make_card(**mock_card_options)
    try:
        with serve_card(card, transport) as name:
            yield MockCardReader(name, transport, card)
    except TransportUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def mock_registry() -> Iterator[RegistryService]:
    """The emulated registry card-authentication service on 127.0.0.1 (TEST keys); `.url`."""
    with RegistryService() as service:
        yield service


@pytest.fixture(scope="session")
def iran_test_anchors(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - Path
    """A folder with the TEST look-alike of the Iranian PKI (seed 1), as `mock-card pki` writes it."""
    out = tmp_path_factory.mktemp("iran-test")
    write_iran_anchors(iran_test_pki(1), out)
    return out
