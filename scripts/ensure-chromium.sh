#!/usr/bin/env bash
# Installs Debian's Chromium when it is missing (the sidebar tests drive it with playwright-core).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing: run 'sudo apt-get install -y chromium' (needed by the sidebar tests)" >&2
  exit 1
fi
echo "installing Debian's chromium (once)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium >/dev/null
