#!/bin/bash
# Builds (or restores from cache) the Debian 12 VM image for the boot proof and prints its directory.
# Output dir holds vmlinuz, initrd.img and root.qcow2 (read-only base; each VM gets its own overlay).
# The cache is keyed by a hash of this script and __tests__/vm/image/guest/*, as a tarball under .cache/vm/.
# Needs root and: debootstrap qemu-utils e2fsprogs (host, Debian 12); network access to the Debian mirror.
set -euo pipefail
# The chroot has a /tmp of its own: the caller's TMPDIR (jest's per-run folder, a rehearsal's) does not exist in it,
# and ca-certificates' postinst (mktemp) failed on it ("Errors were encountered while processing: ca-certificates").
unset TMPDIR

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
CACHE=${VM_CACHE_DIR:-$REPO/.cache/vm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# Everything the offline guest needs: the boot script's Debian profile (modules/host/host-os.ts) plus
# cloud-init, systemd and the cloud kernel that Debian's own EC2 images use (it has NVMe and virtio).
PACKAGES=(linux-image-cloud-amd64 systemd-sysv udev dbus cloud-init curl ca-certificates tar xz-utils e2fsprogs
  util-linux jq awscli openssl iproute2 procps sqlite3 less nftables)

KEY=$( { cat "$0"; printf '%s\n' "$SUITE" "${PACKAGES[@]}"; cat "$HERE"/guest/*; } | sha256sum | cut -c1-16)
OUT=$CACHE/image-$KEY
TAR=$CACHE/image-$KEY.tar

if [ -f "$OUT/ready" ]; then echo "$OUT"; exit 0; fi
mkdir -p "$CACHE"
if [ -f "$TAR" ]; then
  rm -rf "$OUT" && mkdir -p "$OUT" && tar -xf "$TAR" -C "$OUT" && touch "$OUT/ready"
  echo "$OUT"; exit 0
fi

[ "$(id -u)" = 0 ] || { echo "build-image.sh: building the image needs root (debootstrap, chroot)" >&2; exit 1; }
WORK=$(mktemp -d "$CACHE/build.XXXXXX")
ROOT=$WORK/root
cleanup() {
  for m in dev/pts dev proc sys; do umount -l "$ROOT/$m" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[build-image $(date +%T)] $*" >&2; }

log "debootstrap $SUITE (minbase) from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -30 "$WORK/debootstrap.log" >&2; exit 1; }
for m in proc sys dev dev/pts; do mount --bind "/$m" "$ROOT/$m"; done
# No daemons may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d" && chmod 755 "$ROOT/usr/sbin/policy-rc.d"
cat >"$ROOT/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
SOURCES
log "apt-get install ${PACKAGES[*]}"
chroot "$ROOT" /bin/sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"' \
  sh "${PACKAGES[@]}" >"$WORK/apt.log" 2>&1 || { tail -40 "$WORK/apt.log" >&2; exit 1; }

log "configure guest"
install -m 0644 "$HERE/guest/99-vmtest.cfg" "$ROOT/etc/cloud/cloud.cfg.d/99-vmtest.cfg"
install -m 0644 "$HERE/guest/10-dhcp.network" "$ROOT/etc/systemd/network/10-dhcp.network"
install -m 0755 "$HERE/guest/aws" "$ROOT/usr/local/bin/aws"
install -m 0755 "$HERE/guest/vmtest-agent" "$ROOT/usr/local/sbin/vmtest-agent"
install -m 0644 "$HERE/guest/vmtest-agent.service" "$ROOT/etc/systemd/system/vmtest-agent.service"
chroot "$ROOT" systemctl enable systemd-networkd.service vmtest-agent.service >/dev/null 2>&1
chroot "$ROOT" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service >/dev/null 2>&1 || true
echo '/dev/vda / ext4 defaults,errors=remount-ro 0 1' >"$ROOT/etc/fstab"
: >"$ROOT/etc/machine-id"   # regenerated on each VM's first boot, like a cloud image
echo debian >"$ROOT/etc/hostname"
rm -f "$ROOT/usr/sbin/policy-rc.d"
chroot "$ROOT" apt-get clean
for m in dev/pts dev proc sys; do umount -l "$ROOT/$m"; done

log "assemble kernel, initrd and root disk"
STAGE=$WORK/out && mkdir -p "$STAGE"
cp "$(find "$ROOT/boot" -name "vmlinuz-*" | sort -V | tail -1)" "$STAGE/vmlinuz"
cp "$(find "$ROOT/boot" -name "initrd.img-*" | sort -V | tail -1)" "$STAGE/initrd.img"
mkfs.ext4 -q -F -L root -d "$ROOT" "$WORK/root.raw" 4G
qemu-img convert -O qcow2 "$WORK/root.raw" "$STAGE/root.qcow2"
tar -cf "$TAR.tmp" -C "$STAGE" . && mv "$TAR.tmp" "$TAR"
rm -rf "$OUT" && mv "$STAGE" "$OUT" && touch "$OUT/ready"
# Older images (other inputs) are dead weight in the CI cache.
find "$CACHE" -maxdepth 1 -name 'image-*' ! -name "image-$KEY" ! -name "image-$KEY.tar" -exec rm -rf {} +
log "image ready: $OUT ($(du -sh "$TAR" | cut -f1) tarball)"
echo "$OUT"
