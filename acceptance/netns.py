"""Two "hosts" on one machine: network namespaces joined by a veth pair (needs root and
iproute2). Everything made here is removed by ``close``; tests skip with the reason when the
machine cannot do it."""

import json
import os
import secrets
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .processes import BIN, wait_for

__all__ = ["TwoHosts", "two_hosts_or_skip", "wait_for"]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


class Host:
    """One namespace: run commands and daemons in it, talk HTTP from inside it."""

    def __init__(self, ns: str, address: str) -> None:
        self.ns, self.address = ns, address
        self.procs: list[subprocess.Popen[bytes]] = []

    def spawn(self, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        """Start ``argv`` inside the namespace (own process group, output to ``log``)."""
        with open(log, "ab") as out:
            proc = subprocess.Popen(["ip", "netns", "exec", self.ns, *argv], env=env,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.procs.append(proc)
        return proc

    def get_json(self, url: str, timeout: float = 3.0) -> Any:
        """GET ``url`` from inside the namespace; None when it does not answer."""
        code = ("import json,sys,urllib.request\n"
                f"r=urllib.request.urlopen({url!r},timeout={timeout})\n"
                "sys.stdout.write(r.read().decode())")
        done = subprocess.run(["ip", "netns", "exec", self.ns, str(BIN / "python"), "-c", code],
                              capture_output=True, timeout=timeout + 10, check=False)
        return json.loads(done.stdout) if done.returncode == 0 else None

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> int:
        """SIGTERM (SIGKILL after ``timeout``); the exit code."""
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return proc.returncode

    def close(self) -> None:
        """Kill whatever still runs here."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class TwoHosts:
    """Namespaces ``a`` and ``b`` on 10.213.<n>.1/24 and .2/24."""

    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.names = (f"rpy-a-{tag}", f"rpy-b-{tag}")
        net = f"10.213.{int(tag[:2], 16)}"
        self.a = Host(self.names[0], f"{net}.1")
        self.b = Host(self.names[1], f"{net}.2")
        veth = (f"rpya{tag}", f"rpyb{tag}")
        try:
            for ns in self.names:
                _ip("netns", "add", ns)
            _ip("link", "add", veth[0], "netns", self.names[0], "type", "veth", "peer", "name",
                veth[1], "netns", self.names[1])
            for host, dev in ((self.a, veth[0]), (self.b, veth[1])):
                _ip("-n", host.ns, "addr", "add", f"{host.address}/24", "dev", dev)
                _ip("-n", host.ns, "link", "set", dev, "up", "multicast", "on")
                _ip("-n", host.ns, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop every process, delete both namespaces (the veth pair goes with them)."""
        for host in (self.a, self.b):
            host.close()
        for ns in self.names:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)

    def leftovers(self) -> list[str]:
        """Our namespaces that still exist."""
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                                check=False).stdout
        return [ns for ns in self.names if ns in listed]


def two_hosts_or_skip() -> TwoHosts:
    """Make the two hosts, or skip saying why not."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("network namespaces need iproute2's ip command")
    try:
        return TwoHosts()
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot create network namespaces here: {e.stderr.decode().strip()}")


