"""The SQL project (dbt-style models, checks and the column contract), shipped with the package as data."""
