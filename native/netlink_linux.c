/*
 * netlink_linux.c: the rtnetlink socket behind src/fib. See netlink.h.
 */
#define _GNU_SOURCE
#include "netlink.h"
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

_Static_assert(NLS_SOL_NETLINK == SOL_NETLINK, "SOL_NETLINK");
_Static_assert(NLS_NETLINK_CAP_ACK == NETLINK_CAP_ACK, "NETLINK_CAP_ACK");
_Static_assert(NLS_NETLINK_EXT_ACK == NETLINK_EXT_ACK, "NETLINK_EXT_ACK");
_Static_assert(NLS_NETLINK_GET_STRICT_CHK == NETLINK_GET_STRICT_CHK, "NETLINK_GET_STRICT_CHK");

static int neg_errno(void) { return errno > 0 ? -errno : -EIO; }

static int open_here(void *unused) {
  (void)unused;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return neg_errno();
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof(sa));
  sa.nl_family = AF_NETLINK;
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    int e = neg_errno();
    close(fd);
    return e;
  }
  return fd;
}

int nl_open(const char *netns_path) { return ns_call(netns_path, open_here, NULL); }

static int set_int(int fd, int level, int opt, int value) {
  return setsockopt(fd, level, opt, &value, sizeof(value)) < 0 ? neg_errno() : 0;
}

int nl_set_buffers(int fd, int rcvbuf, int sndbuf) {
  if (rcvbuf > 0 && set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf) < 0) {
    int rc = set_int(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf);
    if (rc < 0) return rc;
  }
  if (sndbuf > 0 && set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, sndbuf) < 0) {
    int rc = set_int(fd, SOL_SOCKET, SO_SNDBUF, sndbuf);
    if (rc < 0) return rc;
  }
  return 0;
}

int nl_set_opt(int fd, int opt, int value) { return set_int(fd, SOL_NETLINK, opt, value); }

int nl_port_id(int fd) {
  struct sockaddr_nl sa;
  socklen_t len = sizeof(sa);
  if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) return neg_errno();
  return (int)(sa.nl_pid & 0x7fffffff);
}

int nl_send(int fd, const void *buf, size_t len) {
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof(kernel));
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
    if (n >= 0) return (int)n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return neg_errno();
    /* Send buffer momentarily full: wait for room, briefly. */
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int r = poll(&p, 1, 1000);
    if (r == 0) return -EAGAIN;
    if (r < 0 && errno != EINTR) return neg_errno();
  }
}

/* One datagram, or -errno; MSG_TRUNC makes recv report its real length. */
static int recv_one(int fd, uint8_t *buf, size_t cap) {
  for (;;) {
    ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
    if (n >= 0) return (size_t)n > cap ? -EMSGSIZE : (int)n;
    if (errno != EINTR) return neg_errno();
  }
}

int nl_recv(int fd, void *buf, size_t cap, int timeout_ms, int *err_out) {
  uint8_t *p = buf;
  size_t used = 0;
  *err_out = 0;
  if (cap > 0x40000000u) cap = 0x40000000u;
  for (;;) {
    int n = recv_one(fd, p + used, cap - used);
    if (n == -EAGAIN || n == -EWOULDBLOCK) {
      if (used > 0 || timeout_ms <= 0) return (int)used;
      struct pollfd pf = {.fd = fd, .events = POLLIN};
      int r = poll(&pf, 1, timeout_ms);
      if (r < 0 && errno != EINTR) {
        *err_out = neg_errno();
        return 0;
      }
      timeout_ms = 0; /* one wait only; the caller loops with its own deadline */
      continue;
    }
    if (n < 0) {
      *err_out = n; /* reported once by the kernel (e.g. ENOBUFS): never dropped */
      return (int)used;
    }
    /* Pad to NLMSG_ALIGNTO so that the concatenation is one message stream. */
    size_t end = used + (size_t)n;
    size_t aligned = (end + 3u) & ~(size_t)3u;
    if (aligned > cap) aligned = cap;
    memset(p + end, 0, aligned - end);
    used = aligned;
    if (cap - used < NL_RECV_MAX_DATAGRAM) return (int)used;
  }
}

int nl_close(int fd) { return close(fd) < 0 ? neg_errno() : 0; }
