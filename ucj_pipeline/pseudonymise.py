"""Pseudonymisation at ingest (UU PDP): the NIK becomes a keyed hash; nothing downstream can recover it.

HMAC-SHA256 with a secret key from `UCJ_PSEUDONYM_KEY`. The same NIK gets the same key everywhere (so people are
de-duplicated nationally), yet without the secret the hash cannot be reversed by enumerating the ~10^10 plausible
NIKs. Rotating the key re-keys every participant: rebuild the lake from the archive when you do.
"""

from __future__ import annotations

import hashlib
import logging

KEY_ENV = "UCJ_PSEUDONYM_KEY"
DEV_KEY = "ucj-development-key-not-for-production"
MIN_KEY_LENGTH = 16
log = logging.getLogger(__name__)


def pseudonymisation_key(key: str) -> bytes:
    """The HMAC key from UCJ_PSEUDONYM_KEY, as `configuration.load_configuration` read it; when it is empty, the
    public development key, with a loud warning."""
    if not key:
        log.warning(
            "!!! %s is not set: pseudonymising NIKs with the PUBLIC DEVELOPMENT KEY. Anyone can reverse these "
            "hashes. Never use this setting with real participant data. !!!",
            KEY_ENV,
        )
        return DEV_KEY.encode()
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"{KEY_ENV} must be at least {MIN_KEY_LENGTH} characters")
    return key.encode()


def hmac_sql(column: str) -> str:
    """HMAC-SHA256(key, NIK) as 64 hex digits, as a DuckDB expression over a text column (parallel, in C++).

    HMAC(K, m) = SHA256((K ^ opad) || SHA256((K ^ ipad) || m)), RFC 2104; the pads are the parameters
    `$hmac_ipad` and `$hmac_opad` from `hmac_sql_params`.
    """
    return f"sha256($hmac_opad || unhex(sha256($hmac_ipad || encode({column}))))"


def hmac_sql_params(key: bytes) -> dict[str, bytes]:
    block = hashlib.sha256(key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\0")
    return {
        "hmac_ipad": bytes(b ^ 0x36 for b in block),
        "hmac_opad": bytes(b ^ 0x5C for b in block),
    }
