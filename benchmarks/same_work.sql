-- The same work as `ucj run`, in bare DuckDB: the floor the pipeline is measured against (benchmarks/national_shape.py).
-- Reads every branch extract, judges the contract's row rules, quarantines what breaks them (with the rules),
-- keeps one row per NIK and file, pseudonymises the NIK with HMAC-SHA256, writes a Parquet lake per branch,
-- de-duplicates covered people nationally, counts them per regency and writes a DuckDB file.
-- Parameters: $files (the CSV paths), $hmac_ipad / $hmac_opad (the key's pads), $regions (region codes CSV),
-- $as_of (the snapshot date); @lake@, @lake_glob@, @row_issues@ and @warehouse@ are paths the runner fills in.

CREATE TEMP TABLE prepared AS
WITH raw AS (
    SELECT *, row_number() OVER (PARTITION BY filename) + 1 AS source_row
    FROM read_csv($files, header = true, all_varchar = true, quote = '"', escape = '"', delim = ',',
                  filename = true, union_by_name = true)
),
regions AS (SELECT code FROM read_csv($regions, header = true, all_varchar = true, union_by_name = true))
SELECT
    regexp_extract(filename, '([A-Z0-9]+)_[0-9]{8}', 1) AS branch_code,
    source_row,
    trim(NIK) AS nik,
    try_strptime(trim(TGL_LAHIR), ['%Y-%m-%d', '%d/%m/%Y', '%d-%m-%Y'])::DATE AS birth_date,
    trim(JENIS_KELAMIN) AS sex,
    concat_ws('.', substr(replace(trim(KODE_WILAYAH), '.', ''), 1, 2), substr(replace(trim(KODE_WILAYAH), '.', ''), 3, 2),
              NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 5, 2), ''),
              NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 7, 4), '')) AS region_code,
    trim(SEGMEN) AS segment,
    list_filter(regexp_split_to_array(trim(PROGRAM), '[,;|\s]+'), lambda p: p <> '') AS programs,
    trim(STATUS) AS status,
    trim(SUMBER_IURAN) AS funding_source,
    NULLIF(trim(KATEGORI), '') AS category,
    try_strptime(trim(TGL_KEPESERTAAN), ['%Y-%m-%d', '%d/%m/%Y', '%d-%m-%Y'])::DATE AS enrolment_date,
    NULLIF(trim(IURAN_TERAKHIR), '') AS last_paid_month,
    NULLIF(trim(NPP), '') AS employer_npp,
    list_value(
        CASE WHEN NOT regexp_full_match(coalesce(trim(NIK), ''), '[0-9]{16}') THEN 'nik_format' END,
        CASE WHEN birth_date IS NULL THEN 'birth_date_format'
             WHEN date_sub('year', birth_date, $as_of) NOT BETWEEN 15 AND 100 THEN 'age_range' END,
        CASE WHEN sex NOT IN ('L', 'P') OR sex IS NULL THEN 'sex_value' END,
        CASE WHEN region_code NOT IN (SELECT code FROM regions) OR region_code IS NULL THEN 'region_code_unknown' END,
        CASE WHEN segment NOT IN ('PU', 'BPU', 'JAKON', 'PMI') OR segment IS NULL THEN 'segment_value' END,
        CASE WHEN len(programs) = 0 OR len(list_filter(programs, lambda p: p NOT IN ('JKK', 'JKM', 'JHT', 'JP', 'JKP'))) > 0
             THEN 'program_value' END,
        CASE WHEN status NOT IN ('AKTIF', 'NONAKTIF') OR status IS NULL THEN 'status_value' END,
        CASE WHEN funding_source NOT IN ('MANDIRI', 'PEMBERI_KERJA', 'APBD', 'APBDES', 'CSR', 'LAINNYA')
             OR funding_source IS NULL THEN 'funding_source_value' END,
        CASE WHEN enrolment_date IS NULL THEN 'enrolment_date_format' END
    ).list_filter(lambda r: r IS NOT NULL) AS broken_rules
FROM raw;

-- One row per NIK and file: the AKTIF one, then the latest enrolment; the others are quarantined as duplicates.
CREATE TEMP TABLE judged AS
SELECT *,
    CASE WHEN len(broken_rules) = 0 AND row_number() OVER (
        PARTITION BY branch_code, nik, len(broken_rules) = 0
        ORDER BY status = 'AKTIF' DESC, enrolment_date DESC, source_row) > 1
    THEN ['duplicate_nik'] ELSE broken_rules END AS rules
FROM prepared;

COPY (SELECT branch_code, source_row, unnest(rules) AS rule FROM judged WHERE len(rules) > 0)
TO @row_issues@ (FORMAT parquet, COMPRESSION zstd);

COPY (
    SELECT
        branch_code,
        $as_of::DATE AS snapshot_date,
        ('0x' || left(sha256($hmac_opad || unhex(sha256($hmac_ipad || encode(nik)))), 30))::UHUGEINT::DECIMAL(38, 0)
            AS participant_key,  -- the HMAC's first 120 bits, as ingest keeps it
        sex,
        CASE WHEN date_sub('year', birth_date, $as_of) < 25 THEN '15-24'
             WHEN date_sub('year', birth_date, $as_of) < 35 THEN '25-34'
             WHEN date_sub('year', birth_date, $as_of) < 45 THEN '35-44'
             WHEN date_sub('year', birth_date, $as_of) < 55 THEN '45-54'
             WHEN date_sub('year', birth_date, $as_of) < 65 THEN '55-64' ELSE '65+' END AS age_band,
        substr(region_code, 1, 5) AS regency_code,
        CASE WHEN length(region_code) = 13 THEN region_code END AS village_code,
        segment,
        array_to_string(programs, ',') AS programs,
        list_contains(programs, 'JKK') AS has_jkk,
        list_contains(programs, 'JKM') AS has_jkm,
        status, funding_source, category, enrolment_date, last_paid_month, employer_npp, source_row
    FROM judged WHERE len(rules) = 0
) TO @lake@ (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (branch_code), OVERWRITE_OR_IGNORE);

ATTACH @warehouse@ AS published;
CREATE TABLE published.coverage_regency AS
WITH covered AS (
    SELECT participant_key, regency_code
    FROM read_parquet(@lake_glob@, hive_partitioning = true)
    WHERE status = 'AKTIF' AND has_jkk AND has_jkm
    QUALIFY row_number() OVER (PARTITION BY participant_key ORDER BY enrolment_date DESC, branch_code) = 1
)
SELECT regency_code, count(*) AS covered_workers FROM covered GROUP BY regency_code ORDER BY regency_code;
DETACH published;
