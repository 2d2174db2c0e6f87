"""Debian's nginx serving a web root with the shipped deploy/nginx.conf, on 127.0.0.1 only.

The shipped site configuration is used as it is, with only its marked lines adapted: the listen
address, the server name, the web root (portal.webroot) and the log folder. A test fails, never
skips, when nginx is missing: `scripts/ensure-test-tools.sh` installs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NGINX = Path("/usr/sbin/nginx")
SHIPPED = REPO / "deploy" / "nginx.conf"
SETUP = "run `bash scripts/ensure-test-tools.sh` (make test runs it) to install it"


def require_nginx() -> Path:
    """Return Debian's nginx, or fail the test saying how to install it."""
    if not NGINX.is_file():
        pytest.fail(f"{NGINX} is missing: {SETUP}", pytrace=False)
    return NGINX


def adapt_site_config(webroot: Path, port: int, logs: Path) -> str:
    """Return deploy/nginx.conf with its marked lines pointed at a test web root and port."""
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in {
        "listen 10.0.0.10:80;": f"listen 127.0.0.1:{port};",
        "server_name portal.intranet.example;": "server_name 127.0.0.1;",
        "/srv/portal": str(webroot),
        "/var/log/nginx": str(logs),
    }.items():
        assert old in text, f"deploy/nginx.conf no longer holds {old!r}: adapt tests/nginx.py"
        text = text.replace(old, new)
    return text


def write_config(webroot: Path, work: Path, port: int) -> Path:
    """Write a main nginx.conf around the adapted site configuration; return its path."""
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    site = work / "portal-site.conf"
    site.write_text(adapt_site_config(webroot, port, logs), encoding="utf-8")
    temp = {kind: work / f"{kind}-temp" for kind in ("client_body", "proxy", "fastcgi", "uwsgi")}
    temp["scgi"] = work / "scgi-temp"
    # Test folders belong to the user running the tests; as root, workers must read them too.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = work / "nginx.conf"
    main.write_text(
        f"{user}pid {work / 'nginx.pid'};\n"
        f"error_log {logs / 'error.log'};\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        + "".join(f"    {kind}_temp_path {path};\n" for kind, path in temp.items())
        + f"    include {site};\n"
        "}\n",
        encoding="utf-8",
    )
    return main


def check_config(config: Path) -> subprocess.CompletedProcess[str]:
    """Run `nginx -t` on a configuration."""
    return subprocess.run(
        [str(require_nginx()), "-t", "-c", str(config), "-e", str(config.parent / "test.log")],
        capture_output=True,
        text=True,
        check=False,
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_with_nginx(webroot: Path, work: Path) -> Iterator[str]:
    """Serve *webroot* (its `current` and csp.conf) with the shipped config; yield the base URL."""
    port = free_port()
    config = write_config(webroot, work, port)
    checked = check_config(config)
    assert checked.returncode == 0, checked.stderr
    error_log = str(work / "logs" / "startup.log")
    server = subprocess.Popen(
        [str(NGINX), "-c", str(config), "-e", error_log, "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    said = server.stderr.read() if server.stderr and server.poll() else ""
                    raise AssertionError(f"nginx did not start: {said}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr:
            server.stderr.close()
