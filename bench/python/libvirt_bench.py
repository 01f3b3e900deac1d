#!/usr/bin/python3
"""python3-libvirt side of `npm run bench:libvirt` (bench/libvirt-list.bench.js).

ONE long-lived process: it opens one libvirt connection at start-up and then answers JSON commands, one per
line on stdin, with one JSON line on stdout each. Every timing is taken inside this process with
time.perf_counter_ns() around the libvirt calls only, so interpreter start-up, `import libvirt`, opening the
connection and the JSON pipe to Node are never measured.

Commands (all answers carry "ok": true, or "ok": false and "error"):
  {"op": "hello"}                                     -> versions
  {"op": "list_info", "iterations": N, "warmup": W}   -> listAllDomains(0) + dom.info() per domain
  {"op": "get_all_stats", "iterations": N, "warmup": W}
                                                      -> getAllDomainStats(VIR_DOMAIN_STATS_STATE, 0)
  {"op": "lifecycle", "name": ..., "uuid": ..., "xml": ...}
                                                      -> define / start / destroy / undefine of ONE domain
  {"op": "quit"}

Safety: the only commands that change anything are "lifecycle" ones, and they act only on a domain whose name
starts with the --prefix given on the command line and whose UUID the caller chose (the Node side records it
before sending the command, so it can clean up after us too). A name or UUID that already exists is refused.
Whatever this process defined and did not undefine is destroyed and undefined on exit, on SIGTERM and on
Ctrl-C — and only if the domain found under that UUID still carries the expected name.

Run by hand (Debian's python, which has python3-libvirt; not a pyenv one):
  echo '{"op":"get_all_stats","iterations":3,"warmup":1}' | /usr/bin/python3 bench/python/libvirt_bench.py \
      --prefix gureum-bench-manual-
"""

import argparse
import json
import platform
import signal
import sys
import time

try:
    import libvirt
except ImportError as exc:  # pragma: no cover - depends on the host
    sys.stdout.write(json.dumps({"ok": False, "error": f"cannot import libvirt with {sys.executable}: {exc}"}))
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.exit(3)


def _quiet(_ctx, _err):
    """libvirt prints every error on stderr by default; errors reach us as exceptions anyway."""


libvirt.registerErrorHandler(_quiet, None)


def ms_since(t0):
    return (time.perf_counter_ns() - t0) / 1e6


