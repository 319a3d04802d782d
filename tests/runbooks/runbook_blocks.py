"""Reading a runbook's Markdown into the steps tests/runbooks runs, and checking kubectl steps offline.

The conventions a runbook follows (runbooks/README.md states them for their authors):

- ``<!-- env: NAME NAME … -->`` names the environment variables the runbook expects the on-call person to have set
  (the test supplies each of them; an unknown name fails the test).
- Every fenced ```bash / ```sh / ```shell / ```console block is a step, run in order in one bash session per runbook
  (variables set by one step are seen by the next). ```console blocks hold ``$ command`` lines and their output.
- ``<!-- expect-exit: N -->`` before a step: the step must end with exit code N (default 0).
- ``<!-- offline: kubectl -->`` before a step: it is not run (no cluster here) but checked against the CRD.
- ``<!-- expected-output -->`` before a ```text block: each non-blank line must appear in the output of the step
  before it, in order; ``…`` stands for any text within a line.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SHELL_LANGUAGES = ("bash", "sh", "shell", "console")
OFFLINE_TOOLS = ("kubectl",)
UNRUNNABLE = ("kubectl", "pulumi")
_MARKER = re.compile(r"<!--\s*([a-z-]+)\s*(?::\s*(.*?))?\s*-->")
_FENCE = re.compile(r"^(`{3,})\s*([\w-]*)\s*$")


@dataclass
class Step:
    """One shell block of a runbook, with what it must show and how it must end."""

    line: int
    language: str
    script: str
    expect_exit: int = 0
    offline: str | None = None
    expected_output: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"line {self.line}"


@dataclass
class Runbook:
    path: Path
    text: str
    env: list[str]
    steps: list[Step]


def parse(path: Path) -> Runbook:
    """The runbook's declared environment and its steps, in order."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    env: list[str] = []
    markers: dict[str, str] = {}
    steps: list[Step] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        for name, value in _MARKER.findall(line):
            if name == "env":
                env += value.split()
            else:
                markers[name] = value
        fence = _FENCE.match(line.strip())
        if not fence:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == fence[1])
        body = "\n".join(lines[index + 1:end])
        language = fence[2].lower()
        if language in SHELL_LANGUAGES:
            steps.append(_step(index + 1, language, body, markers))
        elif "expected-output" in markers:
            if not steps:
                raise ValueError(f"{path.name}: expected output at line {index + 1} follows no step")
            steps[-1].expected_output += [row for row in body.splitlines() if row.strip()]
        markers = {}
        index = end + 1
    return Runbook(path, text, env, steps)


def _step(line: int, language: str, body: str, markers: dict[str, str]) -> Step:
    expected: list[str] = []
    script = body
    if language == "console":
        commands = [row[2:] for row in body.splitlines() if row.startswith("$ ")]
        expected = [row for row in body.splitlines() if row.strip() and not row.startswith("$ ")]
        script = "\n".join(commands)
    return Step(line=line, language=language, script=script, expect_exit=int(markers.get("expect-exit", "0")),
                offline=markers.get("offline"), expected_output=expected)


def tools_named(script: str, tools: tuple[str, ...]) -> set[str]:
    """Which of ``tools`` a script names as a word outside comments — wherever it stands (``if kubectl …``,
    ``$(pulumi …)``, an indented line), so an unlabelled step that needs a cluster never slips through."""
    pattern = re.compile(r"(?<![\w./-])(" + "|".join(map(re.escape, tools)) + r")(?![\w.-])")
    found = set()
    for row in script.splitlines():
        if not row.lstrip().startswith("#"):
            found.update(pattern.findall(re.sub(r"\s#.*$", "", row)))
    return found


def output_matches(expected: str, output: str) -> bool:
    """Whether one expected line appears in the output; ``…`` matches any text within a line."""
    pattern = ".*?".join(re.escape(part) for part in expected.strip().split("…"))
    return re.search(pattern, output) is not None


# --- kubectl, checked offline against operator/crds/archiveplatforms.yaml -------------------------------------

AP_NAMES = ("ap", "archiveplatform", "archiveplatforms", "archiveplatforms.kholuutru.vn")
KUBECTL_VERBS = ("get", "describe", "patch", "wait", "annotate", "logs")


