"""Dagster resources: where the pipeline's files live and the knobs of a run, configured from the environment."""

from resources.landing_area import LandingArea
from resources.marts_quality import MartsQuality
from resources.pipeline_settings import (
    AS_OF_DATE_TAG,
    CODE_VERSION_METADATA,
    PUBLISHED_ASSET,
    REPORTING_DATE_METADATA,
    PipelineSettings,
    published_reporting_date,
    reporting_date_for,
)

__all__ = [
    "AS_OF_DATE_TAG",
    "CODE_VERSION_METADATA",
    "PUBLISHED_ASSET",
    "REPORTING_DATE_METADATA",
    "LandingArea",
    "MartsQuality",
    "PipelineSettings",
    "published_reporting_date",
    "reporting_date_for",
]
