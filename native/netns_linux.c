/*
 * netns_linux.c: see netns.h. setns(CLONE_NEWNET) is per thread and allowed in multi-threaded processes.
 */
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

static int neg_errno(void) { return errno > 0 ? -errno : -EIO; }

int ns_call(const char *netns_path, int (*make)(void *arg), void *arg) {
  if (netns_path == NULL) return make(arg);
  int target = open(netns_path, O_RDONLY | O_CLOEXEC);
  if (target < 0) return neg_errno();
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) {
    int e = neg_errno();
    close(target);
    return e;
  }
  int rc;
  if (setns(target, CLONE_NEWNET) < 0) {
    rc = neg_errno();
  } else {
    rc = make(arg);
    if (setns(home, CLONE_NEWNET) < 0) abort();
  }
  close(home);
  close(target);
  return rc;
}
