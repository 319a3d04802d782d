"""The monitoring pack's tests: promtool on the alert rules, the dashboard's shape, and the metric names they use
against what the real console and operator export."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers of monitoring_pack
