/*
 * binding.c: thin Node-API glue over tcp_auth.h. No socket logic lives here:
 * it converts arguments, calls the C API and turns -errno into a JS Error with
 * `code` (e.g. 'EINVAL'), `errno` (number) and `syscall`. Messages never carry
 * key bytes; key buffers are read in place and never copied into JS strings.
 */
#define _GNU_SOURCE
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_auth.h"
#include "netlink.h"

#define CHECK(call)                                                      \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      napi_throw_error(env, "ERR_TSBGPD_NATIVE", "Node-API call failed"); \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

static const char *errno_name(int e) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *n = strerrorname_np(e);
  if (n != NULL) return n;
#endif
  return "EUNKNOWN";
}

static napi_value throw_errno(napi_env env, int neg, const char *syscall) {
  int e = neg < 0 ? -neg : neg;
  char msg[256];
  if (!ta_platform_supported()) {
    snprintf(msg, sizeof(msg), "%s: TCP authentication sockets are not supported on this platform", syscall);
  } else {
    snprintf(msg, sizeof(msg), "%s failed: %s (%s)", syscall, strerror(e), errno_name(e));
  }
  napi_value code, message, err, errnum, sc;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &err);
  napi_create_int32(env, e, &errnum);
  napi_set_named_property(env, err, "errno", errnum);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, err, "syscall", sc);
  napi_throw(env, err);
  return NULL;
}

static napi_value type_error(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  for (size_t i = argc; i < want; i++) napi_get_undefined(env, &argv[i]);
  return 1;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* Bytes of a Buffer or any Uint8Array, without copying. */
static int arg_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  void *p;
  size_t n;
  if (napi_get_typedarray_info(env, v, &type, &n, &p, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = (uint8_t *)p;
  *len = n;
  return 1;
}

static napi_value int_result(napi_env env, int rc, const char *syscall) {
  if (rc < 0) return throw_errno(env, rc, syscall);
  napi_value r;
  CHECK(napi_create_int32(env, rc, &r));
  return r;
}

static napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t fam;
  if (!arg_int(env, argv[0], &fam) || (fam != 4 && fam != 6)) return type_error(env, "family must be 4 or 6");
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[1], &t));
  char path[512];
  const char *ns = NULL;
  if (t == napi_string) {
    size_t n;
    CHECK(napi_get_value_string_utf8(env, argv[1], path, sizeof(path), &n));
    if (n >= sizeof(path) - 1) return type_error(env, "netns path too long");
    ns = path;
  } else if (t != napi_undefined && t != napi_null) {
    return type_error(env, "netns path must be a string");
  }
  int rc = ta_socket(fam == 4 ? AF_INET : AF_INET6, ns);
  return int_result(env, rc, ns ? "setns+socket" : "socket");
}

static napi_value js_fd_op(napi_env env, napi_callback_info info, int (*op)(int), const char *syscall) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) return type_error(env, "fd must be a number");
  return int_result(env, op(fd), syscall);
}

static napi_value js_set_reuseaddr(napi_env env, napi_callback_info info) {
  return js_fd_op(env, info, ta_set_reuseaddr, "setsockopt(SO_REUSEADDR)");
}
static napi_value js_close(napi_env env, napi_callback_info info) { return js_fd_op(env, info, ta_close, "close"); }
static napi_value js_local_port(napi_env env, napi_callback_info info) {
  return js_fd_op(env, info, ta_local_port, "getsockname");
}
static int family_46(int fd) {
  int f = ta_socket_family(fd);
  if (f < 0) return f;
  return f == AF_INET ? 4 : f == AF_INET6 ? 6 : -EAFNOSUPPORT;
}
static napi_value js_socket_family(napi_env env, napi_callback_info info) {
  return js_fd_op(env, info, family_46, "getsockname");
}

static napi_value js_set_v6only(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t fd;
  bool on;
  if (!arg_int(env, argv[0], &fd)) return type_error(env, "fd must be a number");
  if (napi_get_value_bool(env, argv[1], &on) != napi_ok) return type_error(env, "on must be a boolean");
  return int_result(env, ta_set_v6only(fd, on), "setsockopt(IPV6_V6ONLY)");
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int32_t fd, port;
  char addr[64];
  size_t n;
  if (!arg_int(env, argv[0], &fd)) return type_error(env, "fd must be a number");
  if (napi_get_value_string_utf8(env, argv[1], addr, sizeof(addr), &n) != napi_ok)
    return type_error(env, "address must be a string");
  if (!arg_int(env, argv[2], &port) || port < 0 || port > 65535) return type_error(env, "port must be 0..65535");
  struct sockaddr_storage ss;
  socklen_t sl;
  int rc = ta_parse_addr(addr, (uint16_t)port, &ss, &sl);
  if (rc < 0) return throw_errno(env, rc, "inet_pton");
  return int_result(env, ta_bind(fd, &ss, sl), "bind");
}

