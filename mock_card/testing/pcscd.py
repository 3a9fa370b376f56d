"""Run a private pcscd with the vsmartcard vpcd driver, for tests.

Why it is set up the way it is (measured with pcsc-lite 1.9.9 and
vsmartcard-vpcd 3.3 on Debian):

* pcscd itself ignores PCSCLITE_CSOCK_NAME (its socket path is compiled in:
  /run/pcscd/pcscd.comm), but it accepts a listening socket through systemd
  socket activation (LISTEN_FDS/LISTEN_PID). So we bind a Unix socket in a
  private directory, hand it to pcscd as fd 3, and point clients at it with
  PCSCLITE_CSOCK_NAME. That keeps us off a system pcscd's socket.
* libpcsclite reads PCSCLITE_CSOCK_NAME once per process, at the first PC/SC
  call, and caches it. Hence one socket path per process (`PRIVATE_SOCKET`),
  reused across restarts, and the service must be started before anything in
  the process talks PC/SC.
* `-c DIR` replaces /etc/reader.conf.d, so we write our own vpcd entry on a
  free TCP port instead of the stock 0x8C7B (35963), which a system pcscd
  would already hold. vpcd opens two slots, "Virtual PCD 00 00" on the port
  and "Virtual PCD 00 01" on port + 1.
* Root is not required: a non-root pcscd only fails to write its pid file,
  which is harmless — but it cannot create /run/pcscd, so that directory must
  exist. Even the private pcscd writes (and on exit deletes)
  /run/pcscd/pcscd.pid; a system pcscd only uses that file for `pcscd -H`.

By hand, the equivalent is roughly
``systemd-socket-activate -l /tmp/x/pcscd.comm pcscd --foreground -c /tmp/x/conf``
and ``PCSCLITE_CSOCK_NAME=/tmp/x/pcscd.comm pcsc_scan``; stop it with SIGTERM.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path
from types import TracebackType

STOCK_VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
_VPCD_LIB_CANDIDATES = (
    Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so"),
    Path("/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so"),
)
#: Reader names pcscd gives the two vpcd slots of the private daemon.
VPCD_READER_NAMES = ("Virtual PCD 00 00", "Virtual PCD 00 01")

#: The one client socket path for this process (see the module docstring).
PRIVATE_SOCKET = str(Path(tempfile.gettempdir()) / f"idcard-pcscd-{os.getpid()}" / "pcscd.comm")

# Socket activation without depending on systemd-socket-activate (not every
# image has it): the listener goes to fd 3 (SD_LISTEN_FDS_START), and the
# shell execs pcscd in its own pid, which is what LISTEN_PID must name.
_LISTEN_FD = 3
_EXEC_WITH_LISTEN_PID = 'export LISTEN_PID=$$; exec "$0" "$@"'


def use_private_socket(socket_path: str = PRIVATE_SOCKET) -> None:
    """Point this process's PC/SC clients at the private pcscd.

    Call it before anything in the process talks PC/SC — e.g. at import of a
    test module, which happens during collection, before any test runs.
    """
    os.environ["PCSCLITE_CSOCK_NAME"] = socket_path


def find_pcscd() -> str | None:
    # /usr/sbin is often missing from a non-root PATH.
    return shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/usr/local/sbin")


def find_vpcd_driver() -> Path | None:
    if STOCK_VPCD_CONF.is_file():
        for line in STOCK_VPCD_CONF.read_text().splitlines():
            key, _, value = line.strip().partition(" ")
            if key == "LIBPATH" and Path(value.strip()).is_file():
                return Path(value.strip())
    return next((p for p in _VPCD_LIB_CANDIDATES if p.is_file()), None)


def skip_reason() -> str | None:
    """Why PC/SC tests cannot run here, or None when they can."""
    if find_pcscd() is None:
        return "pcscd is not installed (apt-get install pcscd)"
    if find_vpcd_driver() is None:
        return "the vpcd reader driver is not installed (apt-get install vsmartcard-vpcd)"
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        return "pyscard is not installed (pip install 'idcard[pcsc]')"
    if os.geteuid() != 0 and not Path("/run/pcscd").is_dir():
        return "pcscd cannot create /run/pcscd when not run as root"
    return None


def free_port_pair() -> int:
    """A TCP port p such that p and p + 1 are free (vpcd's two slots)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port < 0xFFFF and _port_free(port) and _port_free(port + 1):
            return port
    raise RuntimeError("no two adjacent free TCP ports")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))  # vpcd binds INADDR_ANY
        except OSError:
            return False
    return True


#: The live service per socket path: two daemons on one path would orphan one.
_live: dict[str, PcscdService] = {}


