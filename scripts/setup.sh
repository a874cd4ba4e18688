#!/usr/bin/env bash
# Set up a fresh Debian 12 machine (as root) for tsbgpd's demo and tests: the real BGP peers the tests and the demo
# run (BIRD 2, FRR, GoBGP, ExaBGP), iproute2 and the build tools, then `npm ci` (which builds the native addon and
# the TypeScript).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then
  echo "scripts/setup.sh must run as root (apt-get; the demo and tests create network namespaces)" >&2
  exit 1
fi

# Keep the Debian packages' own services (bird, frr, gobgpd, exabgp) from starting in the root namespace: the
# demo and the tests start their own instances inside namespaces they create.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

apt-get update -q
apt-get install -y -q --no-install-recommends \
  bird2 frr gobgpd exabgp iproute2 procps tcpdump python3 make g++ ca-certificates

# Build the addon against the Node headers installed with Node (no header download: only the npm registry and
# Debian are reachable here).
if [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
npm ci --no-audit --no-fund
