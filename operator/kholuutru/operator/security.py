"""The *restricted* Pod Security Standard, checked on pod specs before they are applied.

Written from the standard's published rules (baseline and restricted profiles, Kubernetes 1.30+), so a namespace
labelled ``pod-security.kubernetes.io/enforce: restricted`` admits every pod the operator makes. The reconciler
refuses to apply a workload whose pods break a rule: a failing check is a bug in the renderers, never the user's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

ALLOWED_VOLUME_SOURCES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
)
SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
})
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
SECCOMP_RESTRICTED = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_TYPES = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


class PodSecurityViolation(ValueError):
    """A rendered pod would be refused in a namespace enforcing the restricted standard."""


def pod_template(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The pod template (``metadata`` and ``spec``) of a workload manifest, or None for other kinds."""
    kind, spec = manifest.get("kind"), manifest.get("spec", {})
    if kind == "Pod":
        return {"metadata": manifest.get("metadata", {}), "spec": spec}
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return spec["template"]
    if kind == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]
    return None


def _containers(pod: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from pod.get(key) or []


def violations(pod: dict[str, Any], annotations: dict[str, str] | None = None) -> list[str]:
    """Every rule of the restricted standard that the pod spec breaks, one line each (empty when it complies)."""
    found: list[str] = []
    pod_context = pod.get("securityContext") or {}
    containers = list(_containers(pod))

    # Baseline: host namespaces, HostProcess, sysctls, SELinux, AppArmor, seccomp and host ports.
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            found.append(f"{field} must not be true")
    for key, value in (annotations or {}).items():
        if key.startswith(APPARMOR_ANNOTATION) and value != "runtime/default" and not value.startswith("localhost/"):
            found.append(f"AppArmor annotation {key}={value} is not allowed")
    for sysctl in pod_context.get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            found.append(f"sysctl {sysctl.get('name')} is not a safe sysctl")
    contexts = [("pod", pod_context)] + [(f"container {c.get('name')}", c.get("securityContext") or {})
                                          for c in containers]
    for where, context in contexts:
        if (context.get("windowsOptions") or {}).get("hostProcess"):
            found.append(f"{where}: windowsOptions.hostProcess must not be true")
        selinux = context.get("seLinuxOptions") or {}
        if selinux.get("type", "") not in SELINUX_TYPES or selinux.get("user") or selinux.get("role"):
            found.append(f"{where}: seLinuxOptions may only set an allowed type")
        apparmor = (context.get("appArmorProfile") or {}).get("type")
        if apparmor is not None and apparmor not in APPARMOR_TYPES:
            found.append(f"{where}: appArmorProfile.type {apparmor} is not allowed")
        seccomp = (context.get("seccompProfile") or {}).get("type")
        if seccomp is not None and seccomp not in SECCOMP_RESTRICTED:
            found.append(f"{where}: seccompProfile.type must be RuntimeDefault or Localhost, not {seccomp}")
        if context.get("runAsNonRoot") is False:
            found.append(f"{where}: runAsNonRoot must not be false")
        if context.get("runAsUser") == 0:
            found.append(f"{where}: runAsUser must not be 0")

    # Restricted: volume types.
    for volume in pod.get("volumes") or []:
        sources = set(volume) - {"name"}
        if not sources <= ALLOWED_VOLUME_SOURCES:
            found.append(f"volume {volume.get('name')}: {', '.join(sorted(sources - ALLOWED_VOLUME_SOURCES))} "
                         "is not an allowed volume type")

    # Per container: privileged, escalation, capabilities, ports, /proc, and what the pod level may cover.
    pod_non_root = pod_context.get("runAsNonRoot") is True
    pod_seccomp = (pod_context.get("seccompProfile") or {}).get("type") in SECCOMP_RESTRICTED
    for container in containers:
        name = f"container {container.get('name')}"
        context = container.get("securityContext") or {}
        if context.get("privileged"):
            found.append(f"{name}: privileged must not be true")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation must be false")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f"{name}: capabilities.drop must include ALL")
        added = set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}
        if added:
            found.append(f"{name}: capabilities.add may only hold NET_BIND_SERVICE, not {', '.join(sorted(added))}")
        if context.get("procMount", "Default") != "Default":
            found.append(f"{name}: procMount must be Default")
        if any(port.get("hostPort") for port in container.get("ports") or []):
            found.append(f"{name}: hostPort must not be set")
        if not pod_non_root and context.get("runAsNonRoot") is not True:
            found.append(f"{name}: runAsNonRoot must be true (on the pod or the container)")
        if not pod_seccomp and (context.get("seccompProfile") or {}).get("type") not in SECCOMP_RESTRICTED:
            found.append(f"{name}: seccompProfile.type must be RuntimeDefault or Localhost (on the pod or container)")
    return found


def check(manifest: dict[str, Any]) -> None:
    """Raise :class:`PodSecurityViolation` when the manifest's pods would break the restricted standard."""
    template = pod_template(manifest)
    if template is None:
        return
    problems = violations(template["spec"], (template.get("metadata") or {}).get("annotations"))
    if problems:
        name = f"{manifest['kind']} {manifest['metadata']['name']}"
        raise PodSecurityViolation(f"{name} breaks the restricted Pod Security Standard: {'; '.join(problems)}")
