"""kopf operator for the ArchivePlatform resource (ARCHITECTURE §6). Imports nothing of the archive (§2)."""
