// A tiny static C program that performs one privileged operation per invocation inside a
// container and prints "OK" or the errno name, so escape tests can assert the exact refusal
// without depending on what busybox happens to print. Built once per test process with gcc.
import { chmodSync, copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { staticProgram } from './static-c'

const SOURCE = String.raw`
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int report(const char *what, long rc) {
    if (rc < 0) { printf("%s: %s\n", what, strerrorname_np(errno)); return 1; }
    printf("%s: OK\n", what);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *op = argv[1];
    const char *arg = argc > 2 ? argv[2] : "";
    if (!strcmp(op, "fds")) {           /* every open fd but the one listing them */
        DIR *d = opendir("/proc/self/fd");
        if (!d) return report("opendir", -1);
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
            char link[256] = "", path[64];
            snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
            ssize_t n = readlink(path, link, sizeof link - 1);
            if (n > 0) link[n] = 0;
            printf("fd %s -> %s\n", e->d_name, link);
        }
        return 0;
    }
    if (!strcmp(op, "openw")) return report(op, open(arg, O_WRONLY));
    if (!strcmp(op, "reopenw")) {       /* O_PATH now, write through /proc/self/fd later */
        int fd = open(arg, O_PATH);
        if (fd < 0) return report("open-path", -1);
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        return report(op, open(path, O_WRONLY));
    }
    if (!strcmp(op, "write")) {         /* write argv[3] to argv[2] */
        int fd = open(arg, O_WRONLY);
        if (fd < 0) return report(op, -1);
        const char *s = argc > 3 ? argv[3] : "";
        return report(op, write(fd, s, strlen(s)));
    }
    if (!strcmp(op, "keyctl"))          /* KEYCTL_JOIN_SESSION_KEYRING */
        return report(op, syscall(SYS_keyctl, 1, 0));
    if (!strcmp(op, "add_key"))         /* into KEY_SPEC_PROCESS_KEYRING */
        return report(op, syscall(SYS_add_key, "user", "tsc-box-probe", "x", 1, -2));
    if (!strcmp(op, "ptrace")) return report(op, ptrace(PTRACE_ATTACH, atoi(arg), 0, 0));
    if (!strcmp(op, "unshare-user")) return report(op, unshare(CLONE_NEWUSER));
    if (!strcmp(op, "unshare-mount")) return report(op, unshare(CLONE_NEWNS));
    if (!strcmp(op, "mount")) return report(op, mount("none", arg, "tmpfs", 0, ""));
    if (!strcmp(op, "mknod-block")) return report(op, mknod(arg, S_IFBLK | 0600, makedev(8, 0)));
    if (!strcmp(op, "mknod-char")) return report(op, mknod(arg, S_IFCHR | 0600, makedev(1, 3)));
    if (!strcmp(op, "mknod-kmsg")) return report(op, mknod(arg, S_IFCHR | 0600, makedev(1, 11)));
    if (!strcmp(op, "read")) {
        int fd = open(arg, O_RDONLY | O_NONBLOCK);
        if (fd < 0) return report(op, -1);
        char buf[256];
        return report(op, read(fd, buf, sizeof buf));
    }
    if (!strcmp(op, "clone3")) {        /* a minimal clone3 that would fork */
        unsigned long long args[11] = {0};
        args[4] = 17;                   /* exit_signal = SIGCHLD */
        long rc = syscall(SYS_clone3, args, sizeof args);
        if (rc == 0) _exit(0);
        return report(op, rc);
    }
    if (!strcmp(op, "syslog")) return report(op, syscall(SYS_syslog, 3, (char[64]){0}, 64));
    return 2;
}
`

/** Path of the compiled probe (static, so it runs in a busybox rootfs). */
export function probeBinary(): string {
  return staticProgram('probe', SOURCE)
}

/** Copies the probe into `rootfs` as /bin/probe. */
export function installProbe(rootfs: string): void {
  copyFileSync(probeBinary(), join(rootfs, 'bin/probe'))
  chmodSync(join(rootfs, 'bin/probe'), 0o755)
}
