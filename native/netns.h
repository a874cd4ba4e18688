/*
 * netns.h: run one socket-creating call inside another network namespace. Pure C, no Node types.
 */
#ifndef TSBGPD_NETNS_H
#define TSBGPD_NETNS_H

/*
 * Calls make(arg) with the calling thread inside the network namespace at netns_path (e.g. /run/netns/x), then
 * moves the thread back, and returns make's result (an fd, or -errno). netns_path NULL: calls make(arg) here.
 * Returns -errno when the namespace cannot be entered. Aborts if the thread cannot return to its own namespace:
 * a JS thread left in a foreign namespace would silently misroute every later socket.
 */
int ns_call(const char *netns_path, int (*make)(void *arg), void *arg);

#endif
