/*
 * tcp_auth_linux.c: Linux implementation of tcp_auth.h.
 * Facts behind each choice are in /work/shared/docs/kernel-auth.md.
 */
#define _GNU_SOURCE
#include "tcp_auth.h"
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Layout checks against kernel-auth.md §2 and §5.2 (Linux 6.18 UAPI). */
_Static_assert(sizeof(struct ta_tcp_md5sig) == 216, "tcp_md5sig size");
_Static_assert(offsetof(struct ta_tcp_md5sig, tcpm_flags) == 128, "tcpm_flags");
_Static_assert(offsetof(struct ta_tcp_md5sig, tcpm_keylen) == 130, "tcpm_keylen");
_Static_assert(offsetof(struct ta_tcp_md5sig, tcpm_ifindex) == 132, "tcpm_ifindex");
_Static_assert(offsetof(struct ta_tcp_md5sig, tcpm_key) == 136, "tcpm_key");
_Static_assert(sizeof(struct ta_tcp_ao_add) == 288, "tcp_ao_add size");
_Static_assert(offsetof(struct ta_tcp_ao_add, alg_name) == 128, "ao_add alg_name");
_Static_assert(offsetof(struct ta_tcp_ao_add, ifindex) == 192, "ao_add ifindex");
_Static_assert(offsetof(struct ta_tcp_ao_add, flags) == 196, "ao_add flags");
_Static_assert(offsetof(struct ta_tcp_ao_add, prefix) == 202, "ao_add prefix");
_Static_assert(offsetof(struct ta_tcp_ao_add, keylen) == 207, "ao_add keylen");
_Static_assert(offsetof(struct ta_tcp_ao_add, key) == 208, "ao_add key");
_Static_assert(sizeof(struct ta_tcp_ao_del) == 144, "tcp_ao_del size");
_Static_assert(offsetof(struct ta_tcp_ao_del, flags) == 132, "ao_del flags");
_Static_assert(offsetof(struct ta_tcp_ao_del, keyflags) == 143, "ao_del keyflags");
_Static_assert(sizeof(struct ta_tcp_ao_info_opt) == 48, "tcp_ao_info_opt size");
_Static_assert(offsetof(struct ta_tcp_ao_info_opt, current_key) == 6, "ao_info current_key");
_Static_assert(offsetof(struct ta_tcp_ao_info_opt, pkt_good) == 8, "ao_info pkt_good");
_Static_assert(offsetof(struct ta_tcp_ao_info_opt, pkt_dropped_icmp) == 40, "ao_info icmp");
_Static_assert(sizeof(struct ta_tcp_ao_getsockopt) == 304, "tcp_ao_getsockopt size");
_Static_assert(offsetof(struct ta_tcp_ao_getsockopt, key) == 192, "ao_get key");
_Static_assert(offsetof(struct ta_tcp_ao_getsockopt, nkeys) == 272, "ao_get nkeys");
_Static_assert(offsetof(struct ta_tcp_ao_getsockopt, flags) == 276, "ao_get flags");
_Static_assert(offsetof(struct ta_tcp_ao_getsockopt, keylen) == 283, "ao_get keylen");
_Static_assert(offsetof(struct ta_tcp_ao_getsockopt, ifindex) == 284, "ao_get ifindex");
_Static_assert(offsetof(struct ta_tcp_ao_getsockopt, pkt_bad) == 296, "ao_get pkt_bad");

static inline int neg_errno(void) { return errno ? -errno : -EIO; }

/* Overwrite secrets in a way the optimiser may not drop. */
static void wipe(void *p, size_t n) {
  volatile uint8_t *v = (volatile uint8_t *)p;
  while (n--) *v++ = 0;
}

int ta_platform_supported(void) { return 1; }

int ta_parse_addr(const char *text, uint16_t port, struct sockaddr_storage *out, socklen_t *outlen) {
  memset(out, 0, sizeof(*out));
  struct sockaddr_in *sin = (struct sockaddr_in *)out;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
  if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    *outlen = sizeof(*sin);
    return 0;
  }
  if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    *outlen = sizeof(*sin6);
    return 0;
  }
  return -EINVAL;
}

static int tcp_socket(void *arg) {
  int fd = socket(*(const int *)arg, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  return fd < 0 ? neg_errno() : fd;
}

int ta_socket(int family, const char *netns_path) {
  if (family != AF_INET && family != AF_INET6) return -EAFNOSUPPORT;
  return ns_call(netns_path, tcp_socket, &family);
}

int ta_set_reuseaddr(int fd) { return ta_setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1); }

int ta_set_v6only(int fd, int on) { return ta_setsockopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, on ? 1 : 0); }

int ta_bind(int fd, const struct sockaddr_storage *sa, socklen_t len) {
  return bind(fd, (const struct sockaddr *)sa, len) < 0 ? neg_errno() : 0;
}

int ta_listen(int fd, int backlog) { return listen(fd, backlog) < 0 ? neg_errno() : 0; }

int ta_close(int fd) { return close(fd) < 0 ? neg_errno() : 0; }

int ta_local_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return neg_errno();
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return -EAFNOSUPPORT;
}

int ta_socket_family(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return neg_errno();
  return ss.ss_family;
}

int ta_setsockopt_int(int fd, int level, int optname, int value) {
  return setsockopt(fd, level, optname, &value, sizeof(value)) < 0 ? neg_errno() : 0;
}

