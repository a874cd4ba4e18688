/** Authenticated BGP transport: keyed listener/connector, key handling, kernel counters. */
export * from './address.js';
export * from './ao.js';
export * from './connector.js';
export * from './counters.js';
export * from './errors.js';
export * from './keys.js';
export * from './listener.js';
export { isNativeError, loadNative, NativeLoadError, type NativeError, type ProbeResult } from './native.js';
export * from './peer-key.js';
export * from './probe.js';
export * from './rekey.js';
export * from './socket-fd.js';
export * from './sockopts.js';
