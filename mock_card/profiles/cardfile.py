"""Card files and factories for the emulated real card families (`mock-card create --profile`).

A card file names its profile, variant, PKI seed and citizen; the certificates
and keys are regenerated from the seed when the card is served, so the file
holds no key material of its own. PIN counters live as long as the process.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from mock_card.backend import CardBackend
from mock_card.card import EmulatedCard
from mock_card.image import CardImage
from mock_card.personalize import DEMO_CITIZEN, Citizen
from mock_card.profiles.mav4 import Mav4Card, Mav4Personalisation
from mock_card.profiles.omid import OmidCard
from mock_card.profiles.pardis import PardisCard, PardisPersonalisation

FORMAT = "idcard-nid-card/1"
PROFILES = ("mav4", "pardis", "omid")

_Variant = Callable[[Mav4Personalisation], Mav4Personalisation]

#: Evil variants of the Mav4 card, each caught by one verdict check.
MAV4_VARIANTS: dict[str, _Variant] = {
    "genuine": lambda p: p,
    # certificate.chip_binding fails: the certificate names another card's number.
    "copied-certificate": lambda p: dataclasses.replace(p, certificate_number="5555566666"),
    # certificate.chain is untrusted: same names as the TEST hierarchy, other keys.
    "lookalike-root": lambda p: dataclasses.replace(p, lookalike_pki=True),
    # certificate.validity and certificate.chain fail.
    "expired": lambda p: dataclasses.replace(p, certificate_backdate_days=8 * 365),
    # every ID-PIN object starts blocked.
    "pin-blocked": lambda p: dataclasses.replace(p, pin_blocked=True),
    # chip.genuine fails: the chip never got the registry's keys.
    "clone": lambda p: dataclasses.replace(p, registry_master=b"\x01" * 32),
    # chip.genuine fails: a keyed chip carrying a certificate that is not its own.
    "foreign-key": lambda p: dataclasses.replace(p, foreign_signing_key=True),
}


def make_profile_card(
    profile: str,
    *,
    variant: str = "genuine",
    seed: int = 1,
    citizen: Citizen = DEMO_CITIZEN,
    citizen_ca: str = "root-ca1",
) -> CardBackend:
    if profile == "mav4":
        if variant not in MAV4_VARIANTS:
            raise ValueError(f"unknown mav4 variant {variant!r}; choose from {', '.join(MAV4_VARIANTS)}")
        base = Mav4Personalisation(citizen=citizen, id_pin=citizen.national_code[-4:], seed=seed, citizen_ca=citizen_ca)
        return Mav4Card(MAV4_VARIANTS[variant](base))
    if variant != "genuine":
        raise ValueError(f"the {profile} profile has no evil variants")
    if profile == "pardis":
        return PardisCard(PardisPersonalisation(citizen=citizen, seed=seed, citizen_ca=citizen_ca))
    if profile == "omid":
        return OmidCard()
    raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")


def save_card_file(
    path: str | Path, profile: str, *, variant: str, seed: int, citizen: Citizen, citizen_ca: str
) -> None:
    make_profile_card(profile, variant=variant, seed=seed, citizen=citizen, citizen_ca=citizen_ca)  # validate
    body = {
        "format": FORMAT,
        "profile": profile,
        "variant": variant,
        "seed": seed,
        "citizenCa": citizen_ca,
        "citizen": dataclasses.asdict(citizen),
    }
    Path(path).write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load_card_file(path: str | Path) -> CardBackend | None:
    """The card a profile card file describes, or None when the file is another kind of card."""
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return None
    try:
        citizen = Citizen(**body["citizen"])
        return make_profile_card(
            str(body["profile"]),
            variant=str(body["variant"]),
            seed=int(body["seed"]),
            citizen=citizen,
            citizen_ca=str(body["citizenCa"]),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"corrupt profile card file: {exc}") from None


def open_card_spec(spec: str, *, latency: float | None = None) -> CardBackend:
    """A card from `spec`: mav4|pardis|omid[:variant] (fresh), a profile card file, or an
    nid-v1 card file (counter changes written back to it, as on a real chip).

    Raises FileNotFoundError for a missing file and ValueError for one that is no card.
    """
    profile, _, variant = spec.partition(":")
    if profile in PROFILES:
        return make_profile_card(profile, variant=variant or "genuine")
    profile_card = load_card_file(spec)
    if profile_card is not None:
        return profile_card
    return EmulatedCard(CardImage.load(spec), store=spec, latency=latency)