static napi_value js_listen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t fd, backlog;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &backlog)) return type_error(env, "fd, backlog");
  return int_result(env, ta_listen(fd, backlog), "listen");
}

static const char *sockopt_name(int level, int optname) {
  if (level == SOL_SOCKET && optname == SO_REUSEADDR) return "setsockopt(SO_REUSEADDR)";
  if (level == IPPROTO_IP && optname == TA_IP_TTL) return "setsockopt(IP_TTL)";
  if (level == IPPROTO_IP && optname == TA_IP_MINTTL) return "setsockopt(IP_MINTTL)";
  if (level == IPPROTO_IPV6 && optname == TA_IPV6_UNICAST_HOPS) return "setsockopt(IPV6_UNICAST_HOPS)";
  if (level == IPPROTO_IPV6 && optname == TA_IPV6_MINHOPCOUNT) return "setsockopt(IPV6_MINHOPCOUNT)";
  return "setsockopt";
}

static napi_value js_setsockopt_int(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  int32_t fd, level, name, value;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &level) || !arg_int(env, argv[2], &name) ||
      !arg_int(env, argv[3], &value))
    return type_error(env, "fd, level, optname, value must be numbers");
  return int_result(env, ta_setsockopt_int(fd, level, name, value), sockopt_name(level, name));
}

static napi_value js_getsockopt_int(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int32_t fd, level, name;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &level) || !arg_int(env, argv[2], &name))
    return type_error(env, "fd, level, optname must be numbers");
  int out = 0;
  int rc = ta_getsockopt_int(fd, level, name, &out);
  if (rc < 0) return throw_errno(env, rc, "getsockopt");
  napi_value r;
  CHECK(napi_create_int32(env, out, &r));
  return r;
}

/* md5Set(fd, address, prefixLen (-1 none), ifindex (-1 none), key | null) */
static napi_value js_md5_set(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return NULL;
  int32_t fd, prefix, ifindex;
  char addr[64];
  size_t n;
  if (!arg_int(env, argv[0], &fd)) return type_error(env, "fd must be a number");
  if (napi_get_value_string_utf8(env, argv[1], addr, sizeof(addr), &n) != napi_ok)
    return type_error(env, "address must be a string");
  if (!arg_int(env, argv[2], &prefix) || !arg_int(env, argv[3], &ifindex))
    return type_error(env, "prefixLen and ifindex must be numbers");
  uint8_t *key = NULL;
  size_t keylen = 0;
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[4], &t));
  if (t != napi_null && t != napi_undefined && !arg_bytes(env, argv[4], &key, &keylen))
    return type_error(env, "key must be a Uint8Array or null");
  const char *sc = (prefix >= 0 || ifindex >= 0) ? "setsockopt(TCP_MD5SIG_EXT)" : "setsockopt(TCP_MD5SIG)";
  struct sockaddr_storage ss;
  socklen_t sl;
  int rc = ta_parse_addr(addr, 0, &ss, &sl);
  if (rc < 0) return throw_errno(env, rc, "inet_pton");
  return int_result(env, ta_md5_set(fd, &ss, prefix, ifindex, key, keylen), sc);
}

static napi_value js_ao_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int32_t fd, optname;
  uint8_t *buf;
  size_t len;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &optname)) return type_error(env, "fd, optname");
  if (!arg_bytes(env, argv[2], &buf, &len)) return type_error(env, "buffer must be a Uint8Array");
  const char *sc = optname == TA_TCP_AO_ADD_KEY   ? "setsockopt(TCP_AO_ADD_KEY)"
                   : optname == TA_TCP_AO_DEL_KEY ? "setsockopt(TCP_AO_DEL_KEY)"
                   : optname == TA_TCP_AO_INFO    ? "setsockopt(TCP_AO_INFO)"
                                                  : "setsockopt(TCP_AO_?)";
  return int_result(env, ta_ao_setsockopt(fd, optname, buf, len), sc);
}

static napi_value js_ao_get_info(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) return type_error(env, "fd must be a number");
  struct ta_tcp_ao_info_opt opt;
  int rc = ta_ao_get_info(fd, &opt);
  if (rc < 0) return throw_errno(env, rc, "getsockopt(TCP_AO_INFO)");
  napi_value out;
  CHECK(napi_create_buffer_copy(env, sizeof(opt), &opt, NULL, &out));
  return out;
}

