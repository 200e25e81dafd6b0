"""Reference data assets: the versioned CSV files in ucj_pipeline/contract/reference, written to the lake for the models.

Each lake file carries the version it was written from (the reference files, the code deriving the table and its
schema, hashed). A refresh whose version matches the file's does not read the CSVs or write the file again: it
records the materialisation with the file's row count. A changed CSV, a code change or a missing or unreadable file
rewrites it."""

import hashlib
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, asset

from assets.metadata import lake_column_schema
from resources import PipelineSettings
from ucj_pipeline.contract.reference_data import REFERENCE_TABLES, reference_fingerprint
from ucj_pipeline.ingest import lake

DESCRIPTIONS = {
    "region_codes": "Kemendagri regions (38 provinces, 514 regencies, districts, 83,762 villages), idn-area-data "
    "v4.0.1, ODbL 1.0.",
    "branch_registry": "Branch offices (Kantor Cabang) of BPJS Ketenagakerjaan with their regional office.",
    "branch_service_areas": "Which regencies each branch office serves; together they cover all 514 regencies.",
    "worker_bases": "Worker base per regency: BPS employed population where published, otherwise a labelled "
    "estimate from population; plus BPJS 'potensi pekerja' where a source gives it.",
    "targets": "Coverage targets set by governments (national RPJMN/RPJPN, South Sulawesi, Banggai, Sinjai, Luwu "
    "Timur's Satu Desa 100 Tenaga Kerja), with baselines, dates, worker base kind and source documents.",
    "premium_rates": "Monthly premium per worker by programme and segment, as dated rows with their regulation: BPU at "
    "the lowest income bracket, JKK Rp10,000 + JKM Rp6,800 (PP 44/2015, PP 82/2019), JHT optional (PP 46/2015).",
    "premium_discounts": "Premium discounts as dated rows with their regulation and the funding sources they exclude: "
    "PP 50/2025, 50% off BPU JKK and JKM from April to December 2026, not where APBN, APBD or APBDES pays.",
    "budget_premiums": "What a regency's budget pays a month per budget-funded worker where a public report says so "
    "(Enrekang, Luwu, Wajo), from a date, with the report; elsewhere the BPU schedule is the planning premium.",
    "benefit_amounts": "Benefit amounts in force as dated rows with their regulation: the JKM death benefit, Rp20 M "
    "lump sum + Rp12 M periodic + Rp10 M funeral = Rp42 M (PP 82/2019), for the claims warning.",
}


VERSION_KEY = "ucj_reference_version"  # in the Parquet file's schema metadata


@cache
def _version(name: str) -> str:
    """The reference files, the code deriving the table and its lake schema, in one hash."""
    return hashlib.sha256(f"{reference_fingerprint()}|{lake.SCHEMAS[name]}".encode()).hexdigest()


def _stored(path: Path) -> tuple[str | None, int]:
    """The version a lake file was written from and its row count, from its footer; (None, 0) when missing or
    unreadable (it is written again)."""
    try:
        footer = pq.read_metadata(path)
    except (OSError, pa.ArrowInvalid):
        return None, 0
    return (footer.metadata or {}).get(VERSION_KEY.encode(), b"").decode() or None, footer.num_rows


def _reference_asset(name: str) -> AssetsDefinition:
    @asset(
        name=name,
        group_name="reference",
        description=DESCRIPTIONS[name],
        kinds={"parquet"},
        metadata={"dagster/column_schema": lake_column_schema(name)},
    )
    def _write(context: AssetExecutionContext, settings: PipelineSettings) -> MaterializeResult:
        path = lake.reference_path(settings.paths.lake, name)
        version = _version(name)
        stored_version, rows = _stored(path)
        rewritten = stored_version != version
        if rewritten:
            frame = REFERENCE_TABLES[name]()
            lake.write_parquet(frame, path, lake.SCHEMAS[name].with_metadata({VERSION_KEY: version}))
            rows = len(frame)
        return MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "path": str(path),
                "reference_version": version[:16],
                "rewritten": rewritten,  # False: the lake file already held these rows
            }
        )

    return _write


reference_assets = [_reference_asset(name) for name in REFERENCE_TABLES]
