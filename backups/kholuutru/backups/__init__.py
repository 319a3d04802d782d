"""Backup, verify, restore and restore drill (ARCHITECTURE §1, §4): restic, pg_dump/pg_restore, manifests."""
