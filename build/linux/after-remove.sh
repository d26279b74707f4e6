#!/bin/sh
# Zizhu kiosk .deb post-remove (electron-builder `deb.afterRemove`): undo after-install.sh on
# remove/purge, not on upgrade. Keeps the kiosk user, /etc/zizhu and /var/lib/zizhu (the journal).
set -e

UNIT=zizhu-kiosk.service
KIOSK_USER=zizhu

case "$1" in
  remove|purge)
    systemctl --global disable "$UNIT" || true
    rm -f "/etc/systemd/user/$UNIT" /usr/bin/zizhu-kiosk
    KIOSK_HOME=$(getent passwd "$KIOSK_USER" | cut -d: -f6 || true)
    if [ -n "$KIOSK_HOME" ]; then rm -f "$KIOSK_HOME/.config/autostart/zizhu-kiosk.desktop"; fi
    ;;
esac

exit 0
