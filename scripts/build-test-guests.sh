#!/usr/bin/env bash
# Builds the tiny real guests used by Gureum's automated tests (see packages/test-support/README.md and
# shared/TEST-GUESTS.md): a Debian cloud kernel + a busybox initramfs whose /init is scripts/test-guests/init.
#
#   scripts/build-test-guests.sh        build if any input changed, else print one line and exit (~0.1 s)
#
# Output: ${GUREUM_TEST_GUESTS_DIR:-<repo>/.cache/test-guests}/
#   vmlinuz, initrd.gz   direct kernel boot (behaviour picked with tg.*= kernel arguments)
#   disk.qcow2           64 MiB bootable disk (syslinux MBR, vfat p1, ext4 p2 "tg-data"): TG-READY, then holds
#                        (root shell on ttyS0, ACPI power button -> poweroff), DHCP on eth0 in the background
#   install.iso          hybrid isolinux ISO: installs itself onto a blank vda, prints TG-INSTALLED id=..,
#                        reboots; then (also with the ISO still first in the boot order) boots from vda
#   manifest.json        { inputsHash, kernelVersion, builtAt, files: { name: { bytes, sha256 } } }
# Downloaded .debs (and the cached apt resolution) live next to it in <dir>.dl/ and survive rebuilds.
#
# Inputs hashed: this script, scripts/test-guests/*, the kernel package + version apt chooses, the versions of
# busybox-static, syslinux, isolinux, xorriso, qemu-guest-agent and the host libraries copied with qemu-ga.
# A build happens in a temp dir beside the output and replaces the output dir by rename, so an interrupted build
# never leaves a half-written cache; concurrent runs serialise on <dir>.lock. Runs as root.
# Only Debian packages are downloaded (apt-get download); no other network access.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
SRC=$HERE/test-guests
OUT=${GUREUM_TEST_GUESTS_DIR:-$REPO/.cache/test-guests}
OUT=${OUT%/}
DL=$OUT.dl
KMETA=${GUREUM_TEST_GUESTS_KERNEL_META:-linux-image-cloud-amd64}
TOOL_PKGS=(busybox-static syslinux isolinux xorriso)
MODS="virtio_pci virtio_blk virtio_scsi virtio_net sr_mod isofs ata_piix button evdev"
# qemu-guest-agent in the initramfs (initrd 1.7 -> 4.3 MB, boot time unchanged within noise):
# GUREUM_TEST_GUESTS_AGENT=0 leaves it out
AGENT=${GUREUM_TEST_GUESTS_AGENT:-1}
AGENT_LIB_PKGS=(libc6 libglib2.0-0 libudev1 libnuma1 liburing2 libpcre2-8-0)
[ "$AGENT" = 1 ] && MODS="$MODS virtio_console"
CMDLINE_BASE="console=tty0 console=ttyS0 quiet panic=-1"

log() { printf '[test-guests] %s\n' "$*" >&2; }
die() { printf '[test-guests] error: %s\n' "$*" >&2; exit 1; }

