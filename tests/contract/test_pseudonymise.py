import hashlib
import hmac
import logging

import duckdb
import pytest

from ucj_pipeline.contract.pseudonymise import (
    DEV_KEY,
    KEY_ENV,
    hmac_sql,
    hmac_sql_params,
    participant_key,
    participant_key_sql,
    pseudonymisation_key,
)

NIKS = ["7316014501900001", "9101010101010001"]


@pytest.mark.parametrize("key", [b"a-sixteen-char-k", b"k" * 64, b"a key longer than one sha256 block " * 3])
def test_the_sql_hmac_equals_the_standard_library(key):
    expected = [hmac.new(key, n.encode(), hashlib.sha256).hexdigest() for n in NIKS]
    rows = duckdb.execute(
        f"SELECT {hmac_sql('nik')} FROM (SELECT unnest($niks) AS nik)", {"niks": NIKS, **hmac_sql_params(key)}
    ).fetchall()
    assert [r[0] for r in rows] == expected


def test_the_participant_key_is_the_hmacs_first_120_bits_as_a_number():
    key = b"a-sixteen-char-k"
    rows = duckdb.execute(
        f"SELECT {participant_key_sql('nik')}, typeof({participant_key_sql('nik')}) FROM (SELECT unnest($niks) AS nik)",
        {"niks": NIKS, **hmac_sql_params(key)},
    ).fetchall()
    digests = [hmac.new(key, n.encode(), hashlib.sha256).digest() for n in NIKS]
    assert [r[0] for r in rows] == [int.from_bytes(d[:15]) for d in digests] == [participant_key(n, key) for n in NIKS]
    assert {r[1] for r in rows} == {"DECIMAL(38,0)"}
    assert len({r[0] for r in rows}) == len(NIKS) and all(r[0] >= 2**100 for r in rows)  # no NIK's digits show


def test_missing_key_falls_back_to_the_dev_key_loudly(caplog):
    with caplog.at_level(logging.WARNING):
        assert pseudonymisation_key("") == DEV_KEY.encode()
    assert "PUBLIC DEVELOPMENT KEY" in caplog.text


def test_short_key_is_refused():
    with pytest.raises(ValueError, match=KEY_ENV):
        pseudonymisation_key("short")