class Bench:
    def __init__(self, uri, prefix):
        if not prefix.startswith("gureum-bench-") or len(prefix) <= len("gureum-bench-"):
            raise ValueError(f"refusing a prefix that is not a per-run gureum-bench-<runid>- prefix: {prefix!r}")
        self.prefix = prefix
        self.conn = libvirt.open(uri)
        self.owned = {}  # uuid -> name: domains this process defined and has not undefined yet

    # ---- listing --------------------------------------------------------------------------------------------

    def _list_info(self):
        out = []
        for dom in self.conn.listAllDomains(0):
            try:
                info = dom.info()  # virDomainGetInfo: one round trip per domain
            except libvirt.libvirtError as err:
                # Another domain on the host vanished between the listing and its info(): count it as gone.
                if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    continue
                raise
            out.append((dom.name(), dom.UUIDString(), info[0]))
        return out

    def _get_all_stats(self):
        out = []
        for dom, stats in self.conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE, 0):
            out.append((dom.name(), dom.UUIDString(), stats.get("state.state"), stats.get("state.reason")))
        return out

    def _timed_loop(self, fn, iterations, warmup):
        rows = []
        for _ in range(warmup):
            rows = fn()
        samples = []
        for _ in range(iterations):
            t0 = time.perf_counter_ns()
            rows = fn()
            samples.append(ms_since(t0))
        matching = sum(1 for r in rows if r[0].startswith(self.prefix))
        states = sorted({r[2] for r in rows if r[0].startswith(self.prefix)})
        return {"samples_ms": samples, "count": len(rows), "matching": matching, "states": states}

    # ---- life cycle -----------------------------------------------------------------------------------------

    def _absent(self, name, uuid):
        for lookup, key in ((self.conn.lookupByName, name), (self.conn.lookupByUUIDString, uuid)):
            try:
                lookup(key)
            except libvirt.libvirtError as err:
                if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    continue
                raise
            raise RuntimeError(f"refusing to touch an existing domain ({key}); it was not created by this run")

    def lifecycle(self, name, uuid, xml):
        if not name.startswith(self.prefix):
            raise RuntimeError(f"refusing a domain outside this run's prefix {self.prefix!r}: {name!r}")
        self._absent(name, uuid)
        self.owned[uuid] = name
        out = {}

        t0 = time.perf_counter_ns()
        dom = self.conn.defineXMLFlags(xml, 0)
        out["define_ms"] = ms_since(t0)
        if dom.UUIDString() != uuid or dom.name() != name:
            raise RuntimeError(f"defined domain is {dom.name()}/{dom.UUIDString()}, expected {name}/{uuid}")

        t0 = time.perf_counter_ns()
        dom.createWithFlags(0)
        out["start_ms"] = ms_since(t0)

        # virDomainDestroy returns once QEMU is gone; the state check confirms "shut off" (same on the Node side).
        t0 = time.perf_counter_ns()
        dom.destroyFlags(0)
        while dom.state(0)[0] != libvirt.VIR_DOMAIN_SHUTOFF:
            time.sleep(0.001)
        out["destroy_ms"] = ms_since(t0)

        t0 = time.perf_counter_ns()
        dom.undefineFlags(0)
        out["undefine_ms"] = ms_since(t0)
        del self.owned[uuid]
        return out

    def cleanup(self):
        """Destroys and undefines what this process defined (and only that). Returns the names removed."""
        removed = []
        for uuid, name in list(self.owned.items()):
            try:
                dom = self.conn.lookupByUUIDString(uuid)
            except libvirt.libvirtError as err:
                if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    del self.owned[uuid]
                    continue
                sys.stderr.write(f"libvirt_bench.py: cleanup lookup of {name}: {err}\n")
                continue
            if dom.name() != name:
                sys.stderr.write(f"libvirt_bench.py: refusing to touch {dom.name()} (expected {name})\n")
                continue
            try:
                if dom.isActive():
                    dom.destroyFlags(0)
                dom.undefineFlags(0)
                removed.append(name)
                del self.owned[uuid]
            except libvirt.libvirtError as err:
                sys.stderr.write(f"libvirt_bench.py: cleanup of {name}: {err}\n")
        return removed

    # ---- command loop ---------------------------------------------------------------------------------------

    def handle(self, cmd):
        op = cmd.get("op")
        if op == "hello":
            return {
                "python": platform.python_version(),
                "executable": sys.executable,
                "bindings": libvirt.getVersion(),
                "daemon": self.conn.getLibVersion(),
            }
        if op == "list_info":
            return self._timed_loop(self._list_info, int(cmd["iterations"]), int(cmd.get("warmup", 0)))
        if op == "get_all_stats":
            return self._timed_loop(self._get_all_stats, int(cmd["iterations"]), int(cmd.get("warmup", 0)))
        if op == "lifecycle":
            return self.lifecycle(cmd["name"], cmd["uuid"], cmd["xml"])
        raise ValueError(f"unknown op {op!r}")


def reply(obj):
    sys.stdout.write(json.dumps(obj))
    sys.stdout.write("\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uri", default="qemu:///system")
    parser.add_argument("--prefix", required=True, help="this run's domain name prefix: gureum-bench-<runid>-")
    args = parser.parse_args()

    def on_term(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    bench = None
    try:
        bench = Bench(args.uri, args.prefix)
        reply({"ok": True, "ready": True})
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                cmd = json.loads(line)
                if cmd.get("op") == "quit":
                    break
                reply({"ok": True, **bench.handle(cmd)})
            except Exception as err:  # report and keep serving; the Node side decides what to do
                reply({"ok": False, "error": f"{type(err).__name__}: {err}"})
    except KeyboardInterrupt:
        pass
    except Exception as err:  # e.g. the connection cannot be opened: say so on the protocol channel
        reply({"ok": False, "error": f"{type(err).__name__}: {err}"})
        raise SystemExit(2) from err
    finally:
        # A second Ctrl-C or the Node side's SIGTERM must not interrupt the clean-up itself.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if bench is not None:
            removed = bench.cleanup()
            if removed:
                sys.stderr.write(f"libvirt_bench.py: cleaned up {', '.join(removed)}\n")
            try:
                bench.conn.close()
            except libvirt.libvirtError:
                pass


if __name__ == "__main__":
    main()
