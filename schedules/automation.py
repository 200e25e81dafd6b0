"""Declarative automation: when branch partitions update, the models, marts, published file and report refresh.

Every asset downstream of ingest carries an "eager" condition: it is requested when a parent updated, and waits
while any parent is still in progress, so several branches that land together are refreshed by one run. Unlike
Dagster's stock `eager()`, it does not wait for *every* branch partition to exist: one branch that has never
delivered must not hold back the figures of all others (its regencies say so in `missing_branches`).
Reference data is materialised whenever it is missing. Open-source Dagster starts the automation sensor stopped;
this one is defined RUNNING.
"""

from dagster import AssetSelection, AutomationCondition, AutomationConditionSensorDefinition, DefaultSensorStatus

REFRESH_WHEN_UPSTREAM_UPDATES = AutomationCondition.eager().without(~AutomationCondition.any_deps_missing())
# Reference data has no upstream: it is materialised whenever it is missing (on a new deployment, say), which in
# turn refreshes everything downstream of it. Stock `eager()` would wait for a change that never comes.
MATERIALIZE_WHEN_MISSING = AutomationCondition.missing() & ~AutomationCondition.in_progress()

automation_sensor = AutomationConditionSensorDefinition(
    "ucj_automation_sensor",
    target=AssetSelection.all(),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates the assets' automation conditions: refreshes models and marts after branch ingests.",
)
