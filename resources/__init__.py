"""Dagster resources: where the pipeline's files live and the knobs of a run, configured from the environment."""

from resources.landing_area import LandingArea
from resources.pipeline_settings import PipelineSettings

__all__ = ["LandingArea", "PipelineSettings"]
