"""A real Neo4j 5.26 LTS Community server for tests and benchmarks, from Maven Central.

Neo4j is on no Python, npm or Debian registry, so Maven copies the `org.neo4j:neo4j` jars
into a cache (~/.cache/zhkg/neo4j/<version>, or $ZHKG_NEO4J_CACHE) and `javac` compiles
`Neo4jLauncher.java` against them; the second start reuses both. The launcher runs an
embedded DBMS with Bolt on 127.0.0.1 and authentication on, and stops by itself when our
pipe to its stdin closes, when this process dies, or after a maximum lifetime.

Run `python scripts/neo4j_server/embedded_neo4j.py` to start one by hand (Ctrl-C stops it).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
LAUNCHER = HERE / "Neo4jLauncher.java"
USER = "neo4j"
DEFAULT_PASSWORD = "zhkg-test-password"  # Neo4j wants 8 characters at least
MAX_LIFETIME_S = 2 * 3600


class Neo4jServerUnavailable(RuntimeError):
    """The test server could not be installed or started; the message names the missing piece."""


@dataclass
class Neo4jServer:
    uri: str
    user: str
    password: str
    home: Path
    process: subprocess.Popen = field(repr=False)
    owns_home: bool = True


def neo4j_version() -> str:
    """The version lives in pom.xml only, so Maven and the cache key never disagree."""
    match = re.search(r"<neo4j.version>([^<]+)</neo4j.version>", POM.read_text(encoding="utf-8"))
    if not match:
        raise Neo4jServerUnavailable(f"{POM} names no <neo4j.version>")
    return match.group(1)


def cache_dir() -> Path:
    root = Path(os.environ.get("ZHKG_NEO4J_CACHE", Path.home() / ".cache" / "zhkg" / "neo4j"))
    return root / neo4j_version()


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise Neo4jServerUnavailable(
            f"`{name}` is not on PATH: the Neo4j test server needs a JDK 17+ (java, javac) and "
            f"Maven 3 (mvn) to fetch org.neo4j:neo4j:{neo4j_version()} from Maven Central")
    return path


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        raise Neo4jServerUnavailable(f"{what} failed (exit {done.returncode}): {' '.join(cmd)}\n"
                                     + "\n".join(tail))


def install() -> Path:
    """Fetch the jars and compile the launcher once per version; return the cache folder.

    A file lock keeps parallel test processes from downloading into the same folder at once.
    """
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lib = cache / "lib"
        if not (lib / f"neo4j-{neo4j_version()}.jar").is_file():
            mvn = _require_tool("mvn")
            staging = Path(tempfile.mkdtemp(prefix="lib-", dir=cache))
            _run([mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies",
                  f"-DoutputDirectory={staging}"],
                 f"downloading Neo4j {neo4j_version()} from Maven Central (is the Maven registry reachable?)")
            shutil.rmtree(lib, ignore_errors=True)
            staging.rename(lib)
        source_hash = hashlib.sha256(LAUNCHER.read_bytes()).hexdigest()[:16]
        classes = cache / f"classes-{source_hash}"
        if not (classes / "Neo4jLauncher.class").is_file():
            javac = _require_tool("javac")
            staging = Path(tempfile.mkdtemp(prefix="classes-", dir=cache))
            _run([javac, "-cp", f"{lib}/*", "-d", str(staging), str(LAUNCHER)], "compiling Neo4jLauncher.java")
            staging.rename(classes)
    return cache


def classpath(cache: Path) -> str:
    classes = next(cache.glob("classes-*"), None)
    return f"{classes}:{cache / 'lib'}/*" if classes else f"{cache / 'lib'}/*"


def write_config(home: Path, pagecache: str = "256m", extra: dict[str, str] | None = None) -> Path:
    """neo4j.conf for the launcher and for neo4j-admin: Bolt on loopback, any free port."""
    settings = {
        "server.bolt.enabled": "true",
        "server.bolt.listen_address": "127.0.0.1:0",
        "server.bolt.advertised_address": "127.0.0.1:0",
        "server.http.enabled": "false",
        "server.https.enabled": "false",
        "dbms.security.auth_enabled": "true",
        "server.memory.pagecache.size": pagecache,
        "server.directories.data": str(home / "data"),
        "server.directories.logs": str(home / "logs"),
        **(extra or {}),
    }
    conf = home / "conf" / "neo4j.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("".join(f"{k}={v}\n" for k, v in settings.items()), encoding="utf-8")
    return conf


def start(home: Path | None = None, password: str = DEFAULT_PASSWORD, heap: str = "1g",
          pagecache: str = "256m", max_lifetime_s: int = MAX_LIFETIME_S,
          startup_timeout_s: float = 180.0) -> Neo4jServer:
    """Start a server (in a fresh temporary home unless `home` is given) and wait for Bolt."""
    java = _require_tool("java")
    cache = install()
    owns_home = home is None
    home = Path(tempfile.mkdtemp(prefix="zhkg-neo4j-")) if home is None else Path(home)
    write_config(home, pagecache)
    log = open(home / "launcher.log", "w")
    process = subprocess.Popen(
        [java, f"-Xmx{heap}", "-XX:+UseParallelGC", "-cp", classpath(cache), "Neo4jLauncher",
         str(home), password, str(max_lifetime_s)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    log.close()
    server = Neo4jServer("", USER, password, home, process, owns_home)
    try:
        server.uri = _wait_until_ready(process, home, startup_timeout_s)
    except BaseException:
        stop(server)
        raise
    return server


def _wait_until_ready(process: subprocess.Popen, home: Path, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    with selectors.DefaultSelector() as sel:
        sel.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                line = process.stdout.readline()
                if line.startswith("READY "):
                    return line.split(" ", 1)[1].strip()
                if not line:
                    break
    log_tail = (home / "launcher.log").read_text(errors="replace").strip().splitlines()[-20:]
    state = f"exited with {process.poll()}" if process.poll() is not None else f"silent for {timeout_s:.0f} s"
    raise Neo4jServerUnavailable(f"the Neo4j launcher {state} before Bolt was ready; "
                                 f"log {home / 'launcher.log'}:\n" + "\n".join(log_tail))


def stop(server: Neo4jServer, timeout_s: float = 60.0) -> None:
    """Close the launcher's stdin (its signal to shut down cleanly), then make sure it is gone."""
    process = server.process
    if process.stdin and not process.stdin.closed:
        process.stdin.close()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout:
        process.stdout.close()
    if server.owns_home:
        shutil.rmtree(server.home, ignore_errors=True)


def neo4j_admin(home: Path, args: list[str]) -> subprocess.CompletedProcess:
    """Run `neo4j-admin ARGS` (org.neo4j.cli.AdminTool from the same jars) against `home`."""
    java = _require_tool("java")
    cache = install()
    write_config(home)
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    return subprocess.run([java, "-Xmx1g", "-cp", f"{cache / 'lib'}/*", "org.neo4j.cli.AdminTool", *args],
                          capture_output=True, text=True, env=env)


if __name__ == "__main__":
    started = time.monotonic()
    srv = start()
    print(f"{srv.uri} user={srv.user} password={srv.password} "
          f"(ready in {time.monotonic() - started:.1f} s; Ctrl-C stops it)", file=sys.stderr)
    try:
        srv.process.wait()
    except KeyboardInterrupt:
        stop(srv)