/* aoGetKeys(fd, buf): buf holds N request/response elements of 304 bytes. */
static napi_value js_ao_get_keys(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t fd;
  uint8_t *buf;
  size_t len;
  if (!arg_int(env, argv[0], &fd)) return type_error(env, "fd must be a number");
  if (!arg_bytes(env, argv[1], &buf, &len)) return type_error(env, "buffer must be a Uint8Array");
  size_t el = sizeof(struct ta_tcp_ao_getsockopt);
  if (len == 0 || len % el != 0) return type_error(env, "buffer length must be a multiple of 304");
  uint32_t cap = (uint32_t)(len / el);
  struct ta_tcp_ao_getsockopt *arr = calloc(cap, el);
  if (arr == NULL) return throw_errno(env, -ENOMEM, "calloc");
  memcpy(arr, buf, len);
  int rc = ta_ao_get_keys(fd, arr, cap);
  /* Keys are already zeroed by ta_ao_get_keys; copy the metadata back. */
  memcpy(buf, arr, len);
  free(arr);
  return int_result(env, rc, "getsockopt(TCP_AO_GET_KEYS)");
}

static napi_value probe_result(napi_env env, int rc, int err) {
  napi_value obj, sup, e;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_get_boolean(env, rc == 1, &sup));
  CHECK(napi_set_named_property(env, obj, "supported", sup));
  CHECK(napi_create_int32(env, err, &e));
  CHECK(napi_set_named_property(env, obj, "errno", e));
  napi_value code;
  CHECK(napi_create_string_utf8(env, err ? errno_name(err) : "", NAPI_AUTO_LENGTH, &code));
  CHECK(napi_set_named_property(env, obj, "code", code));
  return obj;
}

static napi_value js_probe_md5(napi_env env, napi_callback_info info) {
  (void)info;
  int err = 0;
  int rc = ta_probe_md5(&err);
  return probe_result(env, rc, err);
}

static napi_value js_probe_ao(napi_env env, napi_callback_info info) {
  (void)info;
  int err = 0;
  int rc = ta_probe_ao(&err);
  return probe_result(env, rc, err);
}

static void set_num(napi_env env, napi_value obj, const char *name, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  napi_set_named_property(env, obj, name, n);
}

/* Compiled sizes/offsets, so tests can check the TS encoders against C. */
static napi_value js_layout(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value root, o;
  CHECK(napi_create_object(env, &root));
#define S(st, name)                                 \
  CHECK(napi_create_object(env, &o));               \
  set_num(env, o, "size", (double)sizeof(struct st)); \
  CHECK(napi_set_named_property(env, root, name, o))
#define F(st, field) set_num(env, o, #field, (double)offsetof(struct st, field))
  S(ta_tcp_md5sig, "tcp_md5sig");
  F(ta_tcp_md5sig, tcpm_flags); F(ta_tcp_md5sig, tcpm_prefixlen); F(ta_tcp_md5sig, tcpm_keylen);
  F(ta_tcp_md5sig, tcpm_ifindex); F(ta_tcp_md5sig, tcpm_key);
  S(ta_tcp_ao_add, "tcp_ao_add");
  F(ta_tcp_ao_add, alg_name); F(ta_tcp_ao_add, ifindex); F(ta_tcp_ao_add, flags); F(ta_tcp_ao_add, reserved2);
  F(ta_tcp_ao_add, prefix); F(ta_tcp_ao_add, sndid); F(ta_tcp_ao_add, rcvid); F(ta_tcp_ao_add, maclen);
  F(ta_tcp_ao_add, keyflags); F(ta_tcp_ao_add, keylen); F(ta_tcp_ao_add, key);
  S(ta_tcp_ao_del, "tcp_ao_del");
  F(ta_tcp_ao_del, ifindex); F(ta_tcp_ao_del, flags); F(ta_tcp_ao_del, reserved2); F(ta_tcp_ao_del, prefix);
  F(ta_tcp_ao_del, sndid); F(ta_tcp_ao_del, rcvid); F(ta_tcp_ao_del, current_key); F(ta_tcp_ao_del, rnext);
  F(ta_tcp_ao_del, keyflags);
  S(ta_tcp_ao_info_opt, "tcp_ao_info_opt");
  F(ta_tcp_ao_info_opt, flags); F(ta_tcp_ao_info_opt, reserved2); F(ta_tcp_ao_info_opt, current_key);
  F(ta_tcp_ao_info_opt, rnext); F(ta_tcp_ao_info_opt, pkt_good); F(ta_tcp_ao_info_opt, pkt_bad);
  F(ta_tcp_ao_info_opt, pkt_key_not_found); F(ta_tcp_ao_info_opt, pkt_ao_required);
  F(ta_tcp_ao_info_opt, pkt_dropped_icmp);
  S(ta_tcp_ao_getsockopt, "tcp_ao_getsockopt");
  F(ta_tcp_ao_getsockopt, alg_name); F(ta_tcp_ao_getsockopt, key); F(ta_tcp_ao_getsockopt, nkeys);
  F(ta_tcp_ao_getsockopt, flags); F(ta_tcp_ao_getsockopt, sndid); F(ta_tcp_ao_getsockopt, rcvid);
  F(ta_tcp_ao_getsockopt, prefix); F(ta_tcp_ao_getsockopt, maclen); F(ta_tcp_ao_getsockopt, keyflags);
  F(ta_tcp_ao_getsockopt, keylen); F(ta_tcp_ao_getsockopt, ifindex); F(ta_tcp_ao_getsockopt, pkt_good);
  F(ta_tcp_ao_getsockopt, pkt_bad);
#undef S
#undef F
  return root;
}

