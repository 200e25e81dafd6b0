import hashlib
import hmac
import logging

import duckdb
import pytest

from ucj_pipeline.pseudonymise import DEV_KEY, KEY_ENV, hmac_sql, hmac_sql_params, pseudonymisation_key

NIKS = ["7316014501900001", "9101010101010001"]


@pytest.mark.parametrize("key", [b"a-sixteen-char-k", b"k" * 64, b"a key longer than one sha256 block " * 3])
def test_the_sql_hmac_equals_the_standard_library(key):
    expected = [hmac.new(key, n.encode(), hashlib.sha256).hexdigest() for n in NIKS]
    rows = duckdb.execute(
        f"SELECT {hmac_sql('nik')} FROM (SELECT unnest($niks) AS nik)", {"niks": NIKS, **hmac_sql_params(key)}
    ).fetchall()
    assert [r[0] for r in rows] == expected


def test_missing_key_falls_back_to_the_dev_key_loudly(caplog):
    with caplog.at_level(logging.WARNING):
        assert pseudonymisation_key("") == DEV_KEY.encode()
    assert "PUBLIC DEVELOPMENT KEY" in caplog.text


def test_short_key_is_refused():
    with pytest.raises(ValueError, match=KEY_ENV):
        pseudonymisation_key("short")
