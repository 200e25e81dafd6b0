-- One row per benefit payment of an accepted branch claims file, as ingest wrote it to the lake: the payee as the
-- pseudonymised participant key (the same key as membership), the month, the regency and the amount; no claim
-- number, NIK or date of a single payment.
-- materialized: view
-- Columns: those of the lake table claim_payments (column contract, schema.yml) but the row number.
select * exclude (source_row)
from claim_payments
