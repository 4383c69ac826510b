  # orbit upgrades itself by running this installer (INSTALLER_PATH is set): restarting it now would
  # kill the upgrade half-way, so schedule the restart instead.
  if [ -z "${INSTALLER_PATH:-}" ]; then
    systemctl restart orbit.service
  elif command -v systemd-run >/dev/null 2>&1; then
    systemd-run --on-active=60 --working-directory=/ systemctl restart --no-block orbit.service
  else
    echo "systemd-run not found: orbit will pick up the new version at its next restart"
  fi
