#!/usr/bin/env bash
# Runs the Windows build of Deno under Wine 10 in the trixie rootfs: scripts/wine/run.sh <deno args>
#
#   sudo scripts/wine/run.sh run --allow-ffi tests/windows/wine_test.ts
#
# The repo is bind-mounted at /repo (Z:\repo for Windows) and deno.exe starts in the matching
# folder, so relative paths work as on the host. Stdout, stderr and the exit code are deno.exe's.
# WINSESSION_DLL_DIR, if set, is passed on as a Windows path. Persistent state lives in
# .cache/wine/: the Wine prefix (created on first use) and DENO_DIR (npm packages fetched once).
# Mounts live in a private mount namespace, so they vanish when the run ends, even on failure,
# and concurrent runs do not disturb each other.
set -euo pipefail
source "$(dirname "$0")/common.sh"
wine_require_root "$@"
wine_require_rootfs

# Host path -> the path deno.exe sees (Z:\repo\...), for paths inside the repo.
windows_path() {
  local path=$1
  case "$path" in
    [A-Za-z]:\\* | [A-Za-z]:/*) echo "$path"; return ;; # already a Windows path
    /*) ;;
    *) path="$PWD/$path" ;;
  esac
  path=$(realpath -m "$path")
  case "$path" in
    "$WINE_REPO") echo "$WINE_REPO_WINDOWS" ;;
    "$WINE_REPO"/*) echo "$WINE_REPO_WINDOWS\\$(echo "${path#"$WINE_REPO"/}" | tr / '\\')" ;;
    *) wine_die "$1 is outside the repo, so Wine cannot see it (only $WINE_REPO is mounted)" ;;
  esac
}

# The working folder inside the chroot: the caller's, when it is inside the repo.
workdir=$WINE_REPO_MOUNT
case "$PWD" in
  "$WINE_REPO") ;;
  "$WINE_REPO"/*) workdir="$WINE_REPO_MOUNT/${PWD#"$WINE_REPO"/}" ;;
esac

mkdir -p "$WINE_STATE/deno_dir"
prefix_in_chroot="$WINE_REPO_MOUNT/.cache/wine/prefix"
environment=(
  PATH=/usr/bin:/bin
  HOME=/root
  LANG=C.UTF-8
  WINEPREFIX="$prefix_in_chroot"
  WINEDEBUG=-all
  # No Mono or Gecko installer dialogs when the prefix is created: nothing here needs them.
  # WINE_DLL_OVERRIDES adds more (test.sh's integration part: native-first wtsapi32/rstrtmgr).
  WINEDLLOVERRIDES="mscoree,mshtml=${WINE_DLL_OVERRIDES:+;$WINE_DLL_OVERRIDES}"
  XDG_RUNTIME_DIR=/tmp/xdg-runtime-0
  DENO_DIR="$WINE_REPO_WINDOWS\\.cache\\wine\\deno_dir"
  DENO_NO_UPDATE_CHECK=1
  # Lets tests know they run under this lane's Wine (they also probe ntdll for wine_get_version).
  WINSESSION_WINE=1
)
[ -n "${TERM:-}" ] && environment+=(TERM="$TERM")
[ -n "${NO_COLOR:-}" ] && environment+=(NO_COLOR="$NO_COLOR")
# TLS: deno.exe trusts Mozilla's roots; add the host's CA bundle (DENO_CERT, SSL_CERT_FILE or the
# Debian bundle) so npm: imports also work behind a TLS-inspecting proxy, as on the host.
host_ca="${DENO_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
if [ -f "$host_ca" ]; then
  if ! cmp -s "$host_ca" "$WINE_STATE/ca-certificates.crt"; then
    cp "$host_ca" "$WINE_STATE/ca-certificates.crt.$$"
    mv "$WINE_STATE/ca-certificates.crt.$$" "$WINE_STATE/ca-certificates.crt"
  fi
  environment+=(DENO_CERT="$WINE_REPO_WINDOWS\\.cache\\wine\\ca-certificates.crt")
fi
if [ -n "${WINSESSION_DLL_DIR:-}" ]; then
  environment+=(WINSESSION_DLL_DIR="$(windows_path "$WINSESSION_DLL_DIR")")
fi

# In the chroot: create the prefix once (under a lock, so two first runs do not race), then run.
# shellcheck disable=SC2016
script='
  set -eu
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  if [ ! -f "$WINEPREFIX/.winsession-prefix-ready" ]; then
    mkdir -p "$WINEPREFIX"
    exec 9>"$WINEPREFIX.lock"
    flock 9
    if [ ! -f "$WINEPREFIX/.winsession-prefix-ready" ]; then
      echo "scripts/wine/run.sh: creating the Wine prefix (first run only)" >&2
      start=$(date +%s)
      /usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1
      /usr/lib/wine/wineserver -w
      touch "$WINEPREFIX/.winsession-prefix-ready"
      echo "scripts/wine/run.sh: prefix ready in $(( $(date +%s) - start )) s" >&2
    fi
    exec 9>&-
  fi
  cd "$1"; shift
  exec /usr/lib/wine/wine64 "$@"
'
WINE_MOUNT_REPO=1 wine_chroot /usr/bin/env -i "${environment[@]}" /bin/sh -c "$script" run.sh \
  "$workdir" "$WINE_DENO_EXE_IN_CHROOT" "$@"
