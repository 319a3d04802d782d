"""End to end: the operator as ``kopf run`` starts it (``kopf.testing.KopfRunner``) against a KMock Kubernetes API on
127.0.0.1, with moto's S3 for the bucket (issue 9, "Must show").

The tests play the cluster's controllers (a ready StatefulSet, a finished Job and its pod) and assert owner
references, not garbage collection, which KMock does not do (ARCHITECTURE §8).
"""

from __future__ import annotations

import copy

import boto3
import pytest

PLATFORMS = "kholuutru.vn/v1alpha1/archiveplatforms"
NAME = "tinh"
OWNED_KINDS = [
    "v1/secrets", "v1/services", "v1/configmaps", "apps/v1/deployments", "apps/v1/statefulsets",
    "batch/v1/cronjobs", "networking.k8s.io/v1/networkpolicies", "policy/v1/poddisruptionbudgets",
]

pytestmark = pytest.mark.asyncio


def owned_by(obj: dict, platform: dict) -> bool:
    (reference,) = obj["metadata"]["ownerReferences"]
    return reference == {
        "apiVersion": "kholuutru.vn/v1alpha1", "kind": "ArchivePlatform", "name": platform["metadata"]["name"],
        "uid": platform["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True,
    }


def children(cluster) -> dict[str, set[str]]:
    return {kind: names for kind in OWNED_KINDS if (names := cluster.names(kind) - {"s3", "restic-s3"})}


async def started(cluster, spec, name=NAME):
    """Create the platform and wait for its first full reconciliation."""
    await cluster.create(PLATFORMS, {"metadata": {"name": name}, "spec": spec})
    await cluster.eventually(lambda: (cluster.get(PLATFORMS, name).get("status") or {}).get("observedGeneration"))
    return cluster.get(PLATFORMS, name)


async def test_create_makes_every_child_with_owner_references(cluster, spec, s3_endpoint):
    await cluster.add_user_secrets()
    async with cluster.operator():
        platform = await started(cluster, spec)
        assert children(cluster) == {
            "v1/secrets": {"tinh-db-credentials", "tinh-console-key", "tinh-backup-password"},
            "v1/services": {"tinh-console", "tinh-db"},
            "v1/configmaps": {"tinh-db-init"},
            "apps/v1/deployments": {"tinh-console"},
            "apps/v1/statefulsets": {"tinh-db"},
            "batch/v1/cronjobs": {"tinh-backup", "tinh-drill"},
            "networking.k8s.io/v1/networkpolicies": {"tinh-default-deny", "tinh-console", "tinh-db"},
            "policy/v1/poddisruptionbudgets": {"tinh-console"},
        }
        for kind, names in children(cluster).items():
            for name in names:
                child = cluster.get(kind, name)
                assert owned_by(child, platform), f"{kind} {name}"
                assert child["metadata"]["labels"]["app.kubernetes.io/instance"] == NAME
                assert child["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kholuutru-operator"

        console = cluster.get("apps/v1/deployments", "tinh-console")["spec"]
        container = console["template"]["spec"]["containers"][0]
        assert console["replicas"] == 2
        assert [*container["command"], *container["args"]] == ["kholuutru", "up", "--host", "0.0.0.0",
                                                                "--port", "8080"]
        assert container["image"] == spec["image"]
        backup = cluster.get("batch/v1/cronjobs", "tinh-backup")["spec"]
        assert backup["schedule"] == "0 1 * * *" and backup["suspend"] is False
        assert backup["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["backup", "run",
                                                                                             "--json"]
        bucket = spec["objectStorage"]["bucket"]
        s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]

        status = platform["status"]
        assert status["observedGeneration"] == 1
        assert cluster.condition(NAME, "StorageReady")["status"] == "True"
        assert cluster.condition(NAME, "DatabaseReady")["reason"] == "Starting"
        assert cluster.condition(NAME, "Ready")["status"] == "False"
        assert cluster.condition(NAME, "BackupsHealthy")["status"] == "Unknown"
        assert cluster.condition(NAME, "Suspended")["reason"] == "NotSuspended"

        await cluster.mark_running(NAME)
        ready = await cluster.eventually(lambda: cluster.condition(NAME, "Ready")["status"] == "True")
        assert ready
        # kopf posts Events from a queue of its own: wait for the last one before the operator stops.
        await cluster.eventually(lambda: cluster.events("ReadyTrue"))
    assert cluster.events("SecretGenerated") and cluster.events("BucketCreated") and cluster.events("ReadyTrue")


async def test_generated_secrets_are_never_regenerated(cluster, spec):
    await cluster.add_user_secrets()
    async with cluster.operator():
        await started(cluster, spec)
        password = cluster.get("v1/secrets", "tinh-backup-password")["data"]["password"]
        database = cluster.get("v1/secrets", "tinh-db-credentials")["data"]
        await cluster.change_spec(NAME, {"replicas": 3})
        await cluster.eventually(lambda: cluster.get(PLATFORMS, NAME)["status"]["observedGeneration"] == 2)
    async with cluster.operator():  # a restart resumes the platform: same result, same secrets
        await cluster.eventually(lambda: cluster.get("apps/v1/deployments", "tinh-console")["spec"]["replicas"] == 3)
        assert cluster.get("v1/secrets", "tinh-backup-password")["data"]["password"] == password
        assert cluster.get("v1/secrets", "tinh-db-credentials")["data"] == database


async def test_spec_changes_are_followed_by_the_children(cluster, spec):
    await cluster.add_user_secrets()
    await cluster.create("v1/secrets", {"metadata": {"name": "lgsp"}, "data": {"client-secret": "czNjcjN0"}})
    async with cluster.operator():
        await started(cluster, spec)
        await cluster.change_spec(NAME, {
            "replicas": 3,
            "resources": {"ingress": {"host": "luutru.tinh.gov.vn", "className": "nginx"}},
            "lgsp": {"url": "https://lgsp.tinh.gov.vn", "clientId": "kholuutru", "clientSecretRef": {"name": "lgsp"}},
            "backups": {"schedule": "30 2 * * *"},
        })
        await cluster.eventually(lambda: cluster.get(PLATFORMS, NAME)["status"]["observedGeneration"] == 2)
        assert cluster.get("networking.k8s.io/v1/ingresses", "tinh-console")["spec"]["ingressClassName"] == "nginx"
        assert cluster.get("apps/v1/deployments", "tinh-console")["spec"]["replicas"] == 3
        assert cluster.get("batch/v1/cronjobs", "tinh-backup")["spec"]["schedule"] == "30 2 * * *"
        assert {"tinh-sync-users", "tinh-sync-procedures", "tinh-sync-dossiers"} <= cluster.names("batch/v1/cronjobs")
        env = cluster.get("apps/v1/deployments", "tinh-console")["spec"]["template"]["spec"]["containers"][0]["env"]
        assert {"name": "KHOLUUTRU_LGSP_BASE_URL", "value": "https://lgsp.tinh.gov.vn"} in env

        # Asked no more: the Ingress and the sync jobs go (the patch's nulls remove the keys).
        await cluster.change_spec(NAME, {"resources": {"ingress": None}, "lgsp": None})
        await cluster.eventually(lambda: cluster.get("networking.k8s.io/v1/ingresses", "tinh-console") is None)
        await cluster.eventually(lambda: cluster.get(PLATFORMS, NAME)["status"]["observedGeneration"] == 3)
        assert cluster.get("networking.k8s.io/v1/ingresses", "tinh-console") is None
        assert cluster.names("batch/v1/cronjobs") == {"tinh-backup", "tinh-drill"}


async def test_a_child_deleted_by_hand_is_recreated(cluster, spec):
    await cluster.add_user_secrets()
    async with cluster.operator():
        platform = await started(cluster, spec)
        for kind, name in [("apps/v1/deployments", "tinh-console"), ("batch/v1/cronjobs", "tinh-backup"),
                           ("networking.k8s.io/v1/networkpolicies", "tinh-db")]:
            await cluster.delete(kind, name)
            recreated = await cluster.eventually(lambda kind=kind, name=name: cluster.get(kind, name))
            assert owned_by(recreated, platform)


async def test_suspension_follows_the_spec_and_keeps_backups_running(cluster, spec):
    await cluster.add_user_secrets()
    await cluster.create("v1/secrets", {"metadata": {"name": "lgsp"}, "data": {"client-secret": "czNjcjN0"}})
    spec["lgsp"] = {"url": "https://lgsp.tinh.gov.vn", "clientId": "kholuutru", "clientSecretRef": {"name": "lgsp"}}
    async with cluster.operator():
        await started(cluster, spec)
        await cluster.mark_running(NAME)
        await cluster.eventually(lambda: cluster.condition(NAME, "Ready")["status"] == "True")

        await cluster.change_spec(NAME, {"suspended": True, "suspensionReason": "Sự cố mã độc INC-7"})
        job = await cluster.eventually(lambda: cluster.get("batch/v1/jobs", "tinh-suspend-g2"))
        args = job["spec"]["template"]["spec"]["containers"][0]["args"]
        assert args == ["suspend", "--reason", "Sự cố mã độc INC-7", "--json"]
        await cluster.eventually(lambda: cluster.condition(NAME, "Suspended")["reason"] == "Suspending")
        assert all(cluster.get("batch/v1/cronjobs", f"tinh-sync-{kind}")["spec"]["suspend"]
                   for kind in ("users", "procedures", "dossiers"))
        assert cluster.get("batch/v1/cronjobs", "tinh-backup")["spec"]["suspend"] is False
        assert cluster.get("batch/v1/cronjobs", "tinh-drill")["spec"]["suspend"] is False

        await cluster.run_job(job, {"ok": True, "suspended": True, "reason": "Sự cố mã độc INC-7"})
        await cluster.eventually(lambda: cluster.condition(NAME, "Suspended")["status"] == "True")
        assert cluster.condition(NAME, "Suspended")["reason"] == "Suspended"

        await cluster.change_spec(NAME, {"suspended": False})
        job = await cluster.eventually(lambda: cluster.get("batch/v1/jobs", "tinh-resume-g3"))
        assert job["spec"]["template"]["spec"]["containers"][0]["args"][0] == "resume"
        await cluster.eventually(lambda: cluster.condition(NAME, "Suspended")["reason"] == "Resuming")
        await cluster.run_job(job, {"ok": True, "suspended": False})
        await cluster.eventually(lambda: cluster.condition(NAME, "Suspended")["reason"] == "Resumed")
        assert cluster.condition(NAME, "Suspended")["status"] == "False"
        assert not any(cluster.get("batch/v1/cronjobs", f"tinh-sync-{kind}")["spec"]["suspend"]
                       for kind in ("users", "procedures", "dossiers"))
    assert cluster.events("SuspendedTrue") and cluster.events("SuspendedFalse")


async def test_job_results_become_last_backup_last_drill_and_conditions(cluster, spec):
    await cluster.add_user_secrets()
    async with cluster.operator():
        await started(cluster, spec)
        backup = cluster.job_from_cronjob("tinh-backup")
        await cluster.run_job(backup, {"ok": True, "snapshot_id": "4f2a9c1e", "bytes": 1048576, "seconds": 12.5})
        last = await cluster.eventually(lambda: cluster.get(PLATFORMS, NAME)["status"].get("lastBackup"))
        assert last["result"] == "Succeeded" and last["snapshot"] == "4f2a9c1e" and last["job"] == backup["metadata"][
            "name"]
        await cluster.eventually(lambda: cluster.condition(NAME, "BackupsHealthy")["status"] == "True")

        drill = cluster.job_from_cronjob("tinh-drill")
        await cluster.run_job(drill, {"ok": False, "verdict": "failed", "snapshot_id": "4f2a9c1e",
                                      "rto_seconds": 840}, succeeded=False)
        last = await cluster.eventually(lambda: cluster.get(PLATFORMS, NAME)["status"].get("lastDrill"))
        assert last["result"] == "Failed" and last["rtoSeconds"] == 840
        await cluster.eventually(lambda: cluster.condition(NAME, "DrillPassed")["reason"] == "DrillFailed")
    assert cluster.events("BackupSucceeded") and cluster.events("DrillFailed")


async def test_a_backup_older_than_the_schedule_allows_marks_backups_unhealthy(cluster, spec):
    await cluster.add_user_secrets()
    await cluster.create(PLATFORMS, {
        "metadata": {"name": NAME, "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": spec,
        "status": {"lastBackup": {"time": "2026-01-02T01:05:00Z", "result": "Succeeded", "snapshot": "0ld"}},
    })
    async with cluster.operator():
        condition = await cluster.eventually(lambda: cluster.condition(NAME, "BackupsHealthy"))
        assert condition["status"] == "False" and condition["reason"] == "BackupOverdue"
        assert "2026-01-02T01:05:00Z" in condition["message"]


async def test_invalid_spec_gets_a_clear_message_and_nothing_is_created(cluster, spec):
    await cluster.add_user_secrets()
    invalid = copy.deepcopy(spec)
    invalid["backups"]["schedule"] = "61 * * * *"
    invalid["database"] = {"managed": {}, "externalSecretRef": {"name": "pg"}}
    invalid["replicas"] = 0
    async with cluster.operator():
        await cluster.create(PLATFORMS, {"metadata": {"name": NAME}, "spec": invalid})
        ready = await cluster.eventually(lambda: cluster.condition(NAME, "Ready"))
        assert ready["reason"] == "InvalidSpec"
        for fragment in ("spec.backups.schedule", "61 * * * *", "spec.database", "spec.replicas"):
            assert fragment in ready["message"]
        assert children(cluster) == {}

        # Fixed: everything follows.
        await cluster.change_spec(NAME, {"backups": {"schedule": "0 1 * * *"}, "database": {"externalSecretRef": None},
                                         "replicas": 2})
        await cluster.eventually(lambda: cluster.get("apps/v1/deployments", "tinh-console"))
    assert cluster.events("ReadyFalse")


async def test_a_missing_secret_holds_everything_back_until_it_exists(cluster, spec):
    async with cluster.operator():
        await cluster.create(PLATFORMS, {"metadata": {"name": NAME}, "spec": spec})
        ready = await cluster.eventually(lambda: cluster.condition(NAME, "Ready"))
        assert ready["reason"] == "MissingSecret" and "restic-s3, s3" in ready["message"]
        assert children(cluster) == {}
        await cluster.add_user_secrets()
        await cluster.eventually(lambda: cluster.get("apps/v1/deployments", "tinh-console"))


async def test_a_missing_config_map_or_key_holds_everything_back_until_it_is_there(cluster, spec):
    await cluster.add_user_secrets()
    spec["signatures"] = {"trustRootsConfigMapRef": {"name": "trust-roots"}}
    spec["notifications"] = {"smtp": {"host": "mail.tinh.gov.vn", "username": "kholuutru", "startTLS": True,
                                      "passwordSecretRef": {"name": "smtp"}, "caConfigMapRef": {"name": "mail-ca"}}}
    roots = {"metadata": {"name": "trust-roots"}, "data": {"ca.crt": "-----BEGIN CERTIFICATE-----"}}
    async with cluster.operator():
        await cluster.create("v1/configmaps", roots)
        await cluster.create("v1/configmaps", {"metadata": {"name": "mail-ca"}, "data": roots["data"]})
        await cluster.create(PLATFORMS, {"metadata": {"name": NAME}, "spec": spec})
        ready = await cluster.eventually(lambda: cluster.condition(NAME, "Ready"))
        assert ready["reason"] == "MissingSecret"
        assert ready["message"].startswith("Secret(s) smtp and ConfigMap(s) trust-roots (without key "
                                           "trust-roots.pem) not found")
        await cluster.create("v1/secrets", {"metadata": {"name": "smtp"}, "data": {"password": "czNjcjN0"}})
        await cluster.eventually(lambda: cluster.condition(NAME, "Ready")["reason"] == "MissingConfigMap")
        assert cluster.get("apps/v1/deployments", "tinh-console") is None
        # DER roots, binary: under binaryData.
        await cluster.patch("v1/configmaps", "trust-roots", {"binaryData": {"trust-roots.pem": "MIIBszCCAVmgAwIB"}})
        deployment = await cluster.eventually(lambda: cluster.get("apps/v1/deployments", "tinh-console"))
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["signature-trust-roots"]["configMap"]["name"] == "trust-roots"
    assert volumes["smtp"]["secret"]["secretName"] == "smtp"
    assert volumes["smtp-ca"]["configMap"]["name"] == "mail-ca"


async def test_deletion_takes_a_last_backup_and_keeps_volume_and_secrets(cluster, spec):
    await cluster.add_user_secrets()
    async with cluster.operator():
        await started(cluster, spec)
        # The StatefulSet controller's volume claim: labelled from the template, owned by nobody.
        await cluster.create("v1/persistentvolumeclaims", {
            "metadata": {"name": "data-tinh-db-0", "labels": cluster.get("apps/v1/statefulsets", "tinh-db")[
                "spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
        })
        await cluster.delete(PLATFORMS, NAME)
        job = await cluster.eventually(lambda: cluster.get("batch/v1/jobs", "tinh-final-backup"))
        assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["backup", "run", "--json"]
        assert cluster.get(PLATFORMS, NAME) is not None  # held by the finalizer while the backup runs
        await cluster.run_job(job, {"ok": True, "snapshot_id": "ffee0011"})
        await cluster.eventually(lambda: cluster.get(PLATFORMS, NAME) is None)

    assert cluster.get("v1/persistentvolumeclaims", "data-tinh-db-0") is not None
    for name in ("tinh-backup-password", "tinh-db-credentials"):
        assert not cluster.get("v1/secrets", name)["metadata"].get("ownerReferences"), name
    assert cluster.get("v1/secrets", "tinh-console-key")["metadata"]["ownerReferences"]
    assert cluster.events("FinalBackupSucceeded") and cluster.events("Finalized")


async def test_deletion_removes_the_volume_only_when_the_spec_says_so(cluster, spec):
    await cluster.add_user_secrets()
    spec["database"] = {"managed": {"deleteVolumeOnDelete": True}}
    spec["backups"]["finalBackupOnDelete"] = False
    async with cluster.operator():
        await started(cluster, spec)
        await cluster.create("v1/persistentvolumeclaims", {
            "metadata": {"name": "data-tinh-db-0", "labels": cluster.get("apps/v1/statefulsets", "tinh-db")[
                "spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
        })
        await cluster.delete(PLATFORMS, NAME)
        await cluster.eventually(lambda: cluster.get(PLATFORMS, NAME) is None)
    assert cluster.get("v1/persistentvolumeclaims", "data-tinh-db-0") is None
    assert cluster.get("batch/v1/jobs", "tinh-final-backup") is None
    assert not cluster.get("v1/secrets", "tinh-backup-password")["metadata"].get("ownerReferences")
