"""The Pulumi program of kholuutru's stacks (dev, staging, prod): everything is in kholuutru.stacks."""

from pathlib import Path

from kholuutru.stacks.program import main

main(monitoring_folder=Path(__file__).resolve().parent.parent / "monitoring")
