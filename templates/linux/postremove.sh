#!/bin/sh
# Removes orbit's state when the package is removed (not on upgrade).
# DPKG_ROOT is set by dpkg when installing into another root; it is empty otherwise.
set -e

case "${1:-}" in
  {{removeArgs}})
    root="${DPKG_ROOT:-}"
    rm -rf "$root/var/lib/orbit" "$root/var/log/orbit" "$root/usr/local/bin/orbit" "$root/etc/default/orbit" \
      "$root/usr/lib/systemd/system/orbit.service" "$root/opt/orbit"
    ;;
  *)
    ;;
esac
