#!/bin/bash
# Installed by fleet-osquery: points the orbit links at the packaged binary and (re)starts the daemon.

ln -sf {{orbitBinary}} /opt/orbit/bin/orbit/orbit
ln -sf /opt/orbit/bin/orbit/orbit /usr/local/bin/orbit
{{#legacyVarLibSymlink}}# Symlink needed to support old versions of orbit.
ln -sf /opt/orbit /var/lib/orbit
{{/legacyVarLibSymlink}}{{#service}}
DAEMON_LABEL="com.fleetdm.orbit"
DAEMON_PLIST="/Library/LaunchDaemons/${DAEMON_LABEL}.plist"

if [ -f /opt/orbit/.inband_upgrade ]; then
	rm -f /opt/orbit/.inband_upgrade
	# In-band upgrade: orbit is installing an update to itself and manages this installation, so it
	# must not be stopped now. Schedule a delayed bootout/bootstrap instead, so the install finishes
	# first; a full bootout + bootstrap (not just kickstart) picks up plist changes from the upgrade.
	echo "Detected in-band upgrade (orbit upgrading orbit). Delaying service"
	echo "restart to prevent orbit from being stopped mid-install."
	(sleep 30; pkill fleet-desktop || true; launchctl bootout "system/${DAEMON_LABEL}" || true; launchctl enable "system/${DAEMON_LABEL}"; count=0; while ! launchctl bootstrap system "${DAEMON_PLIST}"; do sleep 1; count=$((count+1)); if [ "$count" -eq 30 ]; then echo "Failed to bootstrap system ${DAEMON_PLIST}"; exit 1; fi; echo "Retrying launchctl bootstrap..."; done; launchctl kickstart "system/${DAEMON_LABEL}") &>/dev/null &
	exit 0
fi

# Stop the previous desktop agent
pkill fleet-desktop || true
# Remove any pre-existing version of the config
launchctl bootout "system/${DAEMON_LABEL}"

# Make sure the launch daemon is enabled before we try to bootstrap it
launchctl enable "system/${DAEMON_LABEL}"

# "launchctl bootstrap" can fail while the previous service is still terminating after bootout
# (seen when deploying through an MDM server), so retry for up to 30 seconds.
count=0
while ! launchctl bootstrap system "${DAEMON_PLIST}"; do
	sleep 1
	((count++))
	if [[ $count -eq 30 ]]; then
		echo "Failed to bootstrap system ${DAEMON_PLIST}"
		exit 1
	fi
	echo "Retrying launchctl bootstrap..."
done
echo "Successfully bootstrap system ${DAEMON_PLIST}"

# Force the daemon to start
launchctl kickstart "system/${DAEMON_LABEL}"
{{/service}}