class PcscdService:
    """A private pcscd whose only readers are the two vpcd slots.

    The vpcd port stays the same across `restart()`, so a `VpcdClient`
    reconnects by itself, just as it would after a real pcscd restart.
    """

    @classmethod
    def shared(cls, socket_path: str = PRIVATE_SOCKET) -> PcscdService:
        """The running service on `socket_path`, started if there is none.

        Fixtures of any scope can share one daemon this way (there can only
        be one per process anyway); it is stopped at interpreter exit.
        """
        live = _live.get(socket_path)
        if live is not None and live.running:
            return live
        return cls(socket_path=socket_path).start()

    def __init__(
        self,
        *,
        vpcd_port: int | None = None,
        socket_path: str = PRIVATE_SOCKET,
        apdu_log: bool = False,
        ready_timeout: float = 10.0,
    ) -> None:
        self.vpcd_port = vpcd_port if vpcd_port is not None else free_port_pair()
        self.socket_path = socket_path
        self.reader_names = VPCD_READER_NAMES
        self.apdu_log = apdu_log
        self.ready_timeout = ready_timeout
        self.workdir = Path(socket_path).parent
        self.log_path = self.workdir / "pcscd.log"
        self._pid: int | None = None
        self._cleanup_registered = False

    @property
    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should use this pcscd."""
        return {**os.environ, "PCSCLITE_CSOCK_NAME": self.socket_path}

    @property
    def running(self) -> bool:
        return self._pid is not None and not self._reaped(self._pid)

    def start(self) -> PcscdService:
        if self.running:
            return self
        other = _live.get(self.socket_path)
        if other is not None and other is not self and other.running:
            raise RuntimeError(
                f"another pcscd already serves {self.socket_path}; use PcscdService.shared()"
            )
        reason = skip_reason()
        if reason is not None:
            raise RuntimeError(reason)
        pcscd = find_pcscd()
        driver = find_vpcd_driver()
        assert pcscd is not None and driver is not None
        use_private_socket(self.socket_path)
        if not self._cleanup_registered:
            # pcscd runs in its own session, so nothing else would stop it if
            # the test run ends without reaching stop().
            atexit.register(self._cleanup)
            self._cleanup_registered = True

        conf_dir = self.workdir / "reader.conf.d"
        conf_dir.mkdir(parents=True, exist_ok=True)
        (conf_dir / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME   /dev/null:0x{self.vpcd_port:X}\n"
            f"LIBPATH      {driver}\n"
            f"CHANNELID    0x{self.vpcd_port:X}\n"
        )
        listener = self._bind_socket()
        args = [pcscd, "--foreground", "--info", "--config", str(conf_dir)]
        if self.apdu_log:
            args += ["--debug", "--apdu"]
        with listener, open(self.log_path, "ab") as log:
            if listener.fileno() == _LISTEN_FD:
                os.set_inheritable(_LISTEN_FD, True)  # dup2 onto itself keeps CLOEXEC
            self._pid = os.posix_spawn(
                "/bin/sh",
                ["sh", "-c", _EXEC_WITH_LISTEN_PID, *args],
                {**os.environ, "LISTEN_FDS": "1"},
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, log.fileno(), 1),
                    (os.POSIX_SPAWN_DUP2, log.fileno(), 2),
                    (os.POSIX_SPAWN_DUP2, listener.fileno(), _LISTEN_FD),
                ],
                setsid=True,  # a Ctrl-C in pytest must not reach pcscd first
            )
        # Our copy of the listener is closed now: once pcscd exits, clients
        # must get "no service" instead of hanging on a socket nobody serves.
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        _live[self.socket_path] = self
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if _live.get(self.socket_path) is self:
            del _live[self.socket_path]
        pid, self._pid = self._pid, None
        if pid is not None and not self._reaped(pid):
            os.kill(pid, signal.SIGTERM)
            if not self._reaped(pid, timeout):
                os.kill(pid, signal.SIGKILL)
                self._reaped(pid, timeout)
        # Without the socket file libpcsclite fails fast with
        # SCARD_E_NO_SERVICE rather than trying to connect.
        Path(self.socket_path).unlink(missing_ok=True)

    @staticmethod
    def _reaped(pid: int, timeout: float = 0.0) -> bool:
        """Whether pcscd has exited (and is reaped), waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return True
            if done:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def _cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def wait_for_card(self, timeout: float = 10.0, slot: int = 0) -> str:
        """Wait until pcscd shows a card in the slot; return its "pcsc:" reader name."""
        if not self._poll_slot(slot, present=True, timeout=timeout):
            raise TimeoutError(f"no card in {self.reader_names[slot]!r} after {timeout} s")
        return "pcsc:" + self.reader_names[slot]

    def wait_for_removal(self, timeout: float = 10.0, slot: int = 0) -> None:
        """Wait until pcscd shows the slot empty (or is not running)."""
        if not self._poll_slot(slot, present=False, timeout=timeout):
            raise TimeoutError(f"card still in {self.reader_names[slot]!r} after {timeout} s")

    def _poll_slot(self, slot: int, *, present: bool, timeout: float) -> bool:
        from smartcard import scard

        reader = self.reader_names[slot]
        deadline = time.monotonic() + timeout
        while True:
            seen = False
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult == scard.SCARD_S_SUCCESS:
                try:
                    hresult, states = scard.SCardGetStatusChange(
                        context, 0, [(reader, scard.SCARD_STATE_UNAWARE)]
                    )
                    if hresult == scard.SCARD_S_SUCCESS:
                        seen = bool(states[0][1] & scard.SCARD_STATE_PRESENT)
                finally:
                    scard.SCardReleaseContext(context)
            if seen == present:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _bind_socket(self) -> socket.socket:
        self.workdir.mkdir(parents=True, exist_ok=True)
        Path(self.socket_path).unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.socket_path)
            os.chmod(self.socket_path, 0o666)  # pcscd's own socket is world-writable too
            listener.listen(16)
        except BaseException:
            listener.close()
            raise
        return listener

    def _wait_ready(self) -> None:
        from smartcard import scard

        deadline = time.monotonic() + self.ready_timeout
        readers: list[str] = []
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"pcscd exited during start-up:\n{self.log()}")
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult == scard.SCARD_S_SUCCESS:
                try:
                    hresult, readers = scard.SCardListReaders(context, [])
                finally:
                    scard.SCardReleaseContext(context)
                if hresult == scard.SCARD_S_SUCCESS and self.reader_names[0] in readers:
                    return
            time.sleep(0.05)
        raise RuntimeError(
            f"pcscd at {self.socket_path} did not list {self.reader_names[0]!r} within "
            f"{self.ready_timeout} s (saw {readers}). If this process used PC/SC before "
            "the service started, libpcsclite has cached another socket path.\n" + self.log()
        )

    def __enter__(self) -> PcscdService:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
