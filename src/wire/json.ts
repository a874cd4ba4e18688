// Plain-object rendering of decoded messages for golden vectors, debugging and status output:
// Uint8Array as hex strings, no bigint, no Map/Set, BGP Identifier as a dotted quad.
import { capabilityToJSON } from './capabilities/index.js';
import { toHex } from './codec.js';
import type { BgpMessage } from './message.js';
import { describeNotification, notificationCodeName, notificationSubcodeName, type NotificationMessage } from './notification.js';
import { formatBgpIdentifier, type OpenMessage } from './open.js';
import { routeRefreshAction, type RouteRefreshMessage } from './route-refresh.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Generic conversion for shapes this file does not know field by field (UPDATE, whose codec lives
 * elsewhere): bytes → hex, bigint → decimal string, Map → object (or entry list), Set → array.
 */
export function toPlain(value: unknown): Json {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return String(value);
  }
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Set) return [...value].map(toPlain);
  if (value instanceof Map) {
    const entries = [...value.entries()];
    if (entries.every(([k]) => typeof k === 'string' || typeof k === 'number')) {
      return Object.fromEntries(entries.map(([k, v]) => [String(k), toPlain(v)]));
    }
    return entries.map(([k, v]) => [toPlain(k), toPlain(v)]);
  }
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPlain(v);
  return out;
}

function openToJSON(m: OpenMessage): Json {
  return {
    type: 'OPEN',
    version: m.version,
    myAs: m.myAs,
    holdTime: m.holdTime,
    bgpIdentifier: formatBgpIdentifier(m.bgpIdentifier),
    ...(m.extendedOptionalParameters === true ? { extendedOptionalParameters: true } : {}),
    optionalParameters: m.optionalParameters.map((p): Json =>
      p.kind === 'capabilities'
        ? { kind: 'capabilities', capabilities: p.capabilities.map((c) => toPlain(capabilityToJSON(c))) }
        : { kind: 'raw', type: p.type, value: toHex(p.value) },
    ),
  };
}

function notificationToJSON(m: NotificationMessage): Json {
  return {
    type: 'NOTIFICATION',
    code: m.code,
    codeName: notificationCodeName(m.code),
    subcode: m.subcode,
    subcodeName: notificationSubcodeName(m.code, m.subcode),
    data: toHex(m.data),
    ...(m.communication !== undefined ? { communication: m.communication } : {}),
    text: describeNotification(m),
  };
}

const routeRefreshToJSON = (m: RouteRefreshMessage): Json => ({
  type: 'ROUTE-REFRESH',
  afi: m.afi,
  safi: m.safi,
  subtype: m.subtype,
  action: routeRefreshAction(m),
});

/** JSON-safe rendering of any decoded message. */
export function messageToJSON(msg: BgpMessage): Json {
  switch (msg.type) {
    case 'OPEN':
      return openToJSON(msg);
    case 'NOTIFICATION':
      return notificationToJSON(msg);
    case 'KEEPALIVE':
      return { type: 'KEEPALIVE' };
    case 'ROUTE-REFRESH':
      return routeRefreshToJSON(msg);
    case 'UPDATE':
      return toPlain(msg);
  }
}