int ta_getsockopt_int(int fd, int level, int optname, int *out) {
  socklen_t len = sizeof(*out);
  return getsockopt(fd, level, optname, out, &len) < 0 ? neg_errno() : 0;
}

int ta_md5_set(int fd, const struct sockaddr_storage *peer, int prefixlen, int ifindex,
               const uint8_t *key, size_t keylen) {
  /* RFC 2385 §4.5 leaves the key length open; Linux caps it at 80 bytes. */
  if (keylen > TA_TCP_MD5SIG_MAXKEYLEN) return -EINVAL;
  struct ta_tcp_md5sig sig;
  memset(&sig, 0, sizeof(sig));
  memcpy(&sig.tcpm_addr, peer, sizeof(sig.tcpm_addr));
  int optname = TA_TCP_MD5SIG;
  if (prefixlen >= 0) {
    if (prefixlen > 128) return -EINVAL;
    optname = TA_TCP_MD5SIG_EXT;
    sig.tcpm_flags |= TA_TCP_MD5SIG_FLAG_PREFIX;
    sig.tcpm_prefixlen = (uint8_t)prefixlen;
  }
  if (ifindex >= 0) {
    optname = TA_TCP_MD5SIG_EXT;
    sig.tcpm_flags |= TA_TCP_MD5SIG_FLAG_IFINDEX;
    sig.tcpm_ifindex = ifindex;
  }
  sig.tcpm_keylen = (uint16_t)keylen; /* 0 = delete */
  if (keylen > 0) memcpy(sig.tcpm_key, key, keylen);
  int rc = setsockopt(fd, IPPROTO_TCP, optname, &sig, sizeof(sig)) < 0 ? neg_errno() : 0;
  wipe(&sig, sizeof(sig));
  return rc;
}

static size_t ao_struct_size(int optname) {
  switch (optname) {
    case TA_TCP_AO_ADD_KEY: return sizeof(struct ta_tcp_ao_add);
    case TA_TCP_AO_DEL_KEY: return sizeof(struct ta_tcp_ao_del);
    case TA_TCP_AO_INFO: return sizeof(struct ta_tcp_ao_info_opt);
    default: return 0;
  }
}

int ta_ao_setsockopt(int fd, int optname, const void *buf, size_t len) {
  size_t want = ao_struct_size(optname);
  if (want == 0 || len != want) return -EINVAL;
  /* Copy into an aligned struct-sized buffer; the kernel reads exactly len. */
  union {
    struct ta_tcp_ao_add add;
    struct ta_tcp_ao_del del;
    struct ta_tcp_ao_info_opt info;
  } u;
  memcpy(&u, buf, len);
  int rc = setsockopt(fd, IPPROTO_TCP, optname, &u, (socklen_t)len) < 0 ? neg_errno() : 0;
  wipe(&u, sizeof(u));
  return rc;
}

int ta_ao_get_info(int fd, struct ta_tcp_ao_info_opt *out) {
  memset(out, 0, sizeof(*out));
  socklen_t len = sizeof(*out);
  return getsockopt(fd, IPPROTO_TCP, TA_TCP_AO_INFO, out, &len) < 0 ? neg_errno() : 0;
}

int ta_ao_get_keys(int fd, struct ta_tcp_ao_getsockopt *arr, uint32_t cap) {
  if (cap == 0) return -EINVAL;
  arr[0].nkeys = cap;
  socklen_t len = sizeof(arr[0]); /* element size, per the UAPI */
  int rc = getsockopt(fd, IPPROTO_TCP, TA_TCP_AO_GET_KEYS, arr, &len) < 0 ? neg_errno() : 0;
  /* The kernel returns key material; it must never reach JS. */
  for (uint32_t i = 0; i < cap; i++) wipe(arr[i].key, sizeof(arr[i].key));
  if (rc < 0) return rc;
  return (int)arr[0].nkeys;
}

int ta_probe_md5(int *err_out) {
  int fd = ta_socket(AF_INET, NULL);
  if (fd < 0) {
    *err_out = -fd;
    return fd;
  }
  /* Delete of a never-set key: ENOENT = MD5 compiled in, ENOPROTOOPT = not. */
  struct sockaddr_storage ss;
  socklen_t sl;
  ta_parse_addr("192.0.2.1", 0, &ss, &sl);
  int rc = ta_md5_set(fd, &ss, -1, -1, NULL, 0);
  close(fd);
  *err_out = rc < 0 ? -rc : 0;
  if (rc == -ENOENT || rc == 0) return 1;
  if (rc == -ENOPROTOOPT) return 0;
  return rc;
}

int ta_probe_ao(int *err_out) {
  int fd = ta_socket(AF_INET, NULL);
  if (fd < 0) {
    *err_out = -fd;
    return fd;
  }
  /* getsockopt(TCP_AO_INFO) on a fresh socket: ENOENT = AO present (no info
   * yet), ENOPROTOOPT = kernel without CONFIG_TCP_AO. */
  struct ta_tcp_ao_info_opt info;
  int rc = ta_ao_get_info(fd, &info);
  close(fd);
  *err_out = rc < 0 ? -rc : 0;
  if (rc == -ENOENT || rc == 0) return 1;
  if (rc == -ENOPROTOOPT) return 0;
  return rc;
}
