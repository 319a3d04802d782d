"""Runs the stacks' Pulumi program under Pulumi's mocks and records what it declares.

``conftest.py`` puts this folder on ``sys.path``, so test modules ``from stacks_support import …``.

The mocks stand in for the Pulumi engine and the Kubernetes provider only: the program, the Pulumi SDK and the
Kubernetes SDK run for real, and every custom resource's inputs are recorded as the provider would receive them
(camelCase manifests). Numbers arrive as floats (protobuf has only doubles), so integral ones are turned back into
integers before a manifest is validated. A secret input arrives wrapped in Pulumi's secret marker: it is unwrapped
for the manifest, and where it was is kept (``Recorded.secret_paths``).
"""

from __future__ import annotations

import asyncio
import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import rpc

from kholuutru.stacks import program

REPO = Path(__file__).resolve().parents[2]
STACKS_DIR = REPO / "stacks"
STACKS = ["dev", "staging", "prod"]
SECRETS = {
    "backupPassword": "restic-password-9f2c",
    "objectStorageAccessKeyId": "documents-key-id-41aa",
    "objectStorageSecretAccessKey": "documents-secret-77b1",
    "backupAccessKeyId": "backup-key-id-c3d0",
    "backupSecretAccessKey": "backup-secret-e85f",
    "backupSftpIdentity": "-----BEGIN OPENSSH PRIVATE KEY-----\nsftp-key-5d21\n-----END OPENSSH PRIVATE KEY-----\n",
    "backupSftpKnownHosts": "offsite.tinh.gov.vn ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIknownhost7c4e\n",
    "ssoClientSecret": "sso-client-secret-1b6e",
    "lgspClientSecret": "lgsp-client-secret-90d4",
    "smtpPassword": "smtp-password-2c81",
}
"""Every secret configuration key with a value a test can look for."""
CERTIFICATES = {
    "signatureTrustRoots": "-----BEGIN CERTIFICATE-----\nroot-ca-ban-co-yeu\n-----END CERTIFICATE-----\n",
    "smtpCa": "-----BEGIN CERTIFICATE-----\nmail-ca-3e9a\n-----END CERTIFICATE-----\n",
}
"""Every certificate configuration key (plain, set from a PEM file) with a value a test can look for."""


def plain(value: Any, path: tuple[str, ...] = (), secrets: set[tuple[str, ...]] | None = None) -> Any:
    """``value`` as a manifest: integral floats made ints again, secret markers unwrapped (their paths added to
    ``secrets``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            if secrets is not None:
                secrets.add(path)
            return plain(value["value"], path, secrets)
        return {key: plain(item, (*path, key), secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item, (*path, str(index)), secrets) for index, item in enumerate(value)]
    return value


@dataclass(frozen=True)
class Recorded:
    type: str
    name: str
    inputs: dict[str, Any]
    secret_paths: set[tuple[str, ...]]
    """Where the inputs held secret values, as the provider receives them."""

    @property
    def kind(self) -> str:
        return self.inputs["kind"]


class Recorder(pulumi.runtime.Mocks):
    """Pulumi's mocks: every custom resource is created with its inputs as its state."""

    def __init__(self) -> None:
        self.resources: list[Recorded] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.custom:
            secrets: set[tuple[str, ...]] = set()
            inputs = plain(args.inputs, (), secrets)
            self.resources.append(Recorded(args.typ, args.name, inputs, secrets))
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


@dataclass
class Deployment:
    stack: str
    config: dict[str, Any]
    resources: list[Recorded]
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)
    secret_data: dict[str, bool] = field(default_factory=dict)
    """Secret resource name -> whether its stringData Output is secret."""
    spec_is_secret: bool = True

    def of_kind(self, kind: str) -> list[Recorded]:
        return [resource for resource in self.resources if resource.kind == kind]

    def one(self, kind: str) -> Recorded:
        (found,) = self.of_kind(kind)
        return found

    @property
    def kinds(self) -> set[str]:
        return {resource.kind for resource in self.resources}

    @property
    def platform(self) -> dict[str, Any]:
        return self.config["kholuutru:platform"]


def stack_config(stack: str) -> dict[str, Any]:
    """The configuration of ``stacks/Pulumi.<stack>.yaml`` as parsed values."""
    return yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]


def _event_loop() -> None:
    """Give the thread an open event loop: Pulumi's runtime takes the current one, and an async test run before
    (pytest-asyncio closes its loop and unsets it) may have left none."""
    try:
        if not asyncio.get_event_loop().is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())


def _mock(stack: str, values: dict[str, Any], secrets: dict[str, str],
          certificates: dict[str, str] = CERTIFICATES) -> Recorder:
    """Pulumi's runtime under mocks, with the stack's configuration and ``certificates`` as plain configuration,
    and ``secrets`` as secret configuration."""
    _event_loop()
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="kholuutru", stack=stack, preview=False)
    values = {**values, **{f"kholuutru:{key}": value for key, value in certificates.items()}}
    encoded = {key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()}
    secret_keys = {f"kholuutru:{key}": value for key, value in secrets.items()}
    pulumi.runtime.set_all_config({**encoded, **secret_keys}, list(secret_keys))
    return recorder


def run_main(stack: str) -> list[Recorded]:
    """Run ``stacks/__main__.py`` itself, as ``pulumi up`` does, for ``stack`` with every secret set."""
    recorder = _mock(stack, stack_config(stack), SECRETS)

    @pulumi.runtime.test
    def run() -> None:
        runpy.run_path(str(STACKS_DIR / "__main__.py"), run_name="__main__")

    run()
    return recorder.resources


def deploy(stack: str, *, monitoring_folder: Path, config: dict[str, Any] | None = None,
           secrets: dict[str, str] | None = None, certificates: dict[str, str] | None = None) -> Deployment:
    """Run the program for ``stack`` (its configuration, or ``config`` instead) with ``secrets`` as Pulumi secret
    configuration (default: all of :data:`SECRETS`) and ``certificates`` (default: all of :data:`CERTIFICATES`),
    and record the resources and the outputs."""
    values = stack_config(stack) if config is None else config
    recorder = _mock(stack, values, SECRETS if secrets is None else secrets,
                     CERTIFICATES if certificates is None else certificates)
    deployment = Deployment(stack, values, recorder.resources)

    @pulumi.runtime.test
    def run():
        deployed = program.main(monitoring_folder)

        async def collect() -> None:
            for name, output in deployed.outputs.items():
                output = pulumi.Output.from_input(output)
                deployment.outputs[name] = await output.future()
                if await output.is_secret():
                    deployment.secret_outputs.add(name)
            for secret in deployed.platform.secrets:
                name = await secret.metadata.future()
                deployment.secret_data[name["name"]] = await secret.string_data.is_secret()
            deployment.spec_is_secret = await deployed.platform.resource.spec.is_secret()

        return asyncio.ensure_future(collect())

    run()
    return deployment
