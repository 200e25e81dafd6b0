"""Dagster assets: reference data, branch ingest (one partition per branch), SQL models, the published file."""
