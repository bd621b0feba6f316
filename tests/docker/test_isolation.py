"""What a notebook can and cannot do inside its container: checked from inside, on the real engine."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from jupyter_mlops.run.model import RunStatus

from .conftest import run_in_docker

pytestmark = pytest.mark.usefixtures("docker_client")

PROBE = """%%mlstep probe
import os
status = dict(line.split(':\\t', 1) for line in open('/proc/self/status').read().splitlines() if ':\\t' in line)
print('uid', os.getuid())
print('caps', status['CapEff'].strip())
print('no_new_privs', status['NoNewPrivs'].strip())
for target in ('/opt/venv/evil.py', '/etc/evil', '/tmp/fine'):
    try:
        open(target, 'w').write('x')
        print('write', target, 'ok')
    except OSError as error:
        print('write', target, error.strerror)
print('home', os.environ['HOME'])
"""


def test_non_root_read_only_root_no_capabilities_no_new_privileges(notebook):
    run = run_in_docker(notebook([PROBE]))
    assert run.status == RunStatus.succeeded, run.error
    log = Path(run.log_path).read_text()
    assert "uid 0" not in log and "uid 10001" in log
    assert "caps 0000000000000000" in log
    assert "no_new_privs 1" in log
    assert "write /opt/venv/evil.py Read-only file system" in log
    assert "write /etc/evil Read-only file system" in log
    assert "write /tmp/fine ok" in log and "home /tmp" in log


@pytest.fixture
def host_listener():
    """A socket listening on the host's loopback, as a service a notebook must not reach."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def _connect_step(port: int) -> str:
    return (f"%%mlstep call\nimport socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
            f"    print('connected')\nexcept OSError as error:\n    print('refused:', error)\n    raise")


def test_no_network_a_socket_to_the_host_fails(notebook, host_listener):
    run = run_in_docker(notebook([_connect_step(host_listener)]))
    assert run.status == RunStatus.failed
    assert run.failed_step == "call"
    assert "refused:" in Path(run.log_path).read_text()


def test_host_network_only_on_request(notebook, host_listener):
    run = run_in_docker(notebook([_connect_step(host_listener)]), network="host")
    assert run.status == RunStatus.succeeded, run.error
    assert "connected" in Path(run.log_path).read_text()
