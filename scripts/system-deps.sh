#!/usr/bin/env bash
# system-deps.sh: installs the Debian packages a bare machine lacks for Qt (offscreen and Xvfb),
# a tray host, a real Secret Service keyring and a PostgreSQL server for the team tests. Does nothing when they are all there already.
set -euo pipefail
PKGS=(
  # Qt, offscreen included
  libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0
  # a real X display (Xvfb), a tray host, screenshots
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0
  libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0 xvfb xauth openbox trayer imagemagick xdotool
  # a real keyring: gnome-keyring brings dbus and dbus-run-session
  gnome-keyring dbus
  # packaging checks (make package-check)
  desktop-file-utils
  fonts-dejavu-core
  # team mode's tests start a throwaway PostgreSQL server (tests/fixtures_postgres.py); under root it
  # runs as the package's own "postgres" system user
  postgresql-15
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "system-deps: not a Debian-like system; install the equivalents of: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "system-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
