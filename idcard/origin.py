"""The one origin rule: how every part of the product writes, compares and shows a web origin.

A portal's origin is what the card signs (``H(origin) || H(nonce)``), what the
hand-off takes from the URL it fetched and what the verifier expects, so all
three must turn ``https://FAß.example:443`` into the same text. Host names go
through UTS #46 mapping and IDNA 2008 (the `idna` package, non-transitional,
as browsers and httpx do): ``ß`` and the final sigma stay themselves (``faß``
is not ``fass``), ZWJ/ZWNJ only where CONTEXTJ allows them, upper case folded,
A-labels checked. Serialised as a browser does: lower-case
``scheme://host[:port]``, the host in punycode, IPv6 in brackets, the
default port left out. A trailing dot is refused: ``example.`` is another
origin for a browser, and no portal should be reached that way.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse

import idna

from idcard.errors import UsageError

__all__ = ["canonical_host", "display_origin", "normalize_origin", "origin_of_url"]

_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_DEFAULT_PORTS = {"https": 443, "http": 80}


def canonical_host(host: str) -> tuple[str, bool]:
    """(host as an origin carries it, is it loopback). IPv6 may come with or without brackets."""
    if not host:
        raise UsageError("The origin has no host.")
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in bare:
        try:
            ip6 = ipaddress.IPv6Address(bare)
        except ValueError:
            raise UsageError(f"{host!r} is not a valid IPv6 address.") from None
        return f"[{ip6.compressed}]", ip6.is_loopback
    try:
        ip4 = ipaddress.IPv4Address(host)
    except ValueError:
        pass
    else:
        return str(ip4), ip4.is_loopback
    if host.endswith("."):
        raise UsageError("The origin's host must not end with a dot.")
    try:
        ascii_host = idna.encode(host, uts46=True, transitional=False, std3_rules=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise UsageError(f"{host!r} is not a valid host name.") from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise UsageError(f"{host!r} is not a valid host name.")
    return ascii_host, ascii_host == "localhost" or ascii_host.endswith(".localhost")


def _split(url: str, what: str) -> urllib.parse.SplitResult:
    if not isinstance(url, str) or not url:
        raise UsageError(f"The {what} is empty.")
    if any(c.isspace() or ord(c) < 0x20 or c == "\x7f" for c in url) or "\\" in url:
        raise UsageError(f"The {what} contains spaces, control characters or backslashes.")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise UsageError(f"The {what} {url!r} is not a valid URL: {exc}.") from None
    return parts


def _origin(parts: urllib.parse.SplitResult, url: str, allow_http_loopback: bool) -> str:
    scheme = parts.scheme.lower()
    if "@" in parts.netloc:
        raise UsageError(f"{url!r}: user names or passwords are not allowed in an origin.")
    # urllib lower-cases `hostname` with str.lower(), which is not UTS #46 case
    # folding: take the host as written and let canonical_host map it.
    host, loopback = canonical_host(_host_as_written(parts))
    if scheme == "http":
        if not (allow_http_loopback and loopback):
            raise UsageError(f"{url!r}: the portal must use https://.")
    elif scheme != "https":
        raise UsageError(f"{url!r}: the portal must use https://.")
    port = parts.port
    if parts.netloc.endswith(":"):
        raise UsageError(f"{url!r}: empty port.")
    if port is not None and not 0 < port < 65536:
        raise UsageError(f"{url!r}: port out of range.")
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _host_as_written(parts: urllib.parse.SplitResult) -> str:
    netloc = parts.netloc.rpartition("@")[2]
    if netloc.startswith("["):
        return netloc[: netloc.find("]") + 1]
    return netloc.partition(":")[0]


def normalize_origin(origin: str, *, allow_http_loopback: bool = False) -> str:
    """The origin in canonical form; UsageError unless it is ``https://host[:port]``.

    A path (even a lone trailing slash), query, fragment or user info is
    refused: an origin is not a URL. ``http://`` is accepted only for
    loopback hosts and only with `allow_http_loopback` (development).
    """
    parts = _split(origin, "origin")
    if parts.path or parts.query or parts.fragment or origin.endswith(("?", "#")):
        raise UsageError(
            f"{origin!r} is not an origin: use https://host[:port] without a path or trailing slash."
        )
    return _origin(parts, origin, allow_http_loopback)


def origin_of_url(url: str, *, allow_http_loopback: bool = False) -> str:
    """The origin of a full https URL (what a browser would call its origin)."""
    return _origin(_split(url, "URL"), url, allow_http_loopback)


def display_origin(origin: str) -> str:
    """A canonical origin as the citizen is shown it: Unicode host, punycode beside it when they differ.

    Both forms, so a look-alike (раураl.example in Cyrillic) cannot pass for
    the real name on a consent screen.
    """
    scheme, sep, rest = origin.partition("://")
    host, colon, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
    try:
        shown = idna.decode(host)
    except (idna.IDNAError, UnicodeError, ValueError):
        return origin
    if shown == host:
        return origin
    return f"{scheme}{sep}{shown}{colon}{port} ({origin})"
