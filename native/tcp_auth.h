/*
 * tcp_auth.h: pure C API for authenticated BGP transport sockets.
 *
 * No Node types here. Every function returns 0 (or a non-negative value) on
 * success and -errno on failure, atomically with the system call, so the glue
 * layer never has to read a global errno after other code has run.
 *
 * Covers: socket lifecycle (socket/bind/listen/close, optionally created inside
 * another network namespace), TCP-MD5 (RFC 2385) keys via TCP_MD5SIG and
 * TCP_MD5SIG_EXT, TCP-AO (RFC 5925) via the Linux 6.7+ UAPI, GTSM (RFC 5082)
 * TTL options, and side-effect-free feature probes.
 *
 * Key material passes through these functions but is never copied anywhere
 * except into the kernel's option struct, which is zeroed before returning.
 */
#ifndef TSBGPD_TCP_AUTH_H
#define TSBGPD_TCP_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Option numbers (Linux UAPI). Debian 12's headers lack the TCP-AO ones. */
#define TA_TCP_MD5SIG 14
#define TA_TCP_MD5SIG_EXT 32
#define TA_TCP_MD5SIG_MAXKEYLEN 80
#define TA_TCP_MD5SIG_FLAG_PREFIX 0x1
#define TA_TCP_MD5SIG_FLAG_IFINDEX 0x2
#define TA_TCP_AO_ADD_KEY 38
#define TA_TCP_AO_DEL_KEY 39
#define TA_TCP_AO_INFO 40
#define TA_TCP_AO_GET_KEYS 41
#define TA_TCP_AO_MAXKEYLEN 80
#define TA_IP_TTL 2
#define TA_IP_MINTTL 21
#define TA_IPV6_UNICAST_HOPS 16
#define TA_IPV6_MINHOPCOUNT 73

/* struct tcp_md5sig as in linux/tcp.h (glibc's copy lacks tcpm_ifindex). */
struct ta_tcp_md5sig {
  struct sockaddr_storage tcpm_addr;
  uint8_t tcpm_flags;
  uint8_t tcpm_prefixlen;
  uint16_t tcpm_keylen;
  int32_t tcpm_ifindex;
  uint8_t tcpm_key[TA_TCP_MD5SIG_MAXKEYLEN];
};

/*
 * TCP-AO UAPI structs, transcribed from Linux 6.18 include/uapi/linux/tcp.h
 * (field order and widths only; the layout is checked by _Static_assert in
 * tcp_auth_linux.c against the sizes documented in kernel-auth.md §5.2).
 * Bitfields are kept as plain integers with explicit masks so that the
 * encoding does not depend on the compiler's bitfield allocation.
 */
#define TA_AO_ADD_SET_CURRENT 0x1u
#define TA_AO_ADD_SET_RNEXT 0x2u
#define TA_AO_DEL_SET_CURRENT 0x1u
#define TA_AO_DEL_SET_RNEXT 0x2u
#define TA_AO_DEL_ASYNC 0x4u
#define TA_AO_INFO_SET_CURRENT 0x1u
#define TA_AO_INFO_SET_RNEXT 0x2u
#define TA_AO_INFO_AO_REQUIRED 0x4u
#define TA_AO_INFO_SET_COUNTERS 0x8u
#define TA_AO_INFO_ACCEPT_ICMPS 0x10u
#define TA_AO_GETKEYS_IS_CURRENT 0x1u
#define TA_AO_GETKEYS_IS_RNEXT 0x2u
#define TA_AO_GETKEYS_GET_ALL 0x4u

struct ta_tcp_ao_add {
  struct sockaddr_storage addr;
  char alg_name[64];
  int32_t ifindex;
  uint32_t flags; /* set_current:1, set_rnext:1, reserved:30 */
  uint16_t reserved2;
  uint8_t prefix;
  uint8_t sndid;
  uint8_t rcvid;
  uint8_t maclen;
  uint8_t keyflags;
  uint8_t keylen;
  uint8_t key[TA_TCP_AO_MAXKEYLEN];
} __attribute__((aligned(8)));

