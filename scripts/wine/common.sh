# Shared by the scripts in scripts/wine/: paths, the host's Debian mirror, the chroot runner.
# Sourced, not executed. Everything the lane creates lives under .cache/ (git-ignored).

# shellcheck shell=bash
WINE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WINE_CACHE="$WINE_REPO/.cache"
# The Debian 13 (trixie) root filesystem holding Wine 10; Debian 12's Wine 8 cannot run Deno.
WINE_ROOTFS="${WINE_ROOTFS:-$WINE_CACHE/wine-rootfs}"
WINE_ROOTFS_READY="$WINE_ROOTFS/.winsession-ready"
# Where the repo appears inside the chroot, and as a Windows path (Wine maps / to Z:).
WINE_REPO_MOUNT=/repo
WINE_REPO_WINDOWS='Z:\repo'
# Persistent state shared by runs, inside the repo's .cache so it survives and stays ignored.
WINE_STATE="$WINE_CACHE/wine"
DENO_WIN_VERSION="${DENO_WIN_VERSION:-2.9.5}"
# deno.exe sits inside the rootfs so the chroot sees it without the repo mount.
WINE_DENO_EXE_IN_CHROOT=/opt/deno/deno.exe

wine_die() {
  echo "scripts/wine: $*" >&2
  exit 1
}

wine_require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    wine_die "must run as root (debootstrap, chroot and bind mounts need it): sudo $0 $*"
  fi
}

wine_require_rootfs() {
  [ -f "$WINE_ROOTFS_READY" ] ||
    wine_die "no Wine rootfs at $WINE_ROOTFS: run scripts/wine/rootfs.sh first"
  [ -f "$WINE_ROOTFS$WINE_DENO_EXE_IN_CHROOT" ] ||
    wine_die "no deno.exe in the rootfs: run scripts/wine/deno_exe.sh first"
}

# The main Debian archive URI the host's apt already uses (never a hard-coded host).
# WINE_DEBIAN_MIRROR overrides it.
wine_host_mirror() {
  if [ -n "${WINE_DEBIAN_MIRROR:-}" ]; then
    echo "$WINE_DEBIAN_MIRROR"
    return
  fi
  local uri=""
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    # deb822: "URIs: a b"; skip comments and the security archive.
    uri=$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$file" |
      grep -v -e security -e '^#' | head -n1 || true)
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ]; then
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$file" ] || continue
      # one-line format: deb [options] uri suite components
      uri=$(sed -E -n 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
        "$file" | grep -v security | head -n1 || true)
      [ -n "$uri" ] && break
    done
  fi
  [ -n "$uri" ] ||
    wine_die "cannot find a Debian mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list (set WINE_DEBIAN_MIRROR)"
  echo "$uri"
}

# Runs "$@" inside the rootfs with /proc, /dev and the host's resolv.conf mounted (and the repo
# at /repo when WINE_MOUNT_REPO=1). The mounts live in a private mount namespace (unshare -m):
# the kernel drops them when the last process in it ends, however it ends, and concurrent runs
# never see or unmount each other's. They must NOT be unmounted when the command returns: the
# wineserver it started lingers a few seconds in that namespace and the next run's Wine
# processes reuse it, and wineserver opens files (DLLs, the working folder) in its own namespace
# ("could not load kernel32.dll, status c000000f" otherwise).
# Without unshare, mounts are made in the host namespace under a lock; a trap waits for the
# rootfs's processes (the lingering wineserver) to end, then unmounts.
wine_chroot() {
  local inner
  # The inner script gets the rootfs path, then the command; it mounts, chroots and cleans up.
  inner='
    set -eu
    rootfs=$1; shift
    mounted=""
    cleanup() {
      [ "$WINE_PRIVATE_NAMESPACE" = 1 ] && return 0 # the kernel unmounts with the namespace
      for _ in $(seq 100); do # up to 10 s for the wineserver to go
        busy=0
        for p in /proc/[0-9]*; do
          [ "$(readlink "$p/root" 2>/dev/null)" = "$rootfs" ] && busy=1 && break
        done
        [ $busy = 0 ] && break
        sleep 0.1
      done
      for m in $mounted; do umount -R -l "$m" 2>/dev/null || true; done
    }
    trap cleanup EXIT
    trap "exit 130" INT
    trap "exit 143" TERM
    mount -t proc proc "$rootfs/proc"; mounted="$rootfs/proc $mounted"
    mount --rbind /dev "$rootfs/dev"; mounted="$rootfs/dev $mounted"
    mount --make-rslave "$rootfs/dev"
    if [ -f /etc/resolv.conf ]; then
      touch "$rootfs/etc/resolv.conf"
      mount --bind /etc/resolv.conf "$rootfs/etc/resolv.conf"
      mounted="$rootfs/etc/resolv.conf $mounted"
    fi
    if [ "${WINE_MOUNT_REPO:-0}" = 1 ]; then
      mkdir -p "$rootfs/repo"
      mount --bind "$WINE_REPO_HOST" "$rootfs/repo"; mounted="$rootfs/repo $mounted"
    fi
    status=0
    chroot "$rootfs" "$@" || status=$?
    exit $status
  '
  export WINE_REPO_HOST="$WINE_REPO"
  if unshare --mount --propagation private true 2>/dev/null; then
    WINE_PRIVATE_NAMESPACE=1 unshare --mount --propagation private bash -c "$inner" wine-chroot "$WINE_ROOTFS" "$@"
  else
    mkdir -p "$WINE_CACHE"
    # Host-namespace mounts are shared state: one run at a time.
    WINE_PRIVATE_NAMESPACE=0 flock "$WINE_CACHE/wine-mounts.lock" bash -c "$inner" wine-chroot "$WINE_ROOTFS" "$@"
  fi
}
