#!/usr/bin/env bash
# Idempotent host set-up for Gureum: libvirt + QEMU (+ tools for test guests, PostgreSQL and chromium when asked).
# Safe to run again: it installs only what is missing, starts only daemons that are not running and never
# kills a process it did not start. A second run takes about a second.
#
#   scripts/setup-host.sh            libvirt host only (what `npm start` needs)
#   scripts/setup-host.sh --dev      + test-guest tools, PostgreSQL, chromium, python3-libvirt (tests, benchmarks)
set -euo pipefail

DEV=0
for a in "$@"; do case "$a" in --dev) DEV=1 ;; *) echo "unknown option: $a" >&2; exit 2 ;; esac; done

GUREUM_STATE_DIR=${GUREUM_STATE_DIR:-/var/lib/gureum}
GUREUM_STORAGE_DIR=${GUREUM_STORAGE_DIR:-$GUREUM_STATE_DIR/storage}
HOST_ENV=$GUREUM_STATE_DIR/host.env
LIBVIRT_URI=qemu:///system

log() { printf '[setup] %s\n' "$*"; }
need_root() { [ "$(id -u)" = 0 ] || { echo "setup-host.sh must run as root (it installs packages and starts libvirtd)" >&2; exit 1; }; }
need_root

BASE_PKGS=(qemu-system-x86 qemu-utils libvirt-daemon libvirt-daemon-driver-qemu
  libvirt-clients ovmf genisoimage dnsmasq-base iptables libvirt-daemon-config-nwfilter tini)
DEV_PKGS=(busybox-static cpio kmod fdisk dosfstools mtools syslinux syslinux-common isolinux xorriso e2fsprogs
  postgresql chromium python3-libvirt curl libxml2-utils)

missing_pkgs() {
  local p out=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || out+=("$p")
  done
  printf '%s\n' "${out[@]:-}"
}