struct ta_tcp_ao_del {
  struct sockaddr_storage addr;
  int32_t ifindex;
  uint32_t flags; /* set_current:1, set_rnext:1, del_async:1, reserved:29 */
  uint16_t reserved2;
  uint8_t prefix;
  uint8_t sndid;
  uint8_t rcvid;
  uint8_t current_key;
  uint8_t rnext;
  uint8_t keyflags;
} __attribute__((aligned(8)));

struct ta_tcp_ao_info_opt {
  uint32_t flags; /* set_current, set_rnext, ao_required, set_counters, accept_icmps */
  uint16_t reserved2;
  uint8_t current_key;
  uint8_t rnext;
  uint64_t pkt_good;
  uint64_t pkt_bad;
  uint64_t pkt_key_not_found;
  uint64_t pkt_ao_required;
  uint64_t pkt_dropped_icmp;
} __attribute__((aligned(8)));

struct ta_tcp_ao_getsockopt {
  struct sockaddr_storage addr;
  char alg_name[64];
  uint8_t key[TA_TCP_AO_MAXKEYLEN];
  uint32_t nkeys;
  uint16_t flags; /* is_current:1, is_rnext:1, get_all:1, reserved:13 */
  uint8_t sndid;
  uint8_t rcvid;
  uint8_t prefix;
  uint8_t maclen;
  uint8_t keyflags;
  uint8_t keylen;
  int32_t ifindex;
  uint64_t pkt_good;
  uint64_t pkt_bad;
} __attribute__((aligned(8)));

/* 1 when this build has a real implementation, 0 for the portability stub. */
int ta_platform_supported(void);

/* Parse a numeric IPv4/IPv6 address into a sockaddr; port in host order. */
int ta_parse_addr(const char *text, uint16_t port, struct sockaddr_storage *out, socklen_t *outlen);

/*
 * socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP).
 * family is AF_INET or AF_INET6. When netns_path is non-NULL the socket is
 * created inside that network namespace (setns on the calling thread, then
 * back); the socket stays bound to that namespace for its whole life.
 */
int ta_socket(int family, const char *netns_path);
int ta_set_reuseaddr(int fd);
int ta_set_v6only(int fd, int on);
int ta_bind(int fd, const struct sockaddr_storage *sa, socklen_t len);
int ta_listen(int fd, int backlog);
int ta_close(int fd);
/* Bound local port (host order) or -errno. */
int ta_local_port(int fd);
/* Address family of a socket (AF_INET / AF_INET6) or -errno. */
int ta_socket_family(int fd);

int ta_setsockopt_int(int fd, int level, int optname, int value);
int ta_getsockopt_int(int fd, int level, int optname, int *out);

/*
 * TCP-MD5 add (keylen 1..80) or delete (keylen 0) for one peer.
 * prefixlen < 0 uses TCP_MD5SIG (single address); prefixlen >= 0 uses
 * TCP_MD5SIG_EXT with TCP_MD5SIG_FLAG_PREFIX. ifindex >= 0 adds
 * TCP_MD5SIG_FLAG_IFINDEX (and forces TCP_MD5SIG_EXT).
 */
int ta_md5_set(int fd, const struct sockaddr_storage *peer, int prefixlen, int ifindex,
               const uint8_t *key, size_t keylen);

/*
 * TCP-AO setsockopt with a pre-encoded struct. optname is TA_TCP_AO_ADD_KEY,
 * TA_TCP_AO_DEL_KEY or TA_TCP_AO_INFO; len must equal the struct size.
 */
int ta_ao_setsockopt(int fd, int optname, const void *buf, size_t len);
/* getsockopt(TCP_AO_INFO) into *out. */
int ta_ao_get_info(int fd, struct ta_tcp_ao_info_opt *out);
/*
 * getsockopt(TCP_AO_GET_KEYS). arr[0] carries the request (nkeys = capacity
 * cap, flags, address filter). Key bytes of every element are zeroed before
 * return. Returns the number of matching keys reported by the kernel.
 */
int ta_ao_get_keys(int fd, struct ta_tcp_ao_getsockopt *arr, uint32_t cap);

/*
 * Probes on a fresh throw-away socket; they change nothing.
 * Return 1 = supported, 0 = not supported (ENOPROTOOPT), other -errno = unknown.
 */
int ta_probe_md5(int *err_out);
int ta_probe_ao(int *err_out);

#endif
