#!/usr/bin/env bash
# Idempotent setup for bgplab on Debian, as root: installs the system packages the lab and the
# tests need (only what is missing), then the npm dependencies (only when package-lock.json
# changed), then builds. Quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package
declare -A NEED=(
  [ip]=iproute2
  [ping]=iputils-ping
  [bird]=bird2
  [birdc]=bird2
  [vtysh]=frr
  [gobgpd]=gobgpd
  [gobgp]=gobgpd
  [tcpdump]=tcpdump
  [ps]=procps
  # SVG to PNG for the Markdown report's charts (bgplab report degrades to SVG links without it).
  [rsvg-convert]=librsvg2-bin
)
# FRR installs its daemons outside PATH.
have() { command -v "$1" >/dev/null 2>&1 || { [ "$1" = vtysh ] && [ -x /usr/lib/frr/bgpd ]; }; }

missing=()
for cmd in "${!NEED[@]}"; do
  have "$cmd" || missing+=("${NEED[$cmd]}")
done
[ -x /usr/lib/frr/bgpd ] || missing+=(frr)
if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: $pkgs(run as root to install them)" >&2
  else
    echo "setup: installing $pkgs"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
  fi
fi

# npm dependencies, reinstalled only when the lock file changed since the last install.
stamp=node_modules/.bgplab-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

npm run --silent build
