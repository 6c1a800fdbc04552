#!/usr/bin/env bash
# Make sure a Chromium binary is available for the browser (e2e) tests.
#
# Looks at $CHROMIUM_PATH if set, else the Debian location
# /usr/lib/chromium/chromium. If it is missing:
#   - as root (CI): installs Debian's `chromium` package with apt-get;
#   - otherwise: explains how to install it / point CHROMIUM_PATH at it, exit 1.
# On success prints one line: the path and the browser version.
set -euo pipefail

DEFAULT_PATH=/usr/lib/chromium/chromium
chromium="${CHROMIUM_PATH:-$DEFAULT_PATH}"

if [ ! -x "$chromium" ]; then
    if [ -n "${CHROMIUM_PATH:-}" ] && [ "$CHROMIUM_PATH" != "$DEFAULT_PATH" ]; then
        # An explicit, non-default path: installing a package would not help.
        echo "ensure-chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file." >&2
        echo "  Fix CHROMIUM_PATH, or unset it to use $DEFAULT_PATH." >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ensure-chromium: $chromium not found; installing Debian package 'chromium'..." >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq chromium >/dev/null
    fi
    if [ ! -x "$chromium" ]; then
        echo "ensure-chromium: Chromium not found at $chromium." >&2
        echo "  Install it with:  sudo apt-get install chromium" >&2
        echo "  or point CHROMIUM_PATH at an existing Chromium/Chrome binary." >&2
        exit 1
    fi
fi

# --version does not need a display or sandbox; tolerate odd builds that fail.
version="$("$chromium" --version 2>/dev/null | sed "s/[[:space:]]*$//" || echo "version unknown")"
echo "chromium: $chromium ($version)"
