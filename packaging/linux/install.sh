#!/bin/sh
# install.sh: installs this BackOrder Desktop bundle for one user (menu entry, icons, command), or removes it.
#
#   ./install.sh              copy the bundle to ~/.local/lib/backorder-desktop, link
#                             ~/.local/bin/backorder-desktop, add the menu entry and the icons
#   ./install.sh --uninstall  remove all of that again (your data and settings stay)
#   PREFIX=/opt/bo ./install.sh   the same under another prefix (e.g. system-wide, as root)
#
# Nothing here needs root for the default prefix. The menu entry runs the installed copy by its
# absolute path, so it works even when ~/.local/bin is not on the desktop session's PATH.
set -eu

APP=backorder-desktop
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
PREFIX=${PREFIX:-"$HOME/.local"}
LIBDIR="$PREFIX/lib/$APP"
BINDIR="$PREFIX/bin"
APPS="$PREFIX/share/applications"
ICONS="$PREFIX/share/icons/hicolor"

say() { printf '%s\n' "$*"; }

refresh_caches() {
  # Desktop environments notice new entries on their own; the caches make it immediate.
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" 2>/dev/null || true
  [ -f "$ICONS/index.theme" ] && command -v gtk-update-icon-cache >/dev/null 2>&1 \
    && gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
}

remove_bundle_copy() {
  # Only ever delete a folder that holds our executable: PREFIX may be mistyped.
  if [ -e "$LIBDIR" ]; then
    if [ ! -x "$LIBDIR/$APP" ]; then
      say "install.sh: $LIBDIR exists but is not a $APP bundle; not touching it." >&2
      exit 1
    fi
    rm -rf -- "$LIBDIR"
  fi
}

uninstall() {
  remove_bundle_copy
  [ -L "$BINDIR/$APP" ] && rm -f -- "$BINDIR/$APP"
  rm -f -- "$APPS/$APP.desktop"
  for icon in "$ICONS"/*/apps/"$APP".png "$ICONS"/scalable/apps/"$APP".svg; do
    [ -f "$icon" ] && rm -f -- "$icon"
  done
  refresh_caches
  say "Removed $APP from $PREFIX (your profile, database and keyring entries are kept)."
}

install_app() {
  if [ ! -x "$HERE/$APP" ] || [ ! -f "$HERE/share/applications/$APP.desktop" ]; then
    say "install.sh: run me from an unpacked $APP bundle (the folder with the $APP program)." >&2
    exit 1
  fi
  if [ "$HERE" != "$LIBDIR" ]; then
    mkdir -p -- "$PREFIX/lib"
    rm -rf -- "$LIBDIR.new"
    cp -R -- "$HERE" "$LIBDIR.new"
    remove_bundle_copy
    mv -- "$LIBDIR.new" "$LIBDIR"
  fi
  mkdir -p -- "$BINDIR" "$APPS"
  ln -sfn -- "$LIBDIR/$APP" "$BINDIR/$APP"
  sed -e "s|^Exec=.*|Exec=$LIBDIR/$APP|" -e "s|^TryExec=.*|TryExec=$LIBDIR/$APP|" \
    "$LIBDIR/share/applications/$APP.desktop" >"$APPS/$APP.desktop"
  chmod 644 "$APPS/$APP.desktop"
  (cd "$LIBDIR/share/icons/hicolor" && find . -name "$APP.*" -type f) | while read -r icon; do
    mkdir -p -- "$ICONS/$(dirname -- "$icon")"
    cp -- "$LIBDIR/share/icons/hicolor/$icon" "$ICONS/$icon"
  done
  refresh_caches
  say "Installed $APP $("$LIBDIR/$APP" --version 2>/dev/null | sed 's/.*version //') in $LIBDIR"
  say "Start it from your applications menu (BackOrder Desktop) or with: $BINDIR/$APP"
}

case "${1:-}" in
  "") install_app ;;
  --uninstall) uninstall ;;
  -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) say "usage: $0 [--uninstall]" >&2; exit 2 ;;
esac
