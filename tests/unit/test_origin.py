"""The one origin rule (issue 9 item 3): verifier, hand-off and display agree on every host.

Python's own ``idna`` codec is IDNA 2003, which maps ß to ss, ς to σ and
drops ZWJ/ZWNJ: https://faß.example and https://fass.example were one site
to the verifier and two to the hand-off (httpx, IDNA 2008). Now both use
`idcard.origin`.
"""

from __future__ import annotations

import pytest

from idcard.errors import UsageError
from idcard.handoff.prompt import TerminalPrompt
from idcard.handoff.request import HandoffError, UrlPolicy, origin_of
from idcard.origin import display_origin, normalize_origin, origin_of_url

# (as written, canonical): the IDNA 2008 / UTS #46 A-labels, from the idna package's own rules.
CANONICAL = [
    ("https://faß.example", "https://xn--fa-hia.example"),  # IDNA 2003: https://fass.example
    ("https://FAß.EXAMPLE", "https://xn--fa-hia.example"),
    ("https://βόλος.example", "https://xn--nxasmm1c.example"),  # IDNA 2003: xn--nxasmq6b
    ("https://ΒΌΛΟΣ.example", "https://xn--nxasmq6b.example"),  # capital sigma folds to σ, not ς
    ("https://نامه\u200cای.example", "https://xn--mgba3gch31f060k.example"),  # ZWNJ where CONTEXTJ allows it
    ("https://نامهای.example", "https://xn--mgba3gch31f.example"),
    ("HTTPS://Portal.EXAMPLE", "https://portal.example"),
    ("https://portal.example:443", "https://portal.example"),
    ("https://portal.example:8443", "https://portal.example:8443"),
    ("https://faß.example:443", "https://xn--fa-hia.example"),
]


@pytest.mark.parametrize(("given", "canonical"), CANONICAL)
def test_verifier_and_hand_off_write_an_origin_the_same_way(given: str, canonical: str) -> None:
    assert normalize_origin(given) == canonical
    assert origin_of_url(given + "/login?x=1") == canonical
    # The hand-off: httpx parses the URL it fetches, then the same rule gives the origin.
    url = UrlPolicy().check(given + "/idcard/request")
    assert origin_of(url) == canonical


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://faß.example", "https://fass.example"),
        ("https://βόλος.example", "https://βόλοσ.example"),
        ("https://نامه\u200cای.example", "https://نامهای.example"),
    ],
)
def test_idna_2008_keeps_apart_what_idna_2003_merged(one: str, other: str) -> None:
    assert normalize_origin(one) != normalize_origin(other)
    assert origin_of(UrlPolicy().check(one + "/r")) != origin_of(UrlPolicy().check(other + "/r"))


@pytest.mark.parametrize(
    "bad",
    [
        "https://a\u200db.example",  # ZWJ outside a CONTEXTJ context (IDNA 2003 silently dropped it)
        "https://a\u200cb.example",  # ZWNJ between Latin letters
        "https://portal.example.",  # trailing dot: another origin to a browser
        "https://xn--a.example",  # an A-label that decodes to nothing valid
        "https://portal.example:9x",
    ],
)
def test_hosts_outside_the_rule_are_refused_on_both_sides(bad: str) -> None:
    with pytest.raises(UsageError):
        normalize_origin(bad)
    with pytest.raises(HandoffError) as err:
        origin_of(bad + "/r")
    assert err.value.code == "request.invalid"


def test_http_default_port_and_loopback() -> None:
    assert normalize_origin("http://LOCALHOST:80", allow_http_loopback=True) == "http://localhost"
    assert normalize_origin("http://[::1]:8080", allow_http_loopback=True) == "http://[::1]:8080"
    with pytest.raises(UsageError):
        normalize_origin("http://faß.example")


def test_the_citizen_sees_the_unicode_name_and_the_punycode_beside_it() -> None:
    assert display_origin("https://xn--fa-hia.example:8443") == "https://faß.example:8443 (https://xn--fa-hia.example:8443)"
    assert display_origin("https://portal.example") == "https://portal.example"
    # A Cyrillic look-alike of "paypal" cannot pass for the Latin name.
    shown = display_origin(normalize_origin("https://раураl.example"))
    assert shown == "https://раураl.example (https://xn--l-7sba6dbr.example)"


def test_the_terminal_consent_shows_the_displayed_origin() -> None:
    import io

    out = io.StringIO()
    TerminalPrompt(assume_yes=True, output=out).consent("https://xn--fa-hia.example", [])
    assert "https://faß.example (https://xn--fa-hia.example) asks you" in out.getvalue()
