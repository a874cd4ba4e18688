// Reusable drivers for real BGP daemons (BIRD 2, FRR 8.4, GoBGP 3, ExaBGP 4) running in network namespaces.
//
//   const peer = createPeer('bird', pair.a.netns, spec);
//   await peer.start();
//   try { await peer.waitEstablished('192.0.2.2', 10_000); ... } finally { await peer.stop(); }

import { BirdDaemon } from './bird.js';
import { ExabgpDaemon } from './exabgp.js';
import { FrrDaemon } from './frr.js';
import { GobgpDaemon } from './gobgp.js';
import type { PeerDaemon, PeerKind, PeerSpec } from './types.js';

export type { Family, NeighborSpec, PeerDaemon, PeerFeatures, PeerKind, PeerSpec, SessionState } from './types.js';
export { BirdDaemon } from './bird.js';
export { FrrDaemon } from './frr.js';
export { GobgpDaemon } from './gobgp.js';
export { ExabgpDaemon } from './exabgp.js';

export const PEER_KINDS: readonly PeerKind[] = ['bird', 'frr', 'gobgp', 'exabgp'];

/** The executables each driver needs (for a skip-or-fail check before starting anything). */
export const PEER_BINARIES: Readonly<Record<PeerKind, readonly string[]>> = {
  bird: ['/usr/sbin/bird', '/usr/sbin/birdc'],
  frr: ['/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', '/usr/bin/vtysh'],
  gobgp: ['/usr/bin/gobgpd', '/usr/bin/gobgp'],
  exabgp: ['/usr/sbin/exabgp', '/usr/bin/python3', '/usr/bin/mkfifo'],
};

/** Creates (does not start) a driver for `kind` whose daemon will run in `netns`. */
export function createPeer(kind: PeerKind, netns: string, spec: PeerSpec): PeerDaemon {
  switch (kind) {
    case 'bird':
      return new BirdDaemon(netns, spec);
    case 'frr':
      return new FrrDaemon(netns, spec);
    case 'gobgp':
      return new GobgpDaemon(netns, spec);
    case 'exabgp':
      return new ExabgpDaemon(netns, spec);
  }
}
