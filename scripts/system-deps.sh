#!/usr/bin/env bash
# System packages the browser tests need: Debian's Chromium, its driver and a CJK font.
# Installs them where it can (root with apt-get); otherwise says exactly what is missing.
# In CI (CI set) anything missing is an error.
set -uo pipefail
packages=(chromium chromium-driver fonts-noto-cjk)
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${missing[*]} (Debian packages) for the browser tests ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    && exit 0
  echo "apt-get could not install: ${missing[*]}" >&2
else
  echo "missing system packages: ${missing[*]}; install them with: sudo apt-get install ${packages[*]}" >&2
fi
[ -n "${CI:-}" ] && exit 1
exit 0
