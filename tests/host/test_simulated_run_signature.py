"""A demo host stands in for a real one, so it must take every argument Host.run takes.

mypy --strict found SimulatedHost.run without ``env``: code that passes an environment
(as the kubeadm runner does) would raise TypeError on a demo host only.
"""

import inspect

from wizard.host.base import Host
from wizard.host.simulated import SimulatedHost


def test_run_takes_the_same_keywords_as_host_run() -> None:
    base = set(inspect.signature(Host.run).parameters)
    demo = set(inspect.signature(SimulatedHost.run).parameters)
    assert base <= demo, f"SimulatedHost.run lacks {sorted(base - demo)}"


def test_run_with_env_answers_as_without(tmp_path) -> None:
    host = SimulatedHost("ready", scratch=tmp_path / "ready")
    plain = host.run(["uname", "-m"])
    with_env = host.run(["uname", "-m"], env={"LC_ALL": "C"})
    assert (with_env.returncode, with_env.stdout) == (plain.returncode, plain.stdout)
