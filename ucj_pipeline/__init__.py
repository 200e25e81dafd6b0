"""UCJ coverage pipeline: domain logic (contract rules, coverage, publishing) and the Dagster Definitions.

Everything in this package except `definitions` runs without Dagster; the Dagster wiring lives in the top-level
`assets`, `resources` and `schedules` packages.
"""
