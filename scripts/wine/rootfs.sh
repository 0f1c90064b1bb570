#!/usr/bin/env bash
# Prepares the Debian 13 (trixie) root filesystem with Wine 10 in .cache/wine-rootfs/.
#
# Idempotent: a marker file records completion, so a second run does nothing. Needs root and
# debootstrap (Debian package "debootstrap"). The mirror is the one the host's apt already uses.
# Wine stays inside the rootfs: installing trixie's Wine on a Debian 12 host would upgrade libc
# and ~150 packages, and Debian 12's own Wine 8 cannot run Deno (V8 needs VirtualAlloc2 placeholders).
set -euo pipefail
source "$(dirname "$0")/common.sh"

if [ -f "$WINE_ROOTFS_READY" ]; then
  echo "rootfs.sh: $WINE_ROOTFS is ready ($(cat "$WINE_ROOTFS_READY"))"
  exit 0
fi
wine_require_root
command -v debootstrap >/dev/null ||
  wine_die "debootstrap is missing: apt-get install debootstrap (Debian package \"debootstrap\")"
command -v chroot >/dev/null || wine_die "chroot is missing: apt-get install coreutils"
mirror=$(wine_host_mirror)
bootstrapped="$WINE_ROOTFS/.winsession-debootstrap-done"

if [ ! -f "$bootstrapped" ]; then
  if [ -e "$WINE_ROOTFS" ]; then
    # A half-made rootfs from an interrupted run. Refuse to delete through a live mount (a bound
    # /dev would take the host's /dev with it).
    if grep -q " $WINE_ROOTFS/" /proc/mounts; then
      wine_die "something is mounted under $WINE_ROOTFS; unmount it (umount -R) and rerun"
    fi
    echo "rootfs.sh: removing the incomplete $WINE_ROOTFS"
    rm -rf --one-file-system "$WINE_ROOTFS"
  fi
  mkdir -p "$(dirname "$WINE_ROOTFS")"
  echo "rootfs.sh: debootstrap --variant=minbase trixie from $mirror"
  start=$SECONDS
  debootstrap --variant=minbase trixie "$WINE_ROOTFS" "$mirror" >"$WINE_CACHE/wine-debootstrap.log" 2>&1 ||
    { tail -n 30 "$WINE_CACHE/wine-debootstrap.log" >&2; wine_die "debootstrap failed (log: $WINE_CACHE/wine-debootstrap.log)"; }
  echo "rootfs.sh: debootstrap took $((SECONDS - start)) s"
  touch "$bootstrapped"
fi

echo "rootfs.sh: apt-get install --no-install-recommends wine64 wine (inside the rootfs)"
start=$SECONDS
# shellcheck disable=SC2016
wine_chroot /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends wine64 wine && apt-get clean' \
  >"$WINE_CACHE/wine-apt.log" 2>&1 ||
  { tail -n 30 "$WINE_CACHE/wine-apt.log" >&2; wine_die "apt-get inside the rootfs failed (log: $WINE_CACHE/wine-apt.log)"; }
echo "rootfs.sh: apt took $((SECONDS - start)) s"
[ -x "$WINE_ROOTFS/usr/lib/wine/wine64" ] || wine_die "wine64 is not in the rootfs after apt-get"
# (wine64 --version itself needs /proc mounted: ask dpkg instead)
version="wine $(chroot "$WINE_ROOTFS" dpkg-query -W -f '${Version}' wine64)"
echo "trixie $version $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$WINE_ROOTFS_READY"
echo "rootfs.sh: ready: $version in $WINE_ROOTFS"