# --- kernel package resolution (apt-cache costs ~0.8 s here: cached, keyed by the apt lists' stat data) ---
apt_lists_fp() { stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* 2>/dev/null | sha256sum | cut -c1-16; }
resolve_kernel() {
  local fp show dep; fp=$(apt_lists_fp)
  if [ -f "$DL/resolved" ] && [ "$(sed -n 1p "$DL/resolved")" = "fp=$fp" ]; then
    KPKG=$(sed -n 2p "$DL/resolved"); KDEBVER=$(sed -n 3p "$DL/resolved"); GAVER=$(sed -n 4p "$DL/resolved")
    [ -n "$KPKG" ] && [ -n "$KDEBVER" ] && [ -n "$GAVER" ] && return 0
  fi
  for try in 1 2; do
    show=$(apt-cache show --no-all-versions "$KMETA" qemu-guest-agent 2>/dev/null) || true
    dep=$(sed -n 's/^Depends: .*\(linux-image-[^ ,]*\) (= \([^)]*\)).*/\1 \2/p' <<<"$show" | head -n1)
    GAVER=$(awk '/^Package: qemu-guest-agent$/{p=1} p&&/^Version: /{print $2; exit}' <<<"$show")
    [ -n "$dep" ] && [ -n "$GAVER" ] && break
    [ $try = 1 ] || die "cannot resolve the kernel package behind $KMETA (or qemu-guest-agent)"
    log "apt-cache knows no $KMETA/qemu-guest-agent: running apt-get update"
    apt-get update -qq >/dev/null; fp=$(apt_lists_fp)
  done
  KPKG=${dep% *}; KDEBVER=${dep#* }
  mkdir -p "$DL"
  printf 'fp=%s\n%s\n%s\n%s\n' "$fp" "$KPKG" "$KDEBVER" "$GAVER" >"$DL/resolved.tmp" && mv -f "$DL/resolved.tmp" "$DL/resolved"
}

inputs_hash() {
  {
    sha256sum <"$HERE/build-test-guests.sh"
    (cd "$SRC" && find . -type f | LC_ALL=C sort | xargs sha256sum)
    echo "kernel=$KPKG=$KDEBVER agent=$AGENT"
    [ "$AGENT" = 1 ] && { echo "qemu-guest-agent=$GAVER"; dpkg-query -W -f='${Package}=${Version}\n' "${AGENT_LIB_PKGS[@]}" 2>/dev/null; }
    dpkg-query -W -f='${Package}=${Version}\n' "${TOOL_PKGS[@]}" 2>/dev/null || echo "tools=missing"
  } | sha256sum | cut -c1-64
}

up_to_date() {
  local f
  [ -f "$OUT/manifest.json" ] && grep -q "\"inputsHash\": \"$HASH\"" "$OUT/manifest.json" || return 1
  for f in vmlinuz initrd.gz disk.qcow2 install.iso; do [ -s "$OUT/$f" ] || return 1; done
}

[ "$(id -u)" = 0 ] || die "must run as root"
resolve_kernel
HASH=$(inputs_hash)
if up_to_date; then echo "test guests up to date: $OUT (${HASH:0:12}, $KPKG $KDEBVER)"; exit 0; fi

mkdir -p "$(dirname "$OUT")" "$DL"
exec 9>"$OUT.lock"
flock 9                                   # parallel test workers: one builds, the others wait and reuse
if up_to_date; then echo "test guests up to date: $OUT (${HASH:0:12}, $KPKG $KDEBVER)"; exit 0; fi

T0=$(date +%s.%N)
for c in busybox cpio gzip depmod modprobe sfdisk mkfs.vfat mcopy syslinux mke2fs xorriso qemu-img dpkg-deb; do
  command -v "$c" >/dev/null || die "missing $c: run scripts/setup-host.sh --dev"
done
for f in /bin/busybox /usr/lib/syslinux/mbr/mbr.bin /usr/lib/ISOLINUX/isolinux.bin /usr/lib/ISOLINUX/isohdpfx.bin \
  /usr/lib/syslinux/modules/bios/ldlinux.c32 /usr/lib/syslinux/modules/bios/chain.c32; do
  [ -f "$f" ] || die "missing $f: run scripts/setup-host.sh --dev"
done
file_is_static() { ! LC_ALL=C ldd "$1" >/dev/null 2>&1; }
file_is_static /bin/busybox || die "/bin/busybox is not static (install busybox-static)"

rm -rf "$OUT".build.* "$OUT".old.*          # left by a killed build (we hold the lock)
W=$(mktemp -d "$OUT.build.XXXXXX")
trap 'rm -rf "$W"' EXIT

# --- 1. kernel (+ agent) .deb, kept in $DL/<package>=<version>/ (only the chosen versions) ---
fetch_deb() {  # package version glob-prefix -> prints the .deb path
  local dir=$DL/$1=$2 d
  if ! ls "$dir"/"$1"_*.deb >/dev/null 2>&1; then
    log "downloading $1 $2"
    rm -rf "$dir.partial"; mkdir -p "$dir.partial"
    (cd "$dir.partial" && apt-get download -q -o APT::Sandbox::User=root "$1=$2" >/dev/null)
    rm -rf "$dir"; mv "$dir.partial" "$dir"
  fi
  for d in "$DL/$3"*=*; do [ "$d" = "$dir" ] || rm -rf "$d"; done
  ls "$dir"/"$1"_*.deb | head -n1
}
KDEB=$(fetch_deb "$KPKG" "$KDEBVER" linux-image-)
K=$W/k
dpkg-deb -x "$KDEB" "$K"
KVER=$(ls "$K/lib/modules" | head -n1)
[ -f "$K/boot/vmlinuz-$KVER" ] || die "no vmlinuz-$KVER in $KDEB"
depmod -b "$K" "$KVER"                    # the .deb has no modules.dep

# --- 2. initramfs ---
R=$W/root
mkdir -p "$R"/{bin,dev,proc,sys,mnt,etc/acpi/PWRF,tmp,var/run,lib/modules/"$KVER"}
cp /bin/busybox "$R/bin/"
mknod -m 600 "$R/dev/console" c 5 1
for ko in $(modprobe -d "$K" -S "$KVER" --show-depends -a $MODS | awk '$1=="insmod"{print $2}' | sort -u); do
  rel=${ko#"$K"/}; mkdir -p "$R/$(dirname "$rel")"; cp "$ko" "$R/$rel"
done
cp "$K/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$KVER/"
if [ "$AGENT" = 1 ]; then                 # qemu-ga + the host's copies of the libraries it links (ldd)
  GADEB=$(fetch_deb qemu-guest-agent "$GAVER" qemu-guest-agent)
  mkdir -p "$W/ga" "$R/usr/sbin"
  dpkg-deb --fsys-tarfile "$GADEB" | tar -x -C "$W/ga" ./usr/sbin/qemu-ga
  mv "$W/ga/usr/sbin/qemu-ga" "$R/usr/sbin/"; rm -rf "$W/ga"
  for lib in $(ldd "$R/usr/sbin/qemu-ga" | awk '$2=="=>"&&$3~/^\//{print $3} $1~/^\/.*ld-linux/{print $1}'); do
    [ -f "$lib" ] || die "qemu-ga needs $lib"
    mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"
  done
  if ldd "$R/usr/sbin/qemu-ga" | grep -q 'not found'; then die "qemu-ga: a library is missing on this host"; fi
fi
depmod -b "$R" "$KVER"
echo "$MODS" >"$R/etc/tg-modules"
install -m755 "$SRC/init" "$R/init"
install -m755 "$SRC/udhcpc.sh" "$R/etc/udhcpc.sh"
printf '#!/bin/sh\n# busybox acpid: ACPI power button (virsh shutdown) -> clean poweroff via PID 1\npoweroff\n' >"$R/etc/acpi/PWRF/00000080"
mkdir -p "$R/sbin"                        # qemu-ga's guest-shutdown runs "/sbin/shutdown -P|-H|-r +0 ..."
printf '#!/bin/sh\ncase " $* " in *" -r "*) exec reboot ;; *) exec poweroff ;; esac\n' >"$R/sbin/shutdown"
chmod 755 "$R/etc/acpi/PWRF/00000080" "$R/sbin/shutdown"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9 -n) >"$W/initrd.gz"
cp "$K/boot/vmlinuz-$KVER" "$W/vmlinuz"
rm -rf "$K" "$R"

# --- 3. disk.qcow2: syslinux MBR, p1 vfat (kernel, initrd), p2 ext4 "tg-data" with /count ---
P1_START=2048; P1_SECTORS=81920; P2_START=$((P1_START + P1_SECTORS)); DISK_MIB=64
truncate -s ${DISK_MIB}M "$W/disk.raw"
printf 'label: dos\nstart=%s, size=%s, type=6, bootable\nstart=%s, type=83\n' $P1_START $P1_SECTORS $P2_START \
  | sfdisk -q "$W/disk.raw"
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$W/disk.raw" bs=440 count=1 conv=notrunc status=none
cat >"$W/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT tg
PROMPT 0
TIMEOUT 0
LABEL tg
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND $CMDLINE_BASE tg.hold=1 tg.wait=30
EOF
mkfs.vfat -F 16 -n TGBOOT -h $P1_START -C "$W/p1.img" $((P1_SECTORS / 2)) >/dev/null
mcopy -i "$W/p1.img" "$W/vmlinuz" "$W/initrd.gz" "$W/syslinux.cfg" ::/
syslinux --install "$W/p1.img"
dd if="$W/p1.img" of="$W/disk.raw" bs=512 seek=$P1_START conv=notrunc status=none
mkdir "$W/data"; echo 0 >"$W/data/count"
mke2fs -q -F -t ext4 -L tg-data -d "$W/data" -E offset=$((P2_START * 512)) "$W/disk.raw" \
  $(( (DISK_MIB * 1024 * 1024 - P2_START * 512) / 1024 ))k
qemu-img convert -f raw -O qcow2 "$W/disk.raw" "$W/disk.qcow2"
rm -f "$W/disk.raw" "$W/p1.img"

# --- 4. install.iso: isolinux, hybrid MBR ---
# CD boot: chain-load partition 1 of hd0 first, so an installed vda boots from itself even when the CD comes
# first in the boot order ("relax": the hybrid MBR's partition 1 starts at sector 0). On a blank disk chain.c32
# finds no partition 1 and returns; after TIMEOUT (0.1 s) ONTIMEOUT runs the installer, which dd's the ISO onto
# vda and rewrites "DEFAULT cdboot" to "DEFAULT hdboot" there. The offset of that string is left as
# "TGCFG <offset>" at byte 16384, in the ISO's otherwise unused system area.
I=$W/iso
mkdir -p "$I/isolinux" "$I/boot"
cp "$W/vmlinuz" "$W/initrd.gz" "$I/boot/"
cp /usr/lib/ISOLINUX/isolinux.bin "$I/isolinux/"
for m in ldlinux.c32 chain.c32 libcom32.c32 libutil.c32; do cp "/usr/lib/syslinux/modules/bios/$m" "$I/isolinux/"; done
cat >"$I/isolinux/isolinux.cfg" <<EOF
SERIAL 0 115200
PROMPT 0
TIMEOUT 1
DEFAULT cdboot
ONTIMEOUT install
LABEL cdboot
  COM32 /isolinux/chain.c32
  APPEND hd0 1 relax
LABEL install
  KERNEL /boot/vmlinuz
  INITRD /boot/initrd.gz
  APPEND $CMDLINE_BASE tg.install=1 tg.wait=30 tg.hold=1 tg.src=cd
LABEL hdboot
  KERNEL /boot/vmlinuz
  INITRD /boot/initrd.gz
  APPEND $CMDLINE_BASE tg.wait=30 tg.hold=1 tg.src=hd
EOF
xorriso -as mkisofs -quiet -o "$W/install.iso" -V TGINSTALL -J -r \
  -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -c isolinux/boot.cat -b isolinux/isolinux.bin \
  -no-emul-boot -boot-load-size 4 -boot-info-table "$I" 2>/dev/null
CFG_LBA=$(xorriso -indev "$W/install.iso" -find /isolinux/isolinux.cfg -exec report_lba -- 2>/dev/null \
  | awk -F, '/^File data lba:/{gsub(/ /,"",$2); print $2; exit}')
[ -n "$CFG_LBA" ] || die "cannot find isolinux.cfg in install.iso"
CFG_IDX=$(grep -bo 'DEFAULT cdboot' "$I/isolinux/isolinux.cfg" | head -n1 | cut -d: -f1)
CFG_OFF=$((CFG_LBA * 2048 + CFG_IDX))
[ "$(dd if="$W/install.iso" bs=1 skip=$CFG_OFF count=14 status=none)" = "DEFAULT cdboot" ] || die "bad isolinux.cfg offset"
[ "$(dd if="$W/install.iso" bs=512 skip=32 count=1 status=none | tr -d '\000' | wc -c)" = 0 ] || die "ISO system area in use"
printf 'TGCFG %s\n' "$CFG_OFF" | dd of="$W/install.iso" bs=512 seek=32 conv=notrunc status=none
rm -rf "$I"

# --- 5. manifest + atomic replace ---
{
  printf '{\n  "inputsHash": "%s",\n  "kernelVersion": "%s",\n  "kernelPackage": "%s",\n  "kernelPackageVersion": "%s",\n' \
    "$HASH" "$KVER" "$KPKG" "$KDEBVER"
  printf '  "builtAt": "%s",\n  "files": {\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  sep=""
  for f in vmlinuz initrd.gz disk.qcow2 install.iso; do
    printf '%s    "%s": { "bytes": %s, "sha256": "%s" }' "$sep" "$f" "$(stat -c %s "$W/$f")" "$(sha256sum "$W/$f" | cut -d' ' -f1)"
    sep=$',\n'
  done
  printf '\n  }\n}\n'
} >"$W/manifest.json"
rm -rf "$W/data" "$W/syslinux.cfg"
chmod 755 "$W"; chmod 644 "$W"/*
if [ -e "$OUT" ]; then
  OLD=$(mktemp -d "$OUT.old.XXXXXX")
  mv "$OUT" "$OLD/"; mv "$W" "$OUT"; rm -rf "$OLD"
else
  mv "$W" "$OUT"
fi
trap - EXIT
echo "test guests built: $OUT (${HASH:0:12}, kernel $KVER, $(awk -v t0="$T0" -v t1="$(date +%s.%N)" 'BEGIN{printf "%.1f s", t1-t0}'))"
