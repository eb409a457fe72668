"""URL checks shared by clients (redirect URIs, origins) and entitlements (target URLs)."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """`scheme://host[:port]`, lower-cased, default port dropped; ValueError if not http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("has an invalid port") from exc
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    suffix = "" if port is None or port == _DEFAULT_PORTS[parts.scheme] else f":{port}"
    return f"{parts.scheme}://{host}{suffix}"


def absolute_url(url: str) -> str:
    """An http(s) URL without fragment (what redirect URIs and target URLs must be)."""
    origin_of(url)
    if urlsplit(url).fragment:
        raise ValueError("must not contain a fragment (#…)")
    return url.strip()


def bare_origin(value: str) -> str:
    """An origin as given in `allowed_origins`: nothing after host and port."""
    parts = urlsplit(value.strip())
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("an origin is scheme://host[:port] without path, query or fragment")
    return origin_of(value)
