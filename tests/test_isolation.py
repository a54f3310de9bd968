"""Nothing lost, nothing fetched: the report never reaches the network and never writes to data/."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import nbformat

from dilemma import paths
from dilemma.build import execute

GUARD = textwrap.dedent("""
    import socket

    def _refuse(*args, **kwargs):
        raise OSError("network blocked by the test")

    _connect = socket.socket.connect

    def _connect_local_only(self, address):
        if self.family == socket.AF_UNIX or (isinstance(address, tuple) and address[0] in ("127.0.0.1", "::1", "localhost")):
            return _connect(self, address)
        with open({log!r}, "a") as handle:
            handle.write(repr(address) + "\\n")
        raise OSError("network blocked by the test")

    socket.socket.connect = _connect_local_only
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
""")


def guard_dir(tmp_path):
    log = tmp_path / "attempts.log"
    folder = tmp_path / "guard"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(GUARD.format(log=str(log)))
    return folder, log


def test_check_runs_with_the_network_blocked(tmp_path):
    folder, log = guard_dir(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(folder)}
    done = subprocess.run([sys.executable, "-m", "dilemma", "check"], capture_output=True, text=True, env=env,
                          cwd=paths.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not log.exists(), log.read_text()


def test_a_notebook_runs_with_the_network_blocked(tmp_path, monkeypatch):
    folder, log = guard_dir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(folder))
    monkeypatch.setenv("DILEMMA_FIGURES_DIR", str(tmp_path / "figures"))
    source = paths.NOTEBOOKS_DIR / "02_strike_campaign.ipynb"
    name, _, error = execute(source, tmp_path / source.name)
    assert error == ""
    assert not log.exists(), log.read_text()
    nb = nbformat.read(tmp_path / source.name, as_version=4)
    assert all(o.output_type != "error" for c in nb.cells for o in c.get("outputs", []))


def test_the_guard_really_blocks(tmp_path):
    """Without this, the two tests above would pass even if the guard did nothing."""
    folder, log = guard_dir(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(folder)}
    code = "import socket\ns = socket.socket()\ntry:\n    s.connect(('93.184.216.34', 80))\nexcept OSError as e:\n    print(e)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "network blocked by the test" in done.stdout
    assert "93.184.216.34" in log.read_text()
