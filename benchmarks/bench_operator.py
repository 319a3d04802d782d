"""Operator benchmark (issue 9): reconcile latency and memory on KMock, against a bare kopf operator.

The operator runs as it does in a cluster — the ``kholuutru-operator`` process (``kopf run`` with our handlers and
its own settings), standalone, watching one namespace — against a KMock API server on 127.0.0.1 served by this
process, with moto's S3 for the bucket it ensures. Its memory is the resident set (psutil) of that process: idle
after start-up, after the platform is created, and the highest seen while it reconciles.

Latency: a spec change is a PATCH that bumps the generation, as the API server would; "children applied" is the
moment the console Deployment in KMock carries the new replica count, sampled every 2 ms; "status" is the moment
``status.observedGeneration`` says the whole reconcile finished. The baseline is ``bench_bare_operator`` — kopf and
the Kubernetes client applying that one Deployment — measured the same way on its own fresh KMock. Issue 9 sets no
numeric goal, so these are figures without a verdict.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiohttp
import kmock
import psutil
from bench_report import Result, doc_notes
from moto.server import ThreadedMotoServer

NAME = "operator"
TITLE = "Kubernetes operator on KMock: reconcile latency and memory (issue 9)"
DEFAULT_CHANGES = 50
NAMESPACE = "luutru"
PLATFORMS = "kholuutru.vn/v1alpha1/archiveplatforms"
HERE = Path(__file__).resolve().parent
OURS = [str(Path(sys.executable).with_name("kholuutru-operator"))]
BARE = [str(Path(sys.executable).with_name("kopf")), "run", str(HERE / "bench_bare_operator.py")]
POLL = 0.002


@dataclass
class Measured:
    """One operator's figures: seconds per change (children, status), RSS samples in bytes."""

    first_apply: float = 0.0
    children: list[float] = field(default_factory=list)
    status: list[float] = field(default_factory=list)
    rss: dict[str, int] = field(default_factory=dict)


def run(changes: int, say: Callable[[str], None]) -> Result:
    """Measure our operator and the bare baseline over ``changes`` spec changes each."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log would drown the progress lines
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s3.start()
    try:
        host, port = s3.get_host_and_port()
        say(f"operator: kholuutru-operator on KMock, {changes} spec changes")
        ours = asyncio.run(_measure(OURS, changes, f"http://{host}:{port}", status=True))
        say(f"operator: bare kopf baseline on KMock, {changes} spec changes")
        bare = asyncio.run(_measure(BARE, changes, f"http://{host}:{port}", status=False))
    finally:
        s3.stop()
    return _result(ours, bare, changes)


def _result(ours: Measured, bare: Measured, changes: int) -> Result:
    result = Result(NAME, TITLE, parameters={"spec changes": changes, "namespace watched": NAMESPACE,
                                             "API server": f"KMock {version('kmock')}", "kopf": version("kopf")})
    result.figure("create → every child applied, status written", ours.first_apply, "s", "first reconcile")
    result.figure("create → Deployment applied (bare kopf)", bare.first_apply, "s", "baseline")
    for label, values, bare_values in (("change → children applied", ours.children, bare.children),
                                       ("change → status.observedGeneration", ours.status, None)):
        for quantile, figure in (("median", statistics.median), ("p95", _p95)):
            note = f"bare kopf {figure(bare_values) * 1000:.1f} ms" if bare_values else "whole reconcile"
            result.figure(f"{label}, {quantile}", figure(values) * 1000, "ms", note)
    # Whether a reconcile costs more as the platform's history grows: the first and the last fifth of the changes.
    fifth = max(1, len(ours.children) // 5)
    for label, part in (("first", slice(None, fifth)), ("last", slice(-fifth, None))):
        result.figure(f"change → children applied, median of the {label} {fifth}", 1000 * statistics.median(
            ours.children[part]), "ms", f"bare kopf {1000 * statistics.median(bare.children[part]):.1f} ms")
    for moment, rss in ours.rss.items():
        result.figure(f"operator RSS, {moment}", rss / 2**20, "MiB", f"bare kopf {bare.rss[moment] / 2**20:.1f} MiB")
    result.notes = doc_notes(__doc__)
    return result


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


async def _measure(argv: list[str], changes: int, s3_endpoint: str, status: bool) -> Measured:
    """One operator process against a fresh KMock: start, create a platform, change its spec ``changes`` times."""
    measured = Measured()
    async with kmock.KubernetesEmulator() as server, kmock.Server(server):
        _register_crd(server)
        with tempfile.TemporaryDirectory(prefix="kholuutru-bench-op-") as folder:
            process, liveness = _start(argv, server, Path(folder))
            try:
                watcher = psutil.Process(process.pid)
                await _until(lambda: _alive(liveness, process), timeout=60)
                measured.rss["idle after start-up"] = watcher.memory_info().rss
                cluster = _Cluster(server)
                for obj in _secrets():
                    await cluster.create("v1/secrets", obj)
                start = time.perf_counter()
                await cluster.create(PLATFORMS, {"metadata": {"name": "tinh"}, "spec": _spec(s3_endpoint)})
                await _until(lambda: _console_replicas(server) == 2
                             and (not status or _observed(server) == 1), timeout=60)
                measured.first_apply = time.perf_counter() - start
                measured.rss["platform created"] = watcher.memory_info().rss
                peak = 0
                for number in range(changes):
                    replicas, generation = 3 + number % 2, number + 2
                    start = time.perf_counter()
                    await cluster.patch(PLATFORMS, "tinh", {"metadata": {"generation": generation},
                                                            "spec": {"replicas": replicas}})
                    await _until(lambda wanted=replicas: _console_replicas(server) == wanted, timeout=60)
                    measured.children.append(time.perf_counter() - start)
                    if status:
                        await _until(lambda wanted=generation: _observed(server) == wanted, timeout=60)
                        measured.status.append(time.perf_counter() - start)
                    peak = max(peak, watcher.memory_info().rss)
                measured.rss[f"highest during {changes} changes"] = peak
            finally:
                process.terminate()
                await asyncio.to_thread(process.wait, 30)
    return measured


def _register_crd(server: kmock.KubernetesEmulator) -> None:
    """The bundled Kubernetes resources plus ArchivePlatform, as the e2e tests' fixture registers them."""
    server.resources.load_bundled()
    info = server.resources[PLATFORMS]
    info.kind, info.singular, info.namespaced = "ArchivePlatform", "archiveplatform", True
    info.verbs = {"get", "list", "watch", "create", "patch", "update", "delete"}
    info.shortnames, info.subresources = {"ap"}, {"status"}


