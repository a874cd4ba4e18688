// Capabilities whose value is empty: presence is the whole message.
// RFC 2918 §2 (Route Refresh, code 2, length 0), the pre-standard code 128 with the same meaning,
// RFC 7313 §3.1 (Enhanced Route Refresh, length 0), RFC 8654 §3 (Extended Message, length 0).
import { CapabilityCode } from '../iana.js';
import {
  defineRow,
  type CapabilityRow,
  type EnhancedRouteRefreshCapability,
  type ExtendedMessageCapability,
  type KnownCapability,
  type RouteRefreshCapability,
} from './types.js';

function emptyRow<C extends KnownCapability>(code: C['code'], name: string, value: C): CapabilityRow<C> {
  return defineRow<C>({
    code,
    name,
    decode: (_buf, _offset, length) => (length === 0 ? value : `${name} capability length ${length}, expected 0`),
    encodingLength: () => 0,
    encodeInto: () => 0,
    toJSON: () => ({}),
  });
}

export const routeRefreshRow = emptyRow<RouteRefreshCapability>(CapabilityCode.RouteRefresh, 'Route Refresh', {
  kind: 'route-refresh',
  code: CapabilityCode.RouteRefresh,
});

export const ciscoRouteRefreshRow = emptyRow<RouteRefreshCapability>(CapabilityCode.CiscoRouteRefresh, 'Route Refresh (pre-standard)', {
  kind: 'route-refresh',
  code: CapabilityCode.CiscoRouteRefresh,
});

export const enhancedRouteRefreshRow = emptyRow<EnhancedRouteRefreshCapability>(CapabilityCode.EnhancedRouteRefresh, 'Enhanced Route Refresh', {
  kind: 'enhanced-route-refresh',
  code: CapabilityCode.EnhancedRouteRefresh,
});

export const extendedMessageRow = emptyRow<ExtendedMessageCapability>(CapabilityCode.ExtendedMessage, 'Extended Message', {
  kind: 'extended-message',
  code: CapabilityCode.ExtendedMessage,
});
