"""``kholuutru-operator`` starts ``kopf run`` with this operator's module and a liveness endpoint."""

from kholuutru.operator.main import LIVENESS, arguments
from kholuutru.operator.settings import OperatorConfig


def test_arguments():
    assert arguments(["--all-namespaces"]) == ["run", "--module", "kholuutru.operator.handlers", "--liveness",
                                               LIVENESS, "--all-namespaces"]
    assert "--liveness" not in arguments(["--liveness=http://0.0.0.0:9000/healthz"])[:4]


def test_settings_come_from_the_environment():
    config = OperatorConfig.from_env({"KHOLUUTRU_OPERATOR_RESYNC_SECONDS": "30",
                                      "KHOLUUTRU_OPERATOR_METRICS_PORT": "0"})
    assert (config.resync_seconds, config.metrics_port, config.retry_seconds) == (30.0, 0, 30.0)
