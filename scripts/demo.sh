#!/usr/bin/env bash
# npm run demo: the default scenario on this machine, as root.
#   setup (installs what is missing, builds), then a 20-node lab with 2 route reflectors and a 20-node
#   full mesh, convergence measured on both, a kill drill on one reflector; writes reports/demo/
#   (results.json, results.csv, report.md, report.html, charts), prints the headline table, and destroys
#   the labs whatever happens (trap on exit). Set DEMO_IMPLS=bgplab,bird to add BIRD as the yardstick.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: network namespaces need root (run as root, e.g. sudo npm run demo)" >&2
  exit 2
fi

bash scripts/setup.sh

OUT=reports/demo
IMPLS=${DEMO_IMPLS:-bgplab}
NODES=${DEMO_NODES:-20}
bgplab() { node dist/src/cli/main.js "$@"; }

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  # Every lab the demo may have deployed, by its topology file (idempotent when already gone).
  for f in "$OUT"/topologies/*.clab.yml; do
    [ -e "$f" ] && bgplab destroy -t "$f" >/dev/null 2>&1 || true
  done
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh run every time (a sweep resumes from results.json otherwise).
rm -rf "$OUT"
mkdir -p "$OUT"

start=$(date +%s)
echo "demo: rr2 and mesh, $NODES nodes, implementations $IMPLS; kill drill on rr1 of the reflector lab"
bgplab sweep --modes rr2,mesh --nodes "$NODES" --impl "$IMPLS" --profile fast \
  --drill kill --drill-modes rr2 --drill-for 5 -o "$OUT"
echo
echo "demo: done in $(( $(date +%s) - start )) s; open $OUT/report.html or read $OUT/report.md"
