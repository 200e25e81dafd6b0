"""Pseudonymisation at ingest (UU PDP): the NIK becomes a keyed hash; nothing downstream can recover it.

HMAC-SHA256 with a secret key from `UCJ_PSEUDONYM_KEY`. The same NIK gets the same key everywhere (so people are
de-duplicated nationally), yet without the secret the hash cannot be reversed by enumerating the ~10^10 plausible
NIKs. Rotating the key re-keys every participant: rebuild the lake from the archive when you do.

The participant key is the HMAC's first 120 bits as a number, DECIMAL(38, 0): 16 bytes a row, where the 64 hex digits
took 64, so the national de-duplication reads, hashes and joins a quarter of the bytes. Two of 62 million people
share a key with a probability of about 10^-21. Lakes written before kept the 64 hex digits; the first 30 of them are
the same 120 bits (`key_from_hex_sql`), so old and new rows of one person get the same key.
"""

from __future__ import annotations

import hashlib
import hmac
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


KEY_HEX_DIGITS = 30  # 120 bits: below 10^38, so exact in DECIMAL(38, 0)
KEY_TYPE = "DECIMAL(38, 0)"


def key_from_hex_sql(hex_digits: str) -> str:
    """The participant key from a hex HMAC-SHA256 (a DuckDB text expression): its first 120 bits, as a number."""
    return f"('0x' || left({hex_digits}, {KEY_HEX_DIGITS}))::UHUGEINT::{KEY_TYPE}"


def participant_key_sql(column: str) -> str:
    """The participant key of the NIK in a text column: HMAC-SHA256's first 120 bits (parameters as `hmac_sql`)."""
    return key_from_hex_sql(hmac_sql(column))


def participant_key(nik: str, key: bytes) -> int:
    """The participant key of a NIK, in Python (what `participant_key_sql` computes in DuckDB)."""
    return int(hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()[:KEY_HEX_DIGITS], 16)


def hmac_sql_params(key: bytes) -> dict[str, bytes]:
    block = hashlib.sha256(key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\0")
    return {
        "hmac_ipad": bytes(b ^ 0x36 for b in block),
        "hmac_opad": bytes(b ^ 0x5C for b in block),
    }
