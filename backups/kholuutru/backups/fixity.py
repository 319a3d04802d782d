"""Which document objects a backup re-hashes, and the record of what earlier backups found.

Re-reading every object on every run made an incremental backup cost as much reading as a full one. An object stored
under its content address is never rewritten by the platform, so one whose size and modification time are still the
ones recorded when it was last hashed and found good has not been touched since: writing to it in place changes its
modification time, and truncating or replacing it changes its size or time too. Such an object is trusted; new and
changed objects are always hashed, against the SHA-256 the database records for them.

An object of an S3 bucket has no inode or modification time of its own: its stat is the size and last-modified
time (to the millisecond, in nanoseconds) the bucket's listing reports. The bucket sets last-modified itself on
every write and no client can choose it, the platform never writes a key twice (every put is conditional on the key
being new), and replacing an object — by a new put, a copy onto itself or restoring an older version — is a write
that moves its last-modified; so an object whose listed stat is still the recorded one holds the bytes hashed then.

Bit rot, deliberate tampering that restores the time, changes made beneath the S3 interface (on the disks of a
self-hosted service) and an S3 object replaced by one of the same size within the same millisecond are what that
rule cannot see, so each run also re-hashes a rotating slice of the trusted objects (:data:`SLICES` runs cover them
all), and every object is re-hashed when the last run that did so is ``KHOLUUTRU_BACKUP_FULL_FIXITY_DAYS`` old
(weekly by default). Without a record — a first run, a new staging folder — every object is hashed.

The record lives beside the staging folder (``fixity.json``); it is rewritten only after a successful backup, and a
refused one leaves it as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .manifest import ObjectEntry

SLICES = 100
"""The trusted objects are re-hashed a hundredth per run: all of them every hundred runs, besides the full passes."""
RECORD = "fixity.json"
_FORMAT = "kholuutru-backup-fixity"

Stat = tuple[int, int]
"""(size, modification time in nanoseconds) of a stored object; for an S3 object, its listed last-modified time."""


@dataclass
class FixityRecord:
    """Objects last found good and their stat then; when every object was last re-hashed; how many runs so far."""

    objects: dict[str, Stat] = field(default_factory=dict)
    full_pass_at: dt.datetime | None = None
    runs: int = 0

    @classmethod
    def load(cls, folder: Path) -> FixityRecord:
        """The record under ``folder``; an empty one (everything gets hashed) when it is missing or unreadable."""
        try:
            raw = json.loads((folder / RECORD).read_text(encoding="utf-8"))
            if raw.get("format") != _FORMAT:
                return cls()
            return cls(objects={key: (int(size), int(mtime)) for key, (size, mtime) in raw["objects"].items()},
                       full_pass_at=dt.datetime.fromisoformat(raw["full_pass_at"]) if raw["full_pass_at"] else None,
                       runs=int(raw["runs"]))
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def save(self, folder: Path) -> None:
        """Write the record atomically (a run killed while writing leaves the previous one)."""
        data: dict[str, Any] = {"format": _FORMAT, "runs": self.runs, "objects": self.objects,
                                "full_pass_at": self.full_pass_at.isoformat() if self.full_pass_at else None}
        temporary = folder / f".{RECORD}.{os.getpid()}"
        temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        temporary.chmod(0o600)
        temporary.replace(folder / RECORD)


@dataclass(frozen=True)
class FixityPlan:
    """This run's rule: hash everything (a full pass), or only what the record cannot vouch for plus one slice."""

    record: FixityRecord
    full_pass: bool
    slice: int

    @classmethod
    def for_run(cls, record: FixityRecord, full_fixity_days: int, now: dt.datetime) -> FixityPlan:
        due = (full_fixity_days == 0 or record.full_pass_at is None
               or now - record.full_pass_at >= dt.timedelta(days=full_fixity_days))
        return cls(record, due, record.runs % SLICES)

    def must_hash(self, entry: ObjectEntry, stat: Stat) -> bool:
        """Whether ``entry``, whose stored copy has ``stat`` now, is re-hashed in this run."""
        if self.full_pass or self.record.objects.get(entry.key) != stat:
            return True
        return int(entry.sha256[:8], 16) % SLICES == self.slice

    def next_record(self, verified: dict[str, Stat], now: dt.datetime) -> FixityRecord:
        """The record after a successful run that found ``verified`` good (hashed, or trusted by this plan)."""
        return FixityRecord(objects=verified, full_pass_at=now if self.full_pass else self.record.full_pass_at,
                            runs=self.record.runs + 1)
