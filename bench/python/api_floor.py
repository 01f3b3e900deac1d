#!/usr/bin/python3
"""python3-libvirt side of `npm run bench:api` (bench/api.bench.js): the libvirt FLOORS the API is compared with.

ONE long-lived process per role: it opens one libvirt connection at start-up and then answers JSON commands, one per
line on stdin, with one JSON line on stdout each. Timings are taken inside this process with
time.perf_counter_ns() around the libvirt calls only (interpreter start-up, `import libvirt`, opening the
connection and the JSON pipe to Node are never measured).

Two roles, so that the event machinery never slows the measured calls down:
  (default)  listing and create-to-running floors; no event loop is registered.
  --events   registers libvirt's default event loop (a thread) and a lifecycle callback on its own connection, and
             records when each lifecycle event of this run's domains arrived, as CLOCK_MONOTONIC nanoseconds
             (time.monotonic_ns(), the clock Node's process.hrtime.bigint() reads too), so the Node side can compare
             it with when `virsh destroy` returned and when the API's WebSocket delivered vm.stopped.

Commands (all answers carry "ok": true, or "ok": false and "error"):
  {"op": "hello"}                                   -> versions
  {"op": "list_info", "prefix": P, "iterations": N, "warmup": W}
        -> listAllDomains(0), then dom.info() for each domain whose name starts with P (the run's own domains)
  {"op": "dumpxml", "name": N}                      -> the inactive XML of one of this run's domains (a template)
  {"op": "volume_path", "pool": P, "name": V}       -> path of a volume in one of this run's pools
  {"op": "create_run", "name", "uuid", "template", "pool", "volume", "capacity", "backing_path", "backing_format",
   "serial_log"}
        -> timed: storageVolCreateXML (qcow2 overlay) + defineXML + create(), then dom.state() until running
  {"op": "remove", "name", "uuid", "pool", "volume"} -> destroy + undefine + delete the volume (not timed)
  {"op": "take_stopped", "name": N, "after_ns": "<monotonic ns>", "timeout_ms": T} (--events only)
        -> waits for the first STOPPED lifecycle event of N that arrived at or after after_ns; returns its arrival
           time (monotonic ns, as a string: it does not fit a JSON double)
  {"op": "purge"}                                   -> removes every domain named <--prefix>* and every pool named
                                                       <--pool-prefix>* (with all their volumes); reports leftovers
  {"op": "quit"}

Safety: nothing outside this run is ever touched. Domains are created, removed and purged only when their name starts
with --prefix (gureum-bench-<runid>-), pools only when their name starts with --pool-prefix (bench-<runid>-); both
prefixes are checked for that shape at start-up. Whatever this process defined and did not remove is removed on exit,
on SIGTERM and on Ctrl-C.

Run by hand (Debian's python, which has python3-libvirt; not a pyenv one):
  echo '{"op":"list_info","prefix":"gureum-bench-x-","iterations":3,"warmup":1}' | \\
      /usr/bin/python3 bench/python/api_floor.py --prefix gureum-bench-x- --pool-prefix bench-x-
"""

import argparse
import json
import platform
import re
import signal
import sys
import threading
import time
import xml.etree.ElementTree as ET

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


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


