/*
 * netlink.h: pure C API for an rtnetlink (NETLINK_ROUTE) socket.
 *
 * Only the socket lives here; every message is encoded and decoded in
 * TypeScript (src/fib/netlink.ts). Functions return a non-negative value on
 * success and -errno on failure, taken atomically with the system call.
 *
 * The socket is non-blocking. nl_send hands a prepared buffer (one or many
 * nlmsghdr-framed requests) to the kernel, which processes rtnetlink requests
 * synchronously inside sendmsg, so the call can take a few ms for a large
 * batch: the glue runs it on the libuv threadpool. nl_recv waits with poll()
 * for at most timeout_ms and never blocks longer.
 */
#ifndef TSBGPD_NETLINK_H
#define TSBGPD_NETLINK_H

#include <stddef.h>
#include <stdint.h>

/* SOL_NETLINK options (linux/netlink.h). */
#define NLS_SOL_NETLINK 270
#define NLS_NETLINK_CAP_ACK 10
#define NLS_NETLINK_EXT_ACK 11
#define NLS_NETLINK_GET_STRICT_CHK 12

#ifdef __linux__
/*
 * socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE),
 * bound with nl_pid = 0 (the kernel assigns the port id) and no multicast
 * groups. When netns_path is non-NULL the socket is created inside that
 * network namespace (setns on the calling thread, then back) and talks to
 * that namespace's routing tables for its whole life.
 */
int nl_open(const char *netns_path);
/* SO_RCVBUF/SO_SNDBUF in bytes (0 = leave alone). Tries the *FORCE variants
 * first (CAP_NET_ADMIN lifts rmem_max/wmem_max), then the capped ones. */
int nl_set_buffers(int fd, int rcvbuf, int sndbuf);
/* setsockopt(SOL_NETLINK, opt, value) for NETLINK_CAP_ACK, EXT_ACK, ... */
int nl_set_opt(int fd, int opt, int value);
/* Port id the kernel assigned (nlmsg_pid of our requests' replies), or -errno. */
int nl_port_id(int fd);
/* sendto(kernel) of len bytes; returns bytes sent or -errno. */
int nl_send(int fd, const void *buf, size_t len);
/*
 * Receive the datagrams queued on the socket into buf, back to back, each
 * padded to 4 bytes (NLMSG_ALIGNTO) so that buf holds one nlmsghdr stream.
 * Waits with poll() for at most timeout_ms (0 = do not wait) for the first
 * one; stops when nothing more is queued or fewer than NL_RECV_MAX_DATAGRAM
 * bytes are left (cap should be a few times that). Returns the bytes stored.
 * An error (ENOBUFS: the kernel dropped messages because the receive buffer
 * was full; EMSGSIZE: a datagram larger than the space left was dropped)
 * goes to *err_out, also when data came before it, because the kernel
 * reports it only once.
 */
#define NL_RECV_MAX_DATAGRAM 65536
int nl_recv(int fd, void *buf, size_t cap, int timeout_ms, int *err_out);
int nl_close(int fd);
#else
#include <errno.h>
static inline int nl_open(const char *p) { (void)p; return -EOPNOTSUPP; }
static inline int nl_set_buffers(int fd, int r, int s) { (void)fd; (void)r; (void)s; return -EOPNOTSUPP; }
static inline int nl_set_opt(int fd, int o, int v) { (void)fd; (void)o; (void)v; return -EOPNOTSUPP; }
static inline int nl_port_id(int fd) { (void)fd; return -EOPNOTSUPP; }
static inline int nl_send(int fd, const void *b, size_t l) { (void)fd; (void)b; (void)l; return -EOPNOTSUPP; }
static inline int nl_recv(int fd, void *b, size_t c, int t, int *e) {
  (void)fd; (void)b; (void)c; (void)t; *e = -EOPNOTSUPP; return 0;
}
static inline int nl_close(int fd) { (void)fd; return -EOPNOTSUPP; }
#endif

#endif