def crd_schema(crd_file: Path) -> tuple[dict[str, Any], list[str]]:
    """The CRD's openAPIV3Schema and its short names."""
    crd = yaml.safe_load(crd_file.read_text())
    version = next(v for v in crd["spec"]["versions"] if v["storage"])
    return version["schema"]["openAPIV3Schema"], crd["spec"]["names"]["shortNames"]


def _strict(schema: Any) -> Any:
    """The schema for a merge patch: nothing required, and no field the CRD does not know (the API server would
    prune it silently, so the runbook's patch would do nothing)."""
    if isinstance(schema, dict):
        out = {key: _strict(value) for key, value in schema.items() if key != "required"}
        if "properties" in schema and "additionalProperties" not in schema:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


def _schema_has(schema: dict[str, Any], dotted: str) -> bool:
    node: dict[str, Any] = schema
    for part in dotted.strip(".").split("."):
        part = re.sub(r"\[.*\]$", "", part)
        if not part:
            continue
        if node.get("type") == "array":
            node = node.get("items", {})
        properties = node.get("properties")
        if properties is None:
            return bool(node.get("additionalProperties")) or node.get("x-kubernetes-preserve-unknown-fields", False)
        if part not in properties:
            return False
        node = properties[part]
    return True


def check_kubectl(script: str, crd_file: Path, namespace_variable: str) -> list[str]:
    """Problems of each kubectl command in ``script``: verb, resource, namespace variable, patch and paths."""
    schema, short_names = crd_schema(crd_file)
    problems = []
    joined = re.sub(r"\\\n\s*", " ", script)
    for row in joined.splitlines():
        row = row.strip()
        if not row or row.startswith("#"):
            continue
        words = shlex.split(row)
        if words[0] != "kubectl":
            problems.append(f"not a kubectl command in an offline kubectl step: {row}")
            continue
        verb = words[1] if len(words) > 1 else ""
        if verb not in KUBECTL_VERBS:
            problems.append(f"kubectl verb {verb!r} is not one the runbooks use: {row}")
            continue
        resource = words[2].split("/")[0] if len(words) > 2 else ""
        if resource not in AP_NAMES or (resource == "ap" and "ap" not in short_names):
            problems.append(f"not an ArchivePlatform resource ({resource!r}): {row}")
        options = _options(words[3:])
        if options.get("-n", options.get("--namespace")) != f"${namespace_variable}":
            problems.append(f"the namespace must be -n \"${namespace_variable}\": {row}")
        patch = options.get("-p", options.get("--patch"))
        if verb == "patch":
            if options.get("--type") != "merge" or patch is None:
                problems.append(f"a patch must be --type merge with -p JSON: {row}")
            else:
                try:
                    jsonschema.validate(json.loads(patch), _strict(schema))
                except (json.JSONDecodeError, jsonschema.ValidationError) as error:
                    problems.append(f"patch does not fit the CRD ({error}): {row}")
        condition_types = schema["properties"]["status"]["properties"]["conditions"]["items"]["properties"]["type"]
        output = options.get("-o", "")
        for path in re.findall(r"\{(\.[\w.\[\]?@=\"'()-]+)\}", output):
            if not _schema_has(schema, re.sub(r"\[\?.*?\]", "", path)):
                problems.append(f"{path} is not in the CRD's schema: {row}")
        wanted = re.findall(r'@\.type=="(\w+)"', output)
        if verb == "wait" and options.get("--for", "").startswith("condition="):
            wanted.append(options["--for"].removeprefix("condition=").split("=")[0])
        problems += [f"condition {name} is not one the operator reports: {row}" for name in wanted
                     if name not in condition_types["enum"]]
    return problems


def _options(words: list[str]) -> dict[str, str]:
    """``-x value`` / ``--x=value`` / ``--x value`` options of a kubectl command line."""
    options: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-") and "=" in word and word.startswith("--"):
            name, value = word.split("=", 1)
            options[name] = value
        elif word.startswith("-") and index + 1 < len(words) and not words[index + 1].startswith("-"):
            options[word] = words[index + 1]
            index += 1
        elif word.startswith("-"):
            options[word] = ""
        index += 1
    return options