class Floor:
    def __init__(self, uri, prefix, pool_prefix, events):
        if not re.fullmatch(r"gureum-bench-[a-z0-9]+-", prefix):
            raise ValueError(f"refusing a prefix that is not a per-run gureum-bench-<runid>- prefix: {prefix!r}")
        if not re.fullmatch(r"bench-[a-z0-9]+-", pool_prefix):
            raise ValueError(f"refusing a pool prefix that is not a per-run bench-<runid>- prefix: {pool_prefix!r}")
        self.prefix = prefix
        self.pool_prefix = pool_prefix
        self.owned = {}  # uuid -> (name, pool, volume): created here and not removed yet
        self.events = None
        if events:
            self.events = {"lock": threading.Condition(), "seen": []}
            libvirt.virEventRegisterDefaultImpl()
            threading.Thread(target=self._event_loop, name="libvirt-events", daemon=True).start()
        self.conn = libvirt.open(uri)
        if events:
            self.conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_lifecycle, None)

    # ---- events (--events) ------------------------------------------------------------------------------------

    @staticmethod
    def _event_loop():
        while True:
            libvirt.virEventRunDefaultImpl()

    def _on_lifecycle(self, _conn, dom, event, detail, _opaque):
        at = time.monotonic_ns()
        name = dom.name()
        if not name.startswith(self.prefix):
            return
        with self.events["lock"]:
            self.events["seen"].append((name, event, detail, at))
            self.events["lock"].notify_all()

    def take_stopped(self, name, after_ns, timeout_ms):
        """The first STOPPED event of `name` that arrived at or after `after_ns` (monotonic); older ones are dropped."""
        if self.events is None:
            raise RuntimeError("take_stopped needs --events")
        deadline = time.monotonic() + timeout_ms / 1000
        cond = self.events["lock"]
        with cond:
            while True:
                seen = self.events["seen"]
                for i, (n, event, detail, at) in enumerate(seen):
                    if n == name and event == libvirt.VIR_DOMAIN_EVENT_STOPPED and at >= after_ns:
                        del seen[: i + 1]
                        return {"at_ns": str(at), "detail": detail}
                del seen[: max(0, len(seen) - 1000)]  # bounded: events of other domains of this run
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no STOPPED event for {name} within {timeout_ms} ms")
                cond.wait(left)

    # ---- listing ----------------------------------------------------------------------------------------------

    def _list_info(self, prefix):
        out = []
        for dom in self.conn.listAllDomains(0):
            name = dom.name()  # cached in the handle: no round trip
            if name.startswith(prefix):
                info = dom.info()  # virDomainGetInfo: one round trip per domain
                out.append((name, info[0]))
        return out

    def list_info(self, prefix, iterations, warmup):
        if not prefix.startswith(self.prefix):
            raise RuntimeError(f"refusing to list outside this run's prefix {self.prefix!r}: {prefix!r}")
        rows = []
        for _ in range(warmup):
            rows = self._list_info(prefix)
        samples = []
        for _ in range(iterations):
            t0 = time.perf_counter_ns()
            rows = self._list_info(prefix)
            samples.append(ms_since(t0))
        return {"samples_ms": samples, "matching": len(rows), "states": sorted({r[1] for r in rows})}

    # ---- create-to-running ------------------------------------------------------------------------------------

    def _check_name(self, name):
        if not name.startswith(self.prefix):
            raise RuntimeError(f"refusing a domain outside this run's prefix {self.prefix!r}: {name!r}")

    def _check_pool(self, pool):
        if not pool.startswith(self.pool_prefix):
            raise RuntimeError(f"refusing a pool outside this run's prefix {self.pool_prefix!r}: {pool!r}")

    def dumpxml(self, name):
        self._check_name(name)
        return self.conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)

    def volume_path(self, pool, name):
        self._check_pool(pool)
        return self.conn.storagePoolLookupByName(pool).storageVolLookupByName(name).path()

    def _domain_xml(self, template, name, uuid, disk_path, serial_log):
        """The template (a domain the API defined) with this domain's name, uuid, disk and serial log."""
        root = ET.fromstring(template)
        root.find("name").text = name
        root.find("uuid").text = uuid
        meta = root.find("metadata")
        if meta is not None:
            root.remove(meta)
        disks = [d for d in root.iter("disk") if d.get("device") == "disk"]
        if len(disks) != 1:
            raise RuntimeError(f"the template has {len(disks)} disks, expected 1")
        disks[0].find("source").set("file", disk_path)
        for log in root.iter("log"):
            log.set("file", serial_log)
        return ET.tostring(root, encoding="unicode")

    def create_run(self, cmd):
        name, uuid, pool_name, volume = cmd["name"], cmd["uuid"], cmd["pool"], cmd["volume"]
        self._check_name(name)
        self._check_pool(pool_name)
        for lookup, key in ((self.conn.lookupByName, name), (self.conn.lookupByUUIDString, uuid)):
            try:
                lookup(key)
            except libvirt.libvirtError as err:
                if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    continue
                raise
            raise RuntimeError(f"refusing to touch an existing domain ({key}); it was not created by this run")
        # Everything that is not a libvirt call is prepared before the clock starts.
        pool = self.conn.storagePoolLookupByName(pool_name)
        pool_dir = ET.fromstring(pool.XMLDesc(0)).find("target/path").text.rstrip("/")
        disk_path = f"{pool_dir}/{volume}"
        vol_xml = (
            f"<volume><name>{esc(volume)}</name><capacity unit='bytes'>{int(cmd['capacity'])}</capacity>"
            f"<target><format type='qcow2'/></target>"
            f"<backingStore><path>{esc(cmd['backing_path'])}</path>"
            f"<format type='{esc(cmd['backing_format'])}'/></backingStore></volume>"
        )
        dom_xml = self._domain_xml(cmd["template"], name, uuid, disk_path, cmd["serial_log"])
        self.owned[uuid] = (name, pool_name, volume)
        out = {}

        t_start = time.perf_counter_ns()
        vol = pool.createXML(vol_xml, 0)
        out["volume_ms"] = ms_since(t_start)
        if vol.path() != disk_path:
            raise RuntimeError(f"volume created at {vol.path()}, expected {disk_path}")

        t0 = time.perf_counter_ns()
        dom = self.conn.defineXML(dom_xml)
        out["define_ms"] = ms_since(t0)
        if dom.UUIDString() != uuid or dom.name() != name:
            raise RuntimeError(f"defined domain is {dom.name()}/{dom.UUIDString()}, expected {name}/{uuid}")

        t0 = time.perf_counter_ns()
        dom.create()
        out["start_ms"] = ms_since(t0)
        polls = 0
        while dom.state(0)[0] != libvirt.VIR_DOMAIN_RUNNING:
            polls += 1
            time.sleep(0.001)
        out["total_ms"] = ms_since(t_start)
        out["state_polls"] = polls
        return out

    def remove(self, name, uuid, pool_name, volume):
        self._check_name(name)
        self._check_pool(pool_name)
        try:
            dom = self.conn.lookupByUUIDString(uuid)
        except libvirt.libvirtError as err:
            if err.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise
            dom = None
        if dom is not None:
            if dom.name() != name:
                raise RuntimeError(f"refusing to touch {dom.name()} (expected {name})")
            if dom.isActive():
                dom.destroyFlags(0)
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        try:
            self.conn.storagePoolLookupByName(pool_name).storageVolLookupByName(volume).delete(0)
        except libvirt.libvirtError as err:
            if err.get_error_code() not in (libvirt.VIR_ERR_NO_STORAGE_VOL, libvirt.VIR_ERR_NO_STORAGE_POOL):
                raise
        self.owned.pop(uuid, None)
        return {}

    # ---- clean-up ---------------------------------------------------------------------------------------------

    def purge(self):
        """Every domain and pool of this run (by prefix), however it was created: the last line of clean-up."""
        report = {"domains": 0, "volumes": 0, "pools": 0, "errors": [], "left_domains": [], "left_pools": []}
        flags = (
            libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
            | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
            | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
        )
        for dom in self.conn.listAllDomains(0):
            if not dom.name().startswith(self.prefix):
                continue
            try:
                if dom.isActive():
                    dom.destroyFlags(0)
                if dom.isPersistent():
                    dom.undefineFlags(flags)
                report["domains"] += 1
            except libvirt.libvirtError as err:
                if err.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                    report["errors"].append(f"{dom.name()}: {err}")
        for pool in self.conn.listAllStoragePools(0):
            if not pool.name().startswith(self.pool_prefix):
                continue
            try:
                if pool.isActive():
                    pool.refresh(0)
                    for vol in pool.listAllVolumes(0):
                        vol.delete(0)
                        report["volumes"] += 1
                    pool.destroy()
                if pool.isPersistent():
                    pool.undefine()
                report["pools"] += 1
            except libvirt.libvirtError as err:
                report["errors"].append(f"pool {pool.name()}: {err}")
        report["left_domains"] = [d.name() for d in self.conn.listAllDomains(0) if d.name().startswith(self.prefix)]
        report["left_pools"] = [
            p.name() for p in self.conn.listAllStoragePools(0) if p.name().startswith(self.pool_prefix)
        ]
        self.owned.clear()
        return report

    def cleanup(self):
        """Removes what this process created and did not remove (and only that). Returns the names removed."""
        removed = []
        for uuid, (name, pool, volume) in list(self.owned.items()):
            try:
                self.remove(name, uuid, pool, volume)
                removed.append(name)
            except Exception as err:  # keep going: the Node side's purge is the last line
                sys.stderr.write(f"api_floor.py: cleanup of {name}: {err}\n")
        return removed

    # ---- command loop -----------------------------------------------------------------------------------------

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
            return self.list_info(cmd["prefix"], int(cmd["iterations"]), int(cmd.get("warmup", 0)))
        if op == "dumpxml":
            return {"xml": self.dumpxml(cmd["name"])}
        if op == "volume_path":
            return {"path": self.volume_path(cmd["pool"], cmd["name"])}
        if op == "create_run":
            return self.create_run(cmd)
        if op == "remove":
            return self.remove(cmd["name"], cmd["uuid"], cmd["pool"], cmd["volume"])
        if op == "take_stopped":
            return self.take_stopped(cmd["name"], int(cmd.get("after_ns", "0")), int(cmd.get("timeout_ms", 10000)))
        if op == "purge":
            return self.purge()
        raise ValueError(f"unknown op {op!r}")


def reply(obj):
    sys.stdout.write(json.dumps(obj))
    sys.stdout.write("\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uri", default="qemu:///system")
    parser.add_argument("--prefix", required=True, help="this run's domain name prefix: gureum-bench-<runid>-")
    parser.add_argument("--pool-prefix", required=True, help="this run's pool name prefix: bench-<runid>-")
    parser.add_argument("--events", action="store_true", help="record lifecycle events (event loop thread)")
    args = parser.parse_args()

    def on_term(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    floor = None
    try:
        floor = Floor(args.uri, args.prefix, args.pool_prefix, args.events)
        reply({"ok": True, "ready": True})
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                cmd = json.loads(line)
                if cmd.get("op") == "quit":
                    break
                reply({"ok": True, **floor.handle(cmd)})
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
        if floor is not None:
            removed = floor.cleanup()
            if removed:
                sys.stderr.write(f"api_floor.py: cleaned up {', '.join(removed)}\n")
            try:
                floor.conn.close()
            except libvirt.libvirtError:
                pass


if __name__ == "__main__":
    main()
