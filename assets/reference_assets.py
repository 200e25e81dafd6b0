"""Reference data assets: the versioned CSV files in ucj_pipeline/reference, written to the lake for the models."""

from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, asset

from assets.metadata import arrow_column_schema
from resources import PipelineSettings
from ucj_pipeline import lake
from ucj_pipeline.reference_data import REFERENCE_TABLES

DESCRIPTIONS = {
    "region_codes": "Kemendagri regions (38 provinces, 514 regencies, districts, 83,762 villages), idn-area-data "
    "v4.0.1, ODbL 1.0.",
    "branch_registry": "Branch offices (Kantor Cabang) of BPJS Ketenagakerjaan with their regional office.",
    "branch_service_areas": "Which regencies each branch office serves; together they cover all 514 regencies.",
    "worker_bases": "Worker base per regency: BPS employed population where published, otherwise a labelled "
    "estimate from population; plus BPJS 'potensi pekerja' where a source gives it.",
    "targets": "Coverage targets set by governments (national RPJMN/RPJPN, South Sulawesi, Banggai, Sinjai, Luwu "
    "Timur's Satu Desa 100 Tenaga Kerja), with baselines, dates, worker base kind and source documents.",
}


def _reference_asset(name: str) -> AssetsDefinition:
    @asset(
        name=name,
        group_name="reference",
        description=DESCRIPTIONS[name],
        kinds={"parquet"},
        metadata={"dagster/column_schema": arrow_column_schema(lake.SCHEMAS[name], name)},
    )
    def _write(context: AssetExecutionContext, settings: PipelineSettings) -> MaterializeResult:
        frame = REFERENCE_TABLES[name]()
        path = lake.write_parquet(frame, lake.reference_path(settings.paths.lake, name), lake.SCHEMAS[name])
        return MaterializeResult(metadata={"dagster/row_count": len(frame), "path": str(path)})

    return _write


reference_assets = [_reference_asset(name) for name in REFERENCE_TABLES]