install_pkgs() {
  local missing
  mapfile -t missing < <(missing_pkgs "$@" | sed '/^$/d')
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  if [ ! -f /var/lib/gureum/.apt-updated ] || [ -n "$(find /var/lib/gureum/.apt-updated -mmin +360 2>/dev/null)" ]; then
    apt-get update -qq
    mkdir -p /var/lib/gureum && touch /var/lib/gureum/.apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# iptables must be present before libvirtd starts for the first time: libvirtd caches a firewall set-up failure.
install_pkgs "${BASE_PKGS[@]}"
[ "$DEV" = 1 ] && install_pkgs "${DEV_PKGS[@]}"

# The qemu driver resolves its built-in default user at start-up even when qemu.conf overrides it.
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -d /var/lib/libvirt -M -s /usr/sbin/nologin libvirt-qemu
mkdir -p /etc/libvirt /var/log/libvirt /var/lib/libvirt/images "$GUREUM_STATE_DIR" "$GUREUM_STORAGE_DIR"

QEMU_CONF=$'user = "root"\ngroup = "root"\nsecurity_driver = "none"\n'
qemu_conf_changed=0
if [ "$(cat /etc/libvirt/qemu.conf 2>/dev/null)" != "${QEMU_CONF%$'\n'}" ]; then
  printf '%s' "$QEMU_CONF" > /etc/libvirt/qemu.conf; qemu_conf_changed=1
fi

alive() { local pid; pid=$(cat "$1" 2>/dev/null) || return 1; [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; }

if [ -d /run/systemd/system ] && [ "$(cat /proc/1/comm)" = systemd ]; then
  systemctl enable --now virtlogd.socket libvirtd.socket >/dev/null 2>&1 || true
  systemctl start virtlogd libvirtd
  [ "$qemu_conf_changed" = 1 ] && systemctl restart libvirtd
else
  alive /run/virtlogd.pid virtlogd || { log "starting virtlogd"; virtlogd -d; }
  if [ "$qemu_conf_changed" = 1 ] && alive /run/libvirtd.pid libvirtd; then
    log "qemu.conf changed: libvirtd must be restarted by hand to pick it up (pid $(cat /run/libvirtd.pid))"
  fi
  if ! alive /run/libvirtd.pid libvirtd; then
    # tini -s makes libvirtd's supervisor a child subreaper, so exited QEMU processes are reaped at once
    # instead of waiting for PID 1 (which reaps late here: a destroy took 1.2-2 s). See docs/adr/0002.
    log "starting libvirtd (under tini -s)"
    setsid tini -s -- libvirtd --pid-file /run/libvirtd.pid </dev/null >>/var/log/libvirt/libvirtd.stdout 2>&1 &
  fi
fi

i=0
until virsh -c "$LIBVIRT_URI" version >/dev/null 2>&1; do
  i=$((i+1)); [ $i -lt 600 ] || { echo "libvirtd did not answer in 60 s; see /var/log/libvirt/libvirtd.log" >&2; exit 1; }
  sleep 0.1
done

# KVM probe: /dev/kvm and the capabilities may list 'kvm' while type='kvm' guests hang at start. Probe for real:
# a transient kvm domain with no disk must print SeaBIOS output on its serial port within a few seconds.
probe_kvm() {
  [ -c /dev/kvm ] || { echo "no /dev/kvm"; return 1; }
  virsh -c "$LIBVIRT_URI" capabilities 2>/dev/null | grep -q "domain type='kvm'" || { echo "libvirt lists no kvm domain type"; return 1; }
  local name="gureum-kvm-probe-$$" out; out=$(mktemp /tmp/gureum-kvm-probe.XXXXXX)
  local xml
  xml="<domain type='kvm'><name>$name</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
<devices><serial type='file'><source path='$out'/></serial><memballoon model='none'/></devices></domain>"
  local xf; xf=$(mktemp); printf '%s' "$xml" > "$xf"
  local ok=1
  if virsh -c "$LIBVIRT_URI" create "$xf" >/dev/null 2>&1; then
    for _ in $(seq 1 50); do grep -q SeaBIOS "$out" 2>/dev/null && { ok=0; break; }; sleep 0.1; done
    virsh -c "$LIBVIRT_URI" destroy "$name" >/dev/null 2>&1 || true
  fi
  rm -f "$xf" "$out"
  [ $ok = 0 ] || echo "a kvm domain started but printed nothing in 5 s"
  return $ok
}

if [ ! -f "$HOST_ENV" ]; then
  if reason=$(probe_kvm); then
    printf 'GUREUM_DOMAIN_TYPE=kvm\n' > "$HOST_ENV"; log "KVM works: domain type kvm"
  else
    printf 'GUREUM_DOMAIN_TYPE=qemu\nGUREUM_KVM_UNUSABLE_REASON=%q\n' "$reason" > "$HOST_ENV"
    log "KVM unusable ($reason): domain type qemu (TCG)"
  fi
fi

if [ "$DEV" = 1 ]; then
  # PostgreSQL for the database tests: local cluster on 127.0.0.1:5432, role and db gureum/gureum.
  if ! pg_lsclusters -h 2>/dev/null | grep -q .; then pg_createcluster 15 main >/dev/null; fi
  if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
    log "starting PostgreSQL"; pg_ctlcluster 15 main start
  fi
  if ! su postgres -c "psql -tAc \"select 1 from pg_roles where rolname='gureum'\"" | grep -q 1; then
    su postgres -c "psql -qc \"CREATE ROLE gureum LOGIN CREATEDB PASSWORD 'gureum'\""
  fi
  if ! su postgres -c "psql -tAc \"select 1 from pg_database where datname='gureum'\"" | grep -q 1; then
    su postgres -c "createdb -O gureum gureum"
  fi
fi
log "ok: libvirt $(virsh -c "$LIBVIRT_URI" version 2>/dev/null | awk '/library/{print $NF; exit}'), $(cat "$HOST_ENV" | head -1)"
