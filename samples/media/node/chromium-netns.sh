#!/bin/sh
# puppeteer's executablePath for drive.js: runs Debian's Chromium inside the network namespace
# named by $MEDIA_NETNS (made by ../make_media_samples.sh), at low CPU priority.
exec ip netns exec "${MEDIA_NETNS:?}" nice -n 15 /usr/bin/chromium "$@"
