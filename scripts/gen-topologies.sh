#!/usr/bin/env bash
# Regenerates the checked-in labs under topologies/ (topology file + one config directory per lab)
# with `bgplab topo gen`. Run after changing src/topo; the test suite checks they are current.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/src/cli/main.js ] || npm run --silent build
cd topologies
B=../dist/src/cli/main.js
gen() { node "$B" topo gen "$@"; }
gen --mode mesh --nodes 10 -o mesh-10.clab.yml
gen --mode mesh --nodes 50 -o mesh-50.clab.yml
gen --mode rr --nodes 20 --rr 2 -o rr2-20.clab.yml
gen --mode rr --nodes 50 --rr 2 -o rr2-50.clab.yml
gen --mode rr --nodes 100 --rr 2 -o rr2-100.clab.yml
gen --mode rr --nodes 200 --rr 3 -o rr3-200.clab.yml
# Calico's own setup: BIRD reflectors (as calico/node renders them, Calico's timers), bgplab clients.
gen --mode rr --nodes 20 --rr 2 --rr-impl bird --client-impl bgplab --profile calico --name calico-bird-rr-20 -o calico-bird-rr-20.clab.yml
