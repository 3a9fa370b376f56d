"""What the citizen reads, by situation: error codes and PIN pad prompts, translated."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from gui.flow import NidPinRequest, Request
from gui.i18n import I18n
from idcard.cards.base import NEEDS_REGISTRY, NOT_PUBLIC
from idcard.cards.login import LOGIN_NOT_POSSIBLE
from idcard.session import CAN, PUK

# Why the service desk does not take a real card family (the reason of its `card.unsupported_operation`).
DESK_REFUSAL = (
    "the service desk records cards whose chip answers the desk's own challenge, and a real "
    "national card does that only through the registry's card-authentication service"
)

translate = QCoreApplication.translate


def error_text(code: str, fallback: str = "") -> str:
    """A plain sentence for an error code; unknown codes get a general sentence (and the detail elsewhere)."""
    if code == "card.unsupported_operation":
        return unsupported_text(fallback)
    text = _texts().get(code)
    if text is None:
        return translate("Messages", "The operation failed: {detail}").format(
            detail=fallback or code
        )
    return text.format(detail=fallback or code)


def has_text(code: str) -> bool:
    """Whether `error_text` has its own sentence for `code` (not the general one)."""
    return code == "card.unsupported_operation" or code in _texts()


def _texts() -> dict[str, str]:
    """The sentence of each code, in the current language."""
    return {
        "card.removed": translate("Messages", "Card removed — put it back to continue."),
        "card.absent": translate("Messages", "No card found. Put your card on the reader."),
        "card.timeout": translate(
            "Messages",
            "The card stopped answering. Take it off the reader, put it back and try again.",
        ),
        "card.io": translate(
            "Messages",
            "The reader could not talk to the card. Put the card back on the reader and try again.",
        ),
        "reader.not_found": translate(
            "Messages", "The reader is not connected any more. Connect it and try again."
        ),
        "reader.driver_missing": translate(
            "Messages", "The software for this reader is not installed."
        ),
        "card.unsupported": translate("Messages", "This card is not supported."),
        "reader.bad_name": translate(
            "Messages",
            "That reader name cannot be used. Choose a reader from the list, or check the name given with --reader.",
        ),
        "pin.format": translate("Messages", "The ID PIN is 4 to 8 digits."),
        "pin.error": translate(
            "Messages", "The card gave no usable answer to the PIN. Take it off the reader and try again."
        ),
        "keyservice.unavailable": translate(
            "Messages",
            "The registry's card-authentication service did not answer or refused the card. Check the network, or read the card without it.",
        ),
        "keyservice.request": translate(
            "Messages", "The card did not give what the card-authentication service needs."
        ),
        "chip.auth_refused": translate(
            "Messages",
            "The card refused the registry's keys: it is not the card the registry issued them for. Do not rely on it.",
        ),
        "card.status": translate(
            "Messages", "The card refused a command. Take it off the reader, put it back and try again."
        ),
        "keyservice.malformed": translate(
            "Messages", "The registry's card-authentication service gave an answer that cannot be read."
        ),
        "keyservice.refused": translate(
            "Messages", "The registry's card-authentication service refused this card."
        ),
        "keyservice.url": translate(
            "Messages", "The address of the card-authentication service must start with http:// or https://."
        ),
        "nid.sod": translate(
            "Messages",
            "The personal data signed on the card does not verify: it may have been changed. Do not rely on it.",
        ),
        "chip.not_genuine": translate(
            "Messages",
            "This card failed the registry's card check (it may be a copy). Do not rely on it.",
        ),
        "card.no_pki": translate("Messages", "This card has no keys for logging in or signing."),
        "card.malformed": translate("Messages", "The card gave an answer that cannot be read."),
        "sm.mac": translate("Messages", "The secure connection to the card broke. Try again."),
        "auth.failed": translate("Messages", "The card refused the connection. Try again."),
        "auth.password": translate("Messages", "The card did not accept the number entered."),
        "auth.chip": translate(
            "Messages",
            "This card failed to prove it is genuine (it may be a copy). Nothing was read from it.",
        ),
        "pin.blocked": translate("Messages", "Your PIN is blocked. Unblock it with your PUK."),
        "pin.suspended": translate(
            "Messages", "Your PIN is suspended. Enter the CAN printed on your card first."
        ),
        "pin.wrong": translate("Messages", "Wrong PIN."),
        "puk.blocked": translate(
            "Messages",
            "Your PUK is used up: this card can no longer unblock its PIN. Ask the registry office for a new card.",
        ),
        "puk.wrong": translate("Messages", "Wrong PUK."),
        "can.wrong": translate("Messages", "Wrong CAN."),
        "pin2.wrong": translate("Messages", "Wrong signature PIN."),
        "pin2.blocked": translate(
            "Messages", "Your signature PIN is blocked. Unblock it with your PUK."
        ),
        "usage": translate("Messages", "That did not work: {detail}"),
        "user.refused": translate("Messages", "You refused the request; nothing was sent."),
        "sign.mismatch": translate(
            "Messages", "The card's signature does not match its certificate; no file was written."
        ),
        "desk.store": translate("Messages", "The record could not be saved: {detail}"),
        "app.error": translate("Messages", "Something went wrong in the app: {detail}"),
    }


def unsupported_text(message: str) -> str:
    """`card.unsupported_operation` in plain words, by the reason its message names."""
    if LOGIN_NOT_POSSIBLE in message:
        return translate(
            "Messages",
            "Logging in with this national card is not possible in this app: a website can trust it only after the registry's card-authentication service has checked the chip, and this app is not connected to that service. Nothing was sent to the website.",
        )
    if DESK_REFUSAL in message:
        return translate(
            "Messages",
            "The service desk cannot record this national card: its records need the chip to answer the desk's own challenge, which a real national card does only through the registry's card-authentication service. Use “My card” to read it; the reading says what could and could not be checked.",
        )
    if NEEDS_REGISTRY in message or "registry's" in message:  # e.g. Pardis: "the SMD key that only the registry's … service hands out"
        return translate(
            "Messages",
            "This card can do that only through the registry's card-authentication service, which this app is not connected to.",
        )
    if NOT_PUBLIC in message:
        return translate(
            "Messages",
            "This card cannot do that here: how the card does it has not been made public.",
        )
    return translate("Messages", "This card cannot do that here.")


@dataclass(frozen=True)
class PadText:
    title: str
    explanation: str
    #: The warning line (red), empty when there is nothing to warn about.
    warning: str
    tries: str
    low: int
    high: int
    show_card: bool


def tries_text(tries: int | None, n: str) -> str:
    """"3 tries left" under the pad (`n`: the count in the reader's digits); empty when unknown."""
    if tries is None:
        return ""
    if tries == 1:
        return translate("Messages", "1 try left")
    return translate("Messages", "{n} tries left").format(n=n)


def _id_pin_warning(reason: str, tries: int | None, n: str) -> str:
    """The red line of the ID-PIN pad: after a wrong PIN, or before the last try."""
    if reason == "pin.wrong":
        if tries == 1:
            return translate(
                "Messages",
                "Wrong ID PIN. Last try: if the next one is wrong too, the ID PIN will be blocked.",
            )
        return translate("Messages", "Wrong ID PIN. {n} tries left.").format(n=n)
    if tries == 0:
        return translate(
            "Messages",
            "Your ID PIN is blocked: only your PUK can unblock it. You can still read the card without the PIN.",
        )
    if tries == 1:
        return translate("Messages", "Last try: if this PIN is wrong, your ID PIN will be blocked.")
    return ""


def _id_pin_text(request: NidPinRequest, i18n: I18n) -> PadText:
    """A real card's ID PIN ("first PIN"): 4 to 8 digits, optional for reading."""
    tries = request.tries_left
    n = i18n.digits(tries) if tries is not None else "?"
    warning = _id_pin_warning(request.reason, tries, n)
    return PadText(
        translate("Messages", "Enter your ID PIN (first PIN)"),
        translate(
            "Messages",
            "Your national card's first PIN, 4 to 8 digits (unless you changed it, the last 4 digits of your national code). With it the app checks the PIN and, with the registry's service, the chip. It is optional: Skip reads the card without it.",
        )
        if request.optional
        else translate(
            "Messages",
            "Your national card's first PIN, 4 to 8 digits (unless you changed it, the last 4 digits of your national code).",
        ),
        warning,
        tries_text(tries, n),
        4,
        8,
        False,
    )


def pad_text(request: Request, i18n: I18n, *, purpose: str = "") -> PadText:
    """Titles and warnings for the PIN pad (PIN / CAN / PUK / a real card's ID PIN), from why it is asked."""
    if isinstance(request, NidPinRequest):
        return _id_pin_text(request, i18n)
    kind, tries, reason = request.kind, request.tries_left, request.reason
    n = i18n.digits(tries) if tries is not None else "?"
    if kind == CAN:
        warning = ""
        if reason == "pin.suspended":
            warning = translate(
                "Messages",
                "Wrong PIN. Your PIN is now suspended: enter your CAN, then you can try your PIN once more.",
            )
        elif reason == "can.wrong":
            warning = translate("Messages", "Wrong CAN. Check the 6 digits printed on your card.")
        return PadText(
            translate("Messages", "Enter your CAN"),
            translate(
                "Messages",
                "Your PIN is suspended after two wrong tries. The CAN is the 6-digit number printed on the front of your card, where the picture shows.",
            ),
            warning,
            translate("Messages", "1 PIN try left after the CAN"),
            6,
            6,
            True,
        )
    if kind == PUK:
        warning = ""
        if reason == "pin.blocked":
            warning = translate(
                "Messages", "Wrong PIN. Your PIN is now blocked: only your PUK can unblock it."
            )
        elif reason == "puk.wrong":
            warning = translate("Messages", "Wrong PUK. It can be used {n} more times.").format(n=n)
        return PadText(
            translate("Messages", "Enter your PUK"),
            translate(
                "Messages",
                "Your PIN is blocked. Enter the 8-digit PUK from the letter that came with your card; your PIN stays the same and gets 3 tries again.",
            ),
            warning,
            translate("Messages", "The PUK can be used {n} more times").format(n=n)
            if tries is not None
            else "",
            8,
            8,
            False,
        )
    # PIN
    explanation = purpose or translate("Messages", "Enter the 6-digit PIN of your card.")
    if reason == "pin.wrong" and tries == 2:
        warning = translate(
            "Messages",
            "Wrong PIN. 2 tries left: if the next PIN is wrong too, your PIN will be suspended and you will need the CAN printed on your card.",
        )
    elif reason == "pin.wrong":
        warning = translate("Messages", "Wrong PIN. {n} tries left.").format(n=n)
    elif tries == 2:
        warning = translate(
            "Messages",
            "2 tries left: if this PIN is wrong, your PIN will be suspended and you will need the CAN printed on your card.",
        )
    elif tries == 1:
        warning = translate(
            "Messages",
            "Last try: if this PIN is wrong, your PIN will be blocked and only your PUK can unblock it.",
        )
    elif reason == "unblocked":
        warning = ""
    else:
        warning = ""
    notice = (
        translate("Messages", "Your PIN is unblocked and has 3 tries again.")
        if reason == "unblocked"
        else ""
    )
    if notice and not warning:
        explanation = f"{notice} {explanation}"
    return PadText(
        translate("Messages", "Enter your PIN"), explanation, warning, tries_text(tries, n), 6, 6, False
    )
