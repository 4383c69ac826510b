#!/bin/sh
# rpm runs this after the whole transaction. On rpm < 4.12 the scriptlet argument is always 0, so
# the pre-uninstall step of an upgrade may have disabled orbit: re-enable it here.
set -e

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  if ! systemctl is-enabled orbit.service >/dev/null 2>&1; then
    systemctl daemon-reload
{{#service}}
{{safeRestart}}
    systemctl enable orbit.service
{{/service}}
  fi
fi
