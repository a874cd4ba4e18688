/**
 * Link and address events of a network namespace, for healing kernel routes: a socket joined to the rtnetlink
 * multicast groups RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR (linux/rtnetlink.h). When an
 * interface goes down the kernel deletes every route through it, without telling anyone (IPv4 sends no
 * RTM_DELROUTE for them); when it comes back, its connected routes return but ours do not. So the events that
 * matter are a link becoming usable (IFF_UP and IFF_RUNNING, RTM_NEWLINK) and an address appearing
 * (RTM_NEWADDR: the connected subnet a gateway needs is back). BIRD's kernel protocol re-scans on such events.
 *
 * Route groups are not joined: every route we install would come back as a notification (a million for a full
 * table), and the addon cannot attach the BPF filter that would keep them out; deletions by hand are found by
 * the periodic scan instead.
 *
 * The socket is read with zero-timeout receives every POLL_MS from a timer: a blocking receive would hold a
 * libuv threadpool thread (which the FIB's batches use) forever. Idle, that is a few non-blocking recvmsg calls
 * a second and no allocation.
 */
import { endianness } from 'node:os';
import { loadNetlink, type NetlinkBinding } from './native.js';
import { NLMSG_HDRLEN } from './netlink.js';

const LE = endianness() === 'LE';

// linux/netlink.h, linux/rtnetlink.h, linux/if.h
const NETLINK_ADD_MEMBERSHIP = 1;
const RTNLGRP_LINK = 1;
const RTNLGRP_IPV4_IFADDR = 5;
const RTNLGRP_IPV6_IFADDR = 9;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
/** struct ifinfomsg: family (0), type (2), ifi_index (4), ifi_flags (8), ifi_change (12). */
const IFI_INDEX = 4;
const IFI_FLAGS = 8;

/** How often the socket is looked at; with the re-sync's debounce, routes are back ~1.3 s after the link. */
export const POLL_MS = 250;
/** Link and address notifications are small and rare; a storm that overflows this is reported as 'lost'. */
const RCVBUF = 1 << 20;

/** Why a re-sync is wanted. */
export type LinkEventKind = 'link-up' | 'address' | 'lost';

export interface LinkEvent {
  readonly kind: LinkEventKind;
  /** The interface index (0 for 'lost'). */
  readonly ifindex: number;
}

export class LinkEvents {
  private readonly nl: NetlinkBinding;
  private fd: number;
  private readonly buf = new Uint8Array(64 * 1024);
  private readonly view = new DataView(this.buf.buffer);
  /** Interfaces last seen usable (IFF_UP and IFF_RUNNING), by index; absent = unknown or gone. */
  private readonly usable = new Map<number, boolean>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private reading: Promise<void> = Promise.resolve();
  private closed = false;
  /** Notifications read, and receives that found the kernel had dropped some (ENOBUFS). */
  readonly stats = { messages: 0, polls: 0, lost: 0 };

  private constructor(netns: string | undefined, private readonly onEvent: (e: LinkEvent) => void) {
    this.nl = loadNetlink();
    this.fd = this.nl.nlOpen(netns ?? null);
    try {
      this.nl.nlSetBuffers(this.fd, RCVBUF, 0);
      for (const g of [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR]) this.nl.nlSetOpt(this.fd, NETLINK_ADD_MEMBERSHIP, g);
    } catch (e) {
      this.nl.nlClose(this.fd);
      throw e;
    }
  }

  /** Join the groups in `netns` (default: the process's) and start reading; throws when rtnetlink is unusable. */
  static open(netns: string | undefined, onEvent: (e: LinkEvent) => void): LinkEvents {
    const w = new LinkEvents(netns, onEvent);
    w.schedule();
    return w;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.reading = this.poll().then(() => this.schedule(), () => this.schedule());
    }, POLL_MS);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      this.stats.polls++;
      const r = await this.nl.nlRecv(this.fd, this.buf, 0);
      if (r.bytes > 0) this.read(r.bytes);
      if (r.error !== null) {
        if (r.error.code !== 'ENOBUFS') throw r.error;
        // Notifications were dropped: something changed, we do not know what.
        this.stats.lost++;
        this.usable.clear();
        this.onEvent({ kind: 'lost', ifindex: 0 });
        continue;
      }
      if (r.bytes < this.buf.length / 2) return; // drained
    }
  }

  private read(bytes: number): void {
    const v = this.view;
    for (let at = 0; at + NLMSG_HDRLEN <= bytes; ) {
      const len = v.getUint32(at, LE);
      if (len === 0) {
        at += 4;
        continue;
      }
      if (len < NLMSG_HDRLEN || at + len > bytes) break;
      this.stats.messages++;
      const type = v.getUint16(at + 4, LE);
      const p = at + NLMSG_HDRLEN;
      if ((type === RTM_NEWLINK || type === RTM_DELLINK) && len >= NLMSG_HDRLEN + 16) {
        const index = v.getInt32(p + IFI_INDEX, LE);
        const flags = v.getUint32(p + IFI_FLAGS, LE);
        if (type === RTM_DELLINK) this.usable.delete(index);
        else {
          const up = (flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING);
          const was = this.usable.get(index);
          this.usable.set(index, up);
          // RTM_NEWLINK also comes for MTU, name or statistics changes: only a transition to usable counts.
          if (up && was !== true) this.onEvent({ kind: 'link-up', ifindex: index });
        }
      } else if (type === RTM_NEWADDR && len >= NLMSG_HDRLEN + 8) {
        this.onEvent({ kind: 'address', ifindex: v.getUint32(p + 4, LE) }); // struct ifaddrmsg: ifa_index at 4
      }
      at += (len + 3) & ~3;
    }
  }

  /** Stop reading and close the socket (after a receive under way finishes, so the fd is not reused early). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await this.reading.catch(() => undefined);
    this.nl.nlClose(this.fd);
    this.fd = -1;
  }
}
