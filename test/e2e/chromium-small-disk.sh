#!/bin/sh
# Chromium with its profile on a filesystem of its own that can really fill up (drivers.ts,
# DriverOptions.limitedStorage): a tmpfs of $TENSORLENS_DISK_SIZE mounted over the profile folder
# $TENSORLENS_DISK_DIR in a private user and mount namespace, so no root is needed and nothing
# outside this browser sees it. Puppeteer's pipe (fds 3 and 4) passes through the two execs.
exec unshare --user --map-root-user --mount sh -c 'mount -t tmpfs -o size="$TENSORLENS_DISK_SIZE" tmpfs "$TENSORLENS_DISK_DIR" && exec "$TENSORLENS_CHROMIUM" "$@"' chromium "$@"
