"""The machine a benchmark ran on: the figures mean nothing without it."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

from kholuutru.archive.embedded_postgres import BIN_DIR


def describe(work_dir: Path) -> dict[str, str]:
    """CPU, cores, memory, the disk holding ``work_dir``, kernel, Python, PostgreSQL and restic versions."""
    disk = shutil.disk_usage(work_dir)
    return {
        "CPU": _cpu_model(),
        "Cores": str(os.cpu_count()),
        "Memory": f"{_memory_bytes() / 2**30:.1f} GiB",
        "Disk": f"{_device(work_dir)}, {disk.total / 2**30:.0f} GiB, {disk.free / 2**30:.0f} GiB free at start "
                f"(data under {work_dir})",
        "Kernel": f"{platform.system()} {platform.release()}",
        "Python": sys.version.split()[0],
        "PostgreSQL": _first_line([str(BIN_DIR / "postgres"), "--version"]),
        "restic": _first_line(["restic", "version"]),
    }


def _cpu_model() -> str:
    match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    return match[1].strip() if match else platform.processor() or "unknown"


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _device(path: Path) -> str:
    """The block device and file system under ``path``, from /proc/mounts (longest matching mount point)."""
    resolved, best = str(path.resolve()), ("?", "/", "?")
    for line in Path("/proc/mounts").read_text().splitlines():
        device, mount_point, kind = line.split()[:3]
        inside = resolved == mount_point or resolved.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best[1]):
            best = (device, mount_point, kind)
    return f"{best[0]} ({best[2]})"


def _first_line(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "not found"
