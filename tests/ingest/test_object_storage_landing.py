"""A landing area in object storage: a real S3-compatible server over HTTP (moto, started by scripts/local-s3.sh),
read through obstore with credentials from the environment only. What holds for the local folder holds here:
the sensor asks for a run only for complete deliveries, ingest archives the bytes before anything else and then
empties the bucket of them, a misnamed object is rejected and logged, and a half-uploaded one is never touched."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import boto3
import pytest
from dagster import DagsterInstance, build_sensor_context, in_process_executor

from resources import AS_OF_DATE_TAG, LandingArea, PipelineSettings
from tests.factories import csv_bytes, make_nik, row
from ucj_pipeline.ingest import lake
from ucj_pipeline.ingest.landing_store import LandingLocationError, ObjectLanding, open_landing
from ucj_pipeline.orchestration.definitions import build_definitions

landing_area_sensor = build_definitions().resolve_sensor_def("landing_area_sensor")

BUCKET = "branch-deliveries"
GOOD = "PALOPO_20251231.csv"
HALF = "SINJAI_20251231.csv"  # uploaded, no .done marker yet: the branch's transfer is not finished
IN_PROGRESS = "LUWUK_20251231.csv"  # a multipart upload not completed: not an object yet
MISNAMED = "palopo november.csv"


@pytest.fixture
def bucket(s3_server, monkeypatch, tmp_path):
    """A fresh bucket on the server; the AWS_* variables point obstore (and boto3) at it."""
    for key, value in {
        "AWS_ENDPOINT_URL": s3_server,
        "AWS_ALLOW_HTTP": "true",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "UCJ_HOME": str(tmp_path / "ucj"),
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3")
    name = f"{BUCKET}-{tmp_path.name.lower().replace('_', '-')}"[:63]
    client.create_bucket(Bucket=name)
    return client, name


def keys(client, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_an_upload_is_ingested_archived_and_removed_from_the_bucket_a_half_upload_is_not(bucket, tmp_path):
    client, name = bucket
    good = csv_bytes([row(NIK=make_nik(serial=i)) for i in range(1, 21)])
    client.put_object(Bucket=name, Key=f"landing/{GOOD}", Body=good)
    client.put_object(Bucket=name, Key=f"landing/{GOOD}.done", Body=b"")
    client.put_object(Bucket=name, Key=f"landing/{HALF}", Body=csv_bytes([row()]))
    client.put_object(Bucket=name, Key=f"landing/{MISNAMED}", Body=b"NIK\n1\n")
    client.put_object(Bucket=name, Key=f"landing/{MISNAMED}.done", Body=b"")
    client.put_object(Bucket=name, Key="landing/MAKASSAR/MAKASSAR_20251231.csv", Body=b"in a sub-prefix")
    upload = client.create_multipart_upload(Bucket=name, Key=f"landing/{IN_PROGRESS}")
    client.upload_part(Bucket=name, Key=f"landing/{IN_PROGRESS}", UploadId=upload["UploadId"], PartNumber=1,
                       Body=csv_bytes([row()]))  # fmt: skip

    landing = LandingArea(location=f"s3://{name}/landing", settle_seconds=3600)
    settings = PipelineSettings(ucj_home=str(tmp_path / "ucj"))
    with DagsterInstance.ephemeral() as instance:
        # The sensor, as the daemon evaluates it: one ingest run for the complete file, one for the misnamed one.
        result = landing_area_sensor(build_sensor_context(instance=instance, resources={"landing_area": landing}))
        requested = sorted((r.job_name, r.partition_key) for r in result.run_requests)
        assert requested == [("ingest_branch_job", "PALOPO"), ("misnamed_files_job", None)]
        [partitions] = result.dynamic_partitions_requests
        assert list(partitions.partition_keys) == ["PALOPO"]

        instance.add_dynamic_partitions("branch", ["PALOPO"])
        defs = build_definitions(settings, landing, in_process_executor)
        for request in sorted(result.run_requests, key=lambda r: r.job_name):
            run = defs.resolve_job_def(request.job_name).execute_in_process(
                instance=instance,
                partition_key=request.partition_key,
                tags={**request.tags, AS_OF_DATE_TAG: "2025-12-31"},
                raise_on_error=False,
            )
            assert run.success, request.job_name

    # The bytes are in the archive, under their hash; the bucket no longer holds them or their markers.
    archived = tmp_path / "ucj" / "archive" / hashlib.sha256(good).hexdigest() / GOOD
    assert archived.read_bytes() == good
    left = keys(client, name)
    assert left == ["landing/MAKASSAR/MAKASSAR_20251231.csv", f"landing/{HALF}"], left
    parts = client.list_parts(Bucket=name, Key=f"landing/{IN_PROGRESS}", UploadId=upload["UploadId"])["Parts"]
    assert len(parts) == 1  # the upload in progress was not touched

    log = {r["file_name"]: r for r in lake.logged_since(tmp_path / "ucj" / "lake", datetime(2000, 1, 1, tzinfo=UTC))}
    assert log[GOOD]["outcome"] == "accepted" and log[GOOD]["rows_accepted"] == 20
    assert log[GOOD]["archived_as"] == f"archive/{hashlib.sha256(good).hexdigest()}/{GOOD}"
    assert log[MISNAMED]["outcome"] == "rejected", log
    assert log[MISNAMED]["rejection_rule"] == "file_name"
    assert MISNAMED in log[MISNAMED]["reason"]
    assert (tmp_path / "ucj" / "archive" / hashlib.sha256(b"NIK\n1\n").hexdigest()).is_dir()
    assert not ({HALF, IN_PROGRESS} & set(log))
    store = open_landing(f"s3://{name}/landing")
    assert [f.name for f in store.list_files()] == [HALF]
    assert store.ignored_prefixes() == ["MAKASSAR"]  # keys under a sub-prefix are not the landing area's


def test_a_resend_under_the_same_name_is_a_new_delivery(bucket, tmp_path):
    client, name = bucket
    landing = LandingArea(location=f"s3://{name}/landing", settle_seconds=0)
    client.put_object(Bucket=name, Key=f"landing/{GOOD}", Body=csv_bytes([row(NIK=make_nik(serial=1))]))
    with DagsterInstance.ephemeral() as instance:
        first = landing_area_sensor(build_sensor_context(instance=instance, resources={"landing_area": landing}))
        instance.add_dynamic_partitions("branch", ["PALOPO"])
        # Same name and size, within the same second: only the ETag tells the two apart.
        client.put_object(Bucket=name, Key=f"landing/{GOOD}", Body=csv_bytes([row(NIK=make_nik(serial=2))]))
        context = build_sensor_context(instance=instance, cursor=first.cursor, resources={"landing_area": landing})
        again = landing_area_sensor(context)
    assert len(first.run_requests) == len(again.run_requests) == 1
    assert first.run_requests[0].run_key != again.run_requests[0].run_key


@pytest.mark.parametrize(
    "location",
    ["ftp://host/landing", "s3://key:secret@bucket/landing", "s3://bucket/landing?secret=x", "s3:///landing", ""],
)
def test_an_unusable_landing_location_is_refused_naming_the_problem_not_the_secret(location):
    with pytest.raises(LandingLocationError) as refused:
        open_landing(location)
    assert "secret" not in str(refused.value).replace("holds a secret", "")
    with pytest.raises(ValueError):
        LandingArea(location=location)


def test_folders_and_file_urls_are_local_and_bucket_urls_are_object_storage(tmp_path):
    assert open_landing(str(tmp_path)).location == str(tmp_path)
    assert open_landing(f"file://{tmp_path}").location == str(tmp_path)
    assert isinstance(open_landing("s3://bucket/landing"), ObjectLanding)
    assert isinstance(open_landing("gs://bucket/landing"), ObjectLanding)
