#!/bin/sh
# Zizhu kiosk .deb post-install (electron-builder `deb.afterInstall`; replaces its default script,
# so it also does what that one did: the command on PATH and the Chromium sandbox helper).
# Sets up the kiosk user, the config directory, and installs + enables the systemd user unit
# zizhu-kiosk.service for the kiosk user's graphical session.
# (No brace-style shell variables here: electron-builder treats those as its own template macros.)
set -e

APP_DIR=/opt/Zizhu
EXE=zizhu-kiosk
UNIT=zizhu-kiosk.service
KIOSK_USER=zizhu

# 1. what electron-builder's default after-install did
ln -sf "$APP_DIR/$EXE" "/usr/bin/$EXE"
chmod 4755 "$APP_DIR/chrome-sandbox" || true

# 2. the kiosk user (its autologin into a graphical session is configured per site) and its devices
if ! id -u "$KIOSK_USER" >/dev/null 2>&1; then
  useradd --create-home --user-group --comment "Zizhu kiosk" --shell /bin/bash "$KIOSK_USER"
fi
for group in dialout plugdev input; do
  if getent group "$group" >/dev/null 2>&1; then usermod -a -G "$group" "$KIOSK_USER"; fi
done

# 3. config and state: the unit points the agent at /etc/zizhu/kiosk.json
install -d -m 0755 /etc/zizhu
install -d -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0750 /var/lib/zizhu
if [ ! -e /etc/zizhu/kiosk.json ]; then
  echo "zizhu: put this kiosk's config at /etc/zizhu/kiosk.json (see kiosk-config/examples); check it with: zizhu config check /etc/zizhu/kiosk.json" >&2
fi

# 4. the systemd user unit, enabled for the kiosk user's graphical session
install -D -m 0644 "$APP_DIR/resources/$UNIT" "/etc/systemd/user/$UNIT"
systemctl --global enable "$UNIT" || echo "zizhu: could not enable $UNIT; run: systemctl --global enable $UNIT" >&2
if command -v loginctl >/dev/null 2>&1 && loginctl show-user "$KIOSK_USER" >/dev/null 2>&1; then
  systemctl --machine="$KIOSK_USER@" --user daemon-reload || true
  systemctl --machine="$KIOSK_USER@" --user restart "$UNIT" || true
fi

# 5. XDG autostart fallback, for the kiosk user only (skipped where the unit runs)
KIOSK_HOME=$(getent passwd "$KIOSK_USER" | cut -d: -f6)
if [ -n "$KIOSK_HOME" ]; then
  install -D -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0644 "$APP_DIR/resources/zizhu-kiosk.desktop" "$KIOSK_HOME/.config/autostart/zizhu-kiosk.desktop"
fi

exit 0