static napi_value js_platform_supported(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value b;
  CHECK(napi_get_boolean(env, ta_platform_supported() == 1, &b));
  return b;
}

/* ---- rtnetlink socket (netlink.h), for src/fib ---------------------------- */

static napi_value nl_errno_error(napi_env env, int neg, const char *syscall) {
  int e = neg < 0 ? -neg : neg;
  char msg[256];
  snprintf(msg, sizeof(msg), "%s failed: %s (%s)", syscall, strerror(e), errno_name(e));
  napi_value code, message, err, errnum, sc;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &err);
  napi_create_int32(env, e, &errnum);
  napi_set_named_property(env, err, "errno", errnum);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, err, "syscall", sc);
  return err;
}

static napi_value nl_int_result(napi_env env, int rc, const char *syscall) {
  if (rc < 0) {
    napi_throw(env, nl_errno_error(env, rc, syscall));
    return NULL;
  }
  napi_value r;
  CHECK(napi_create_int32(env, rc, &r));
  return r;
}

/* nlOpen(netnsPath?: string | null): fd */
static napi_value js_nl_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[0], &t));
  char path[512];
  const char *ns = NULL;
  if (t == napi_string) {
    size_t n;
    CHECK(napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &n));
    if (n >= sizeof(path) - 1) return type_error(env, "netns path too long");
    ns = path;
  } else if (t != napi_undefined && t != napi_null) {
    return type_error(env, "netns path must be a string");
  }
  return nl_int_result(env, nl_open(ns), ns ? "setns+socket(AF_NETLINK)" : "socket(AF_NETLINK)");
}

/* nlSetBuffers(fd, rcvbuf, sndbuf) */
static napi_value js_nl_set_buffers(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int32_t fd, rcv, snd;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &rcv) || !arg_int(env, argv[2], &snd))
    return type_error(env, "fd, rcvbuf, sndbuf must be numbers");
  return nl_int_result(env, nl_set_buffers(fd, rcv, snd), "setsockopt(SO_RCVBUF/SO_SNDBUF)");
}

/* nlSetOpt(fd, optname, value): setsockopt(SOL_NETLINK, ...) */
static napi_value js_nl_set_opt(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int32_t fd, opt, value;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &opt) || !arg_int(env, argv[2], &value))
    return type_error(env, "fd, optname, value must be numbers");
  return nl_int_result(env, nl_set_opt(fd, opt, value), "setsockopt(SOL_NETLINK)");
}

static napi_value js_nl_port_id(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) return type_error(env, "fd must be a number");
  return nl_int_result(env, nl_port_id(fd), "getsockname");
}

static napi_value js_nl_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) return type_error(env, "fd must be a number");
  return nl_int_result(env, nl_close(fd), "close");
}

/*
 * nlSend / nlRecv run on the libuv threadpool: the kernel handles rtnetlink
 * requests inside sendmsg, which for a large batch takes longer than the
 * event loop may be held. The buffer is pinned by a reference until done.
 */
enum { NL_JOB_SEND = 0, NL_JOB_RECV = 1 };

struct nl_job {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref buf_ref;
  int op;
  int fd;
  uint8_t *buf;
  size_t len;
  int timeout_ms;
  int rc;
  int recv_err;
};

static void nl_job_execute(napi_env env, void *data) {
  (void)env;
  struct nl_job *j = data;
  if (j->op == NL_JOB_SEND) j->rc = nl_send(j->fd, j->buf, j->len);
  else j->rc = nl_recv(j->fd, j->buf, j->len, j->timeout_ms, &j->recv_err);
}

