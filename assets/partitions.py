"""One dynamic partition per branch office: a branch's extracts are ingested independently of the others."""

from dagster import DynamicPartitionsDefinition

branch_partitions = DynamicPartitionsDefinition(name="branch")
