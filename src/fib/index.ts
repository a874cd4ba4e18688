/** Kernel route programming: the public surface the daemon wires in. */
export { KernelFib, RTPROT_TSBGPD, DEFAULT_METRIC } from './fib.js';
export type { KernelFibOptions, FibChange, FibResult, ReconcileResult, FibRouteError, FibErrorCode, RouteOutcome, FibStats } from './fib.js';
export type { NextHop } from './route.js';
export { NetlinkUnavailableError } from './native.js';