static void nl_job_complete(napi_env env, napi_status status, void *data) {
  struct nl_job *j = data;
  napi_value v;
  if (status != napi_ok) {
    napi_value msg;
    napi_create_string_utf8(env, "netlink job cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &v);
    napi_reject_deferred(env, j->deferred, v);
  } else if (j->op == NL_JOB_RECV) {
    /* { bytes, error }: an error after some data must not lose the data. */
    napi_value bytes, err;
    napi_create_object(env, &v);
    napi_create_int32(env, j->rc, &bytes);
    napi_set_named_property(env, v, "bytes", bytes);
    if (j->recv_err < 0) err = nl_errno_error(env, j->recv_err, "recv(AF_NETLINK)");
    else napi_get_null(env, &err);
    napi_set_named_property(env, v, "error", err);
    napi_resolve_deferred(env, j->deferred, v);
  } else if (j->rc < 0) {
    napi_reject_deferred(env, j->deferred, nl_errno_error(env, j->rc, "sendto(AF_NETLINK)"));
  } else {
    napi_create_int32(env, j->rc, &v);
    napi_resolve_deferred(env, j->deferred, v);
  }
  napi_delete_reference(env, j->buf_ref);
  napi_delete_async_work(env, j->work);
  free(j);
}

static napi_value nl_start_job(napi_env env, napi_callback_info info, int op) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int32_t fd, timeout = 0;
  uint8_t *buf;
  size_t len;
  if (!arg_int(env, argv[0], &fd)) return type_error(env, "fd must be a number");
  if (!arg_bytes(env, argv[1], &buf, &len)) return type_error(env, "buffer must be a Uint8Array");
  if (op == NL_JOB_RECV && (!arg_int(env, argv[2], &timeout) || timeout < 0))
    return type_error(env, "timeoutMs must be a number >= 0");
  struct nl_job *j = calloc(1, sizeof(*j));
  if (j == NULL) {
    napi_throw(env, nl_errno_error(env, -ENOMEM, "calloc"));
    return NULL;
  }
  j->op = op;
  j->fd = fd;
  j->buf = buf;
  j->len = len;
  j->timeout_ms = timeout;
  napi_value promise, name;
  if (napi_create_reference(env, argv[1], 1, &j->buf_ref) != napi_ok ||
      napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, op == NL_JOB_SEND ? "tsbgpd.nlSend" : "tsbgpd.nlRecv", NAPI_AUTO_LENGTH, &name) !=
          napi_ok ||
      napi_create_async_work(env, NULL, name, nl_job_execute, nl_job_complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    free(j); /* a leaked reference is harmless; the process is in trouble anyway */
    napi_throw_error(env, "ERR_TSBGPD_NATIVE", "Node-API call failed");
    return NULL;
  }
  return promise;
}

/* nlSend(fd, buffer): Promise<bytes sent> */
static napi_value js_nl_send(napi_env env, napi_callback_info info) { return nl_start_job(env, info, NL_JOB_SEND); }
/* nlRecv(fd, buffer, timeoutMs): Promise<{ bytes, error: Error | null }> (bytes 0 = nothing within timeoutMs) */
static napi_value js_nl_recv(napi_env env, napi_callback_info info) { return nl_start_job(env, info, NL_JOB_RECV); }

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback cb;
  } fns[] = {
      {"socket", js_socket},
      {"setReuseAddr", js_set_reuseaddr},
      {"setV6Only", js_set_v6only},
      {"bind", js_bind},
      {"listen", js_listen},
      {"close", js_close},
      {"localPort", js_local_port},
      {"socketFamily", js_socket_family},
      {"setsockoptInt", js_setsockopt_int},
      {"getsockoptInt", js_getsockopt_int},
      {"md5Set", js_md5_set},
      {"aoSetsockopt", js_ao_setsockopt},
      {"aoGetInfo", js_ao_get_info},
      {"aoGetKeys", js_ao_get_keys},
      {"probeMd5", js_probe_md5},
      {"probeAo", js_probe_ao},
      {"layout", js_layout},
      {"platformSupported", js_platform_supported},
      {"nlOpen", js_nl_open},
      {"nlSetBuffers", js_nl_set_buffers},
      {"nlSetOpt", js_nl_set_opt},
      {"nlPortId", js_nl_port_id},
      {"nlSend", js_nl_send},
      {"nlRecv", js_nl_recv},
      {"nlClose", js_nl_close},
  };
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