def _start(argv: list[str], server: kmock.KubernetesEmulator, folder: Path) -> tuple[subprocess.Popen, str]:
    """The operator process with a kubeconfig for KMock, its metrics endpoint off and a liveness URL of its own."""
    kubeconfig = folder / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: kmock\n"
        f"clusters:\n- name: kmock\n  cluster:\n    server: {server.url}\n"
        "contexts:\n- name: kmock\n  context:\n    cluster: kmock\n    user: kmock\n"
        "users:\n- name: kmock\n  user:\n    token: kmock\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        liveness = f"http://127.0.0.1:{probe.getsockname()[1]}/healthz"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KHOLUUTRU_", "KUBERNETES_"))}
    environment.update(KUBECONFIG=str(kubeconfig), KHOLUUTRU_OPERATOR_METRICS_PORT="0",
                       KHOLUUTRU_OPERATOR_RETRY_SECONDS="0.5")
    with open(folder / "operator.log", "wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen([*argv, "--standalone", "--namespace", NAMESPACE, "--liveness", liveness,
                                    str(HERE / "bench_kmock_settings.py")], stdout=log, stderr=subprocess.STDOUT,
                                   env=environment)
    return process, liveness


async def _alive(liveness: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"the operator exited with {process.returncode} before it was ready")
    try:
        async with aiohttp.ClientSession() as session, session.get(liveness) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def _until(check: Callable[[], Any], timeout: float) -> None:
    """Wait until ``check`` (a function or coroutine function) is true; a deadline for a broken run only."""
    deadline = time.perf_counter() + timeout
    while True:
        outcome = check()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return
        if time.perf_counter() > deadline:
            raise TimeoutError(f"still false after {timeout} s")
        await asyncio.sleep(POLL)


def _stored(server: kmock.KubernetesEmulator, resource: str, name: str) -> dict[str, Any] | None:
    key = (kmock.resource(resource), NAMESPACE, name)
    if key not in server.objects or server.objects[key].deleted:
        return None
    return server.objects[key]


def _console_replicas(server: kmock.KubernetesEmulator) -> int | None:
    deployment = _stored(server, "apps/v1/deployments", "tinh-console")
    return deployment["spec"]["replicas"] if deployment else None


def _observed(server: kmock.KubernetesEmulator) -> int | None:
    platform = _stored(server, PLATFORMS, "tinh") or {}
    return (platform.get("status") or {}).get("observedGeneration")


class _Cluster:
    """Writes over HTTP, so the operator's watch sees them, with what the API server would add (uid, versions)."""

    def __init__(self, server: kmock.KubernetesEmulator) -> None:
        self.server = server
        self.versions = iter(range(1, 10**9))

    @staticmethod
    def path(resource: str, name: str | None = None) -> str:
        group_version, plural = resource.rsplit("/", 1)
        root = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        return "/".join(p for p in [root, "namespaces", NAMESPACE, plural, name] if p)

    async def create(self, resource: str, obj: dict[str, Any]) -> None:
        meta = obj.setdefault("metadata", {})
        meta.update(namespace=NAMESPACE, uid=str(uuid.uuid4()), resourceVersion=str(next(self.versions)),
                    creationTimestamp="2026-01-01T00:00:00Z")
        if resource == PLATFORMS:
            obj.update(apiVersion="kholuutru.vn/v1alpha1", kind="ArchivePlatform")
            meta["generation"] = 1
        async with self.server.post(self.path(resource), json=obj) as response:
            response.raise_for_status()

    async def patch(self, resource: str, name: str, body: dict[str, Any]) -> None:
        body["metadata"]["resourceVersion"] = str(next(self.versions))
        async with self.server.patch(self.path(resource, name), json=body) as response:
            response.raise_for_status()


def _spec(s3_endpoint: str) -> dict[str, Any]:
    return {"image": "registry.tinh.gov.vn/kholuutru:1.0.0", "replicas": 2,
            "objectStorage": {"endpoint": s3_endpoint, "bucket": f"tai-lieu-{uuid.uuid4().hex[:8]}",
                              "credentialsSecretRef": {"name": "s3"}},
            "backups": {"repository": "s3:https://sao-luu.example.vn/kholuutru",
                        "credentialsSecretRef": {"name": "restic-s3"}}}


def _secrets() -> list[dict[str, Any]]:
    def secret(name: str, values: dict[str, str]) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
                "data": {key: base64.b64encode(value.encode()).decode() for key, value in values.items()}}

    return [secret("s3", {"access-key-id": "testing", "secret-access-key": "testing"}),
            secret("restic-s3", {"access-key-id": "restic", "secret-access-key": "restic"})]
