// RFC 9234 §4.1: BGP Role capability, code 9, length 1.
import { BgpRole, CapabilityCode } from '../iana.js';
import { checkUint } from '../codec.js';
import { defineRow, type RoleCapability } from './types.js';

const ROLE_NAMES: Readonly<Record<number, string>> = {
  [BgpRole.Provider]: 'Provider',
  [BgpRole.RS]: 'RS',
  [BgpRole.RSClient]: 'RS-Client',
  [BgpRole.Customer]: 'Customer',
  [BgpRole.Peer]: 'Peer',
};

export const roleName = (role: number): string => ROLE_NAMES[role] ?? `unassigned(${role})`;

export const roleRow = defineRow<RoleCapability>({
  code: CapabilityCode.Role,
  name: 'BGP Role',
  decode(buf, offset, length) {
    // RFC 9234 §4.1 only defines length 1. An unassigned role value is syntactically fine; the session
    // layer decides (RFC 9234 §4.2: Role Mismatch).
    if (length !== 1) return `BGP Role capability length ${length}, expected 1`;
    return { kind: 'role', code: CapabilityCode.Role, role: buf[offset]! };
  },
  encodingLength: () => 1,
  encodeInto(cap, buf, offset) {
    checkUint('role', cap.role, 0xff);
    buf[offset] = cap.role;
    return 1;
  },
  toJSON: (cap) => ({ role: cap.role, roleName: roleName(cap.role) }),
});
