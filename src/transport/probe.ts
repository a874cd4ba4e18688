/**
 * Feature probes on throw-away sockets; they change nothing.
 * MD5: deleting a never-set key gives ENOENT when CONFIG_TCP_MD5SIG is in.
 * AO: getsockopt(TCP_AO_INFO) on a fresh socket gives ENOENT with TCP-AO and
 * ENOPROTOOPT without (kernel-auth.md §5.7).
 */
import { AO_UNSUPPORTED_REASON } from './ao.js';
import { ENOPROTOOPT, loadNative, type ProbeResult } from './native.js';

export interface FeatureSupport {
  readonly supported: boolean;
  /** Why not, in words an operator can act on; empty when supported. */
  readonly reason: string;
  readonly probe: ProbeResult;
}

export function probeMd5(): FeatureSupport {
  const p = loadNative().probeMd5();
  const reason = p.supported
    ? ''
    : p.errno === ENOPROTOOPT
      ? 'kernel built without CONFIG_TCP_MD5SIG'
      : `TCP-MD5 probe failed with ${p.code}`;
  return { supported: p.supported, reason, probe: p };
}

export function probeAo(): FeatureSupport {
  const p = loadNative().probeAo();
  const reason = p.supported ? '' : p.errno === ENOPROTOOPT ? AO_UNSUPPORTED_REASON : `TCP-AO probe failed with ${p.code}`;
  return { supported: p.supported, reason, probe: p };
}
