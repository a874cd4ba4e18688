/*
 * tcp_auth_stub.c: portability stub for platforms other than Linux. tsbgpd's
 * authenticated transport needs Linux TCP_MD5SIG / TCP-AO; every call here
 * fails with EOPNOTSUPP and the glue reports "not supported on this platform".
 */
#include "tcp_auth.h"

#include <errno.h>
#include <string.h>

int ta_platform_supported(void) { return 0; }
int ta_parse_addr(const char *text, uint16_t port, struct sockaddr_storage *out, socklen_t *outlen) {
  (void)text; (void)port; (void)outlen;
  memset(out, 0, sizeof(*out));
  return -EOPNOTSUPP;
}
int ta_socket(int family, const char *netns_path) { (void)family; (void)netns_path; return -EOPNOTSUPP; }
int ta_set_reuseaddr(int fd) { (void)fd; return -EOPNOTSUPP; }
int ta_set_v6only(int fd, int on) { (void)fd; (void)on; return -EOPNOTSUPP; }
int ta_bind(int fd, const struct sockaddr_storage *sa, socklen_t len) { (void)fd; (void)sa; (void)len; return -EOPNOTSUPP; }
int ta_listen(int fd, int backlog) { (void)fd; (void)backlog; return -EOPNOTSUPP; }
int ta_close(int fd) { (void)fd; return -EOPNOTSUPP; }
int ta_local_port(int fd) { (void)fd; return -EOPNOTSUPP; }
int ta_socket_family(int fd) { (void)fd; return -EOPNOTSUPP; }
int ta_setsockopt_int(int fd, int level, int optname, int value) {
  (void)fd; (void)level; (void)optname; (void)value;
  return -EOPNOTSUPP;
}
int ta_getsockopt_int(int fd, int level, int optname, int *out) {
  (void)fd; (void)level; (void)optname; (void)out;
  return -EOPNOTSUPP;
}
int ta_md5_set(int fd, const struct sockaddr_storage *peer, int prefixlen, int ifindex, const uint8_t *key,
               size_t keylen) {
  (void)fd; (void)peer; (void)prefixlen; (void)ifindex; (void)key; (void)keylen;
  return -EOPNOTSUPP;
}
int ta_ao_setsockopt(int fd, int optname, const void *buf, size_t len) {
  (void)fd; (void)optname; (void)buf; (void)len;
  return -EOPNOTSUPP;
}
int ta_ao_get_info(int fd, struct ta_tcp_ao_info_opt *out) { (void)fd; (void)out; return -EOPNOTSUPP; }
int ta_ao_get_keys(int fd, struct ta_tcp_ao_getsockopt *arr, uint32_t cap) {
  (void)fd; (void)arr; (void)cap;
  return -EOPNOTSUPP;
}
int ta_probe_md5(int *err_out) { *err_out = EOPNOTSUPP; return 0; }
int ta_probe_ao(int *err_out) { *err_out = EOPNOTSUPP; return 0; }
