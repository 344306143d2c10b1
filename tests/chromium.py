"""Open a page in Debian's headless Chromium over the DevTools pipe and record what it did.

No extra dependency: Chromium's ``--remote-debugging-pipe`` speaks NUL-delimited JSON on file
descriptors 3 (commands in) and 4 (events out). Only the page's own requests are recorded, not
Chromium's background traffic.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe"]


@dataclass
class PageVisit:
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    loaded: bool = False


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def visit(url: str, *, timeout: float = 30.0, settle: float = 0.5) -> PageVisit:
    """Load ``url``; return every request URL, console error and uncaught exception."""
    profile = tempfile.mkdtemp(prefix="evalkit-chromium-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def child_fds():
        os.dup2(to_chrome_r, 3)
        os.dup2(from_chrome_w, 4)

    proc = subprocess.Popen([executable(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            preexec_fn=child_fds, pass_fds=(3, 4, to_chrome_r, from_chrome_w),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    reader = os.fdopen(from_chrome_r, "rb", buffering=0)
    writer = os.fdopen(to_chrome_w, "wb", buffering=0)
    buffer = b""
    ids = iter(range(1, 10_000))
    result = PageVisit()

    def send(method, params=None, session=None):
        msg = {"id": next(ids), "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        writer.write(json.dumps(msg).encode() + b"\0")
        return msg["id"]

    def messages(deadline):
        nonlocal buffer
        while time.monotonic() < deadline:
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                yield json.loads(raw)
            import select

            ready, _, _ = select.select([reader], [], [], 0.1)
            if ready:
                chunk = reader.read(65536)
                if not chunk:
                    return
                buffer += chunk

    def wait_for(pred, deadline):
        for msg in messages(deadline):
            record(msg)
            if pred(msg):
                return msg
        raise TimeoutError("no answer from Chromium")

    def record(msg):
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            result.requests.append(params["request"]["url"])
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            result.console_errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            result.console_errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            result.console_errors.append(params["entry"].get("text", ""))
        elif method == "Page.loadEventFired":
            result.loaded = True

    try:
        deadline = time.monotonic() + timeout
        rid = send("Target.createTarget", {"url": "about:blank"})
        target = wait_for(lambda m: m.get("id") == rid, deadline)["result"]["targetId"]
        rid = send("Target.attachToTarget", {"targetId": target, "flatten": True})
        session = wait_for(lambda m: m.get("id") == rid, deadline)["result"]["sessionId"]
        for method in ("Network.enable", "Runtime.enable", "Log.enable", "Page.enable"):
            rid = send(method, session=session)
            wait_for(lambda m, rid=rid: m.get("id") == rid, deadline)
        send("Page.navigate", {"url": url}, session=session)
        wait_for(lambda m: m.get("method") == "Page.loadEventFired", deadline)
        for msg in messages(time.monotonic() + settle):
            record(msg)
        return result
    finally:
        try:
            send("Browser.close")
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        reader.close()
        writer.close()
        shutil.rmtree(profile, ignore_errors=True)
