#!/bin/sh
# Installed by fleet-osquery: reloads systemd and (re)starts orbit.
set -e

# Only talk to systemd when it is the running init (not in containers, chroots or image builds).
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
{{#service}}
{{safeRestart}}
  systemctl enable orbit.service
{{/service}}
fi
