"""The Containerfile builds the image the operator runs (no container engine here: its instructions are checked)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from kholuutru.operator.render.console import PORT
from kholuutru.operator.render.pods import APP_UID, DATA_DIR

REPO = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (REPO / "Containerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def last(name: str) -> str:
    return [args for instruction, args in instructions() if instruction == name][-1]


def test_every_instruction_is_known():
    known = {"FROM", "WORKDIR", "COPY", "RUN", "USER", "ENV", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD"}
    assert {instruction for instruction, _ in instructions()} <= known


def test_python_slim_base_and_the_wheel_of_every_component():
    assert {args.split()[0] for instruction, args in instructions() if instruction == "FROM"} == {"python:3.11-slim"}
    components = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["where"]
    copied = {args.split()[0] for instruction, args in instructions() if instruction == "COPY"}
    assert set(components) <= copied
    assert any("build --wheel" in args for instruction, args in instructions() if instruction == "RUN")
    assert any('"kholuutru[operator]"' in args for instruction, args in instructions() if instruction == "RUN")


def test_runs_as_the_non_root_user_the_pods_expect():
    assert last("USER") == f"{APP_UID}:{APP_UID}"
    assert f"--uid {APP_UID}" in " ".join(args for instruction, args in instructions() if instruction == "RUN")
    assert f"KHOLUUTRU_DATA_DIR={DATA_DIR}" in last("ENV")


def test_entrypoint_is_kholuutru_up():
    assert json.loads(last("ENTRYPOINT")) == ["kholuutru"]
    assert json.loads(last("CMD")) == ["up", "--host", "0.0.0.0", "--port", str(PORT)]
    assert last("EXPOSE") == str(PORT)
