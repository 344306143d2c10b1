"""Fresh kernels without paying for their imports: each is forked from a server that has imported
everything a department notebook needs and has run nothing else.

A kernel started the ordinary way spends about a second of processor time starting Python and
importing ipykernel, IPython, pandas, matplotlib and evalkit before it runs its first cell — on a
2-core machine that is a third of a department's work. A pool worker instead starts one server,
``python -m evalkit.run.forkserver``, which imports all that once (with ``MPLBACKEND`` set as
ipykernel sets it, and one BLAS thread, so nothing runs when it forks) and then waits. For each
kernel it forks a child that becomes ipykernel with the connection file jupyter_client wrote:
a process of its own, in a session of its own (so killing its process group kills it and
whatever it started), that has run no department's code — as fresh as a started one, and it dies
when the server does, which dies with the worker (:mod:`.kernel`).

The client side is a jupyter_client provisioner (:class:`ForkProvisioner`) handing the kernel
command to the server instead of ``Popen``; :class:`ForkedProcess` stands in for the ``Popen`` of
a kernel that is the server's child, not the worker's. When the server cannot be started, kernels
are started the ordinary way, and ``EVALKIT_KERNEL_FORK=0`` asks for that.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger(__name__)

#: The module the kernel command runs (``python -m evalkit.run.kernel …``, :mod:`.kernel`).
KERNEL_MODULE = "evalkit.run.kernel"
#: What the server imports before it forks: what every department notebook imports.
PRELOAD = ("ipykernel.kernelapp", "IPython", "matplotlib_inline.backend_inline", "pandas", "matplotlib.pyplot",
           "evalkit.publish.appendix", "evalkit.publish.charts")
#: How long the server may take to import everything before kernels are started the ordinary way.
START_TIMEOUT = 60.0
#: Environment of the server: one thread per maths library, so forking copies no running thread.
SERVER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "MPLBACKEND": "module://matplotlib_inline.backend_inline"}


# --- the server --------------------------------------------------------------------------------

def serve() -> None:
    """Import :data:`PRELOAD`, then fork one kernel per request line (JSON: ``argv``, ``env``,
    ``cwd``) read from stdin, answering each with ``{"pid": …}`` on stdout. Ends at end of input."""
    from .kernel import die_with_parent

    die_with_parent(int(os.environ.get("EVALKIT_FORKSERVER_PARENT") or 0))
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    import gc

    gc.freeze()  # what every kernel inherits is never scanned by its collections (nor copied for them)
    signal.signal(signal.SIGCHLD, _reap)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    answers.write(b'{"ready": true}\n')
    answers.flush()
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _become_kernel(request)  # never returns
        _wait_for_session(pid)
        answers.write(json.dumps({"pid": pid}).encode() + b"\n")
        answers.flush()


def _wait_for_session(pid: int) -> None:
    """Until the child has made its session (so its process group is its pid), at most a second."""
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        try:
            if os.getpgid(pid) == pid:
                return
        except ProcessLookupError:  # it has ended already
            return
        time.sleep(0.001)


def _reap(signum, frame) -> None:
    """Collect every kernel that has ended, so none lingers as a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_kernel(request: dict) -> None:
    """In the forked child: a session of its own, dying with the server, stdin from /dev/null,
    stdout to the server's stderr (the worker's), the requested folder and environment, then
    ipykernel until the kernel ends."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        from .kernel import die_with_parent

        die_with_parent(int(request["server"]))
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(2, 1)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # its parent is the server: ipykernel watches that one (and says nothing of running without one)
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = [KERNEL_MODULE, *argv]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - a kernel that cannot start says why on stderr and ends
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


# --- the client --------------------------------------------------------------------------------

class ForkServer:
    """The server of this process, started on first use (:func:`server`)."""

    def __init__(self, *, wait: bool = True):
        env = {**os.environ, **SERVER_ENV, "EVALKIT_FORKSERVER_PARENT": str(os.getpid())}
        self.process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env)
        self.lock = threading.Lock()
        self.ready = False
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Until the server has imported everything (at most :data:`START_TIMEOUT` seconds from now)."""
        if self.ready:
            return
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT)
        if not ready or json.loads(self.process.stdout.readline() or b"{}").get("ready") is not True:
            self.close()
            raise RuntimeError(f"the kernel fork server did not start within {START_TIMEOUT:g} s")
        self.ready = True

    def fork(self, argv: list[str], env: dict[str, str], cwd: str | None) -> int:
        """A new kernel (its pid), running ``ipykernel argv``."""
        request = {"argv": argv, "env": env, "cwd": cwd, "server": self.process.pid}
        with self.lock:
            self.wait_ready()
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the kernel fork server has ended")
        return int(json.loads(answer)["pid"])

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


_server: ForkServer | None = None
_server_lock = threading.Lock()


def enabled() -> bool:
    """Whether kernels are forked (``EVALKIT_KERNEL_FORK=0`` starts each the ordinary way)."""
    return os.environ.get("EVALKIT_KERNEL_FORK", "1") != "0"


def server(*, wait: bool = True) -> ForkServer:
    """This process's fork server, started (again) when there is none alive; ``wait=False`` does not
    wait for a new server's imports."""
    global _server
    with _server_lock:
        if _server is not None and not _server.alive:
            _server.close()  # ended (killed): its pipes go with it
            _server = None
        if _server is None:
            _server = ForkServer(wait=wait)
        return _server


def stop_server() -> None:
    """Stop this process's fork server (its kernels die with it)."""
    global _server
    with _server_lock:
        if _server is not None:
            _server.close()
            _server = None


class ForkedProcess:
    """What jupyter_client and evalkit ask of a kernel's ``Popen``, for a kernel the fork server
    started: it is the server's child, so it is watched through ``/proc`` (the server collects it
    when it ends) and signalled by pid."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                with open(f"/proc/{self.pid}/stat", "rb") as stat:
                    state = stat.read().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                state = b"X"
            if state in (b"Z", b"X"):
                self.returncode = -signal.SIGKILL
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(KERNEL_MODULE, timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def provisioner_class():
    """jupyter_client's local provisioner, launching through the fork server (built lazily:
    jupyter_client is imported only by processes that run kernels)."""
    from jupyter_client.provisioning import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs):
            argv = cmd[cmd.index(KERNEL_MODULE) + 1:]
            env = {k: str(v) for k, v in (kwargs.get("env") or os.environ).items()}
            cwd = kwargs.get("cwd")
            try:
                pid = server().fork(argv, env, None if cwd is None else str(cwd))
            except (OSError, RuntimeError, ValueError) as exc:
                log.warning("starting the kernel without the fork server: %s", exc)
                return await super().launch_kernel(cmd, **kwargs)
            self.process = ForkedProcess(pid)
            self.pid = self.pgid = pid  # the child made its own session
            self.cwd = cwd or os.getcwd()
            return self.connection_info

    return ForkProvisioner


if __name__ == "__main__":
    serve()
