#!/bin/sh
# Stops orbit when the package is removed, but not when it is upgraded.
set -e

case "${1:-}" in
  {{removeArgs}})
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
      systemctl disable --now orbit.service || true
    fi
    pkill fleet-desktop || true
    ;;
  *)
    ;;
esac
