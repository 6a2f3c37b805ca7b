/**
 * tsc-box's default seccomp profile, in docker's format so that docker's semantics (and
 * `--cap-add`) carry over: everything not listed fails with EPERM, syscalls newer than the
 * newest one listed fail with ENOSYS (the runtime's compiler does that), and the dangerous
 * rest opens up only with the capability that guards it in the kernel anyway.
 *
 * Deliberately never allowed (even with the capability): the kernel keyring (keyctl, add_key,
 * request_key: not namespaced), kernel modules, kexec, swap, userfaultfd, io_uring (ENOSYS so
 * that programs fall back), modify_ldt, vm86 and the obsolete _sysctl/sysfs/ustat/uselib. `--security-opt seccomp=unconfined` or
 * a profile of one's own lifts all of this.
 *
 * ptrace and process_vm_* are allowed as docker does since kernel 4.8 (ptrace can no longer
 * bypass seccomp); a container only sees its own pid namespace, so it can trace only its own
 * processes.
 */
import type {DockerSeccompProfile, DockerSyscall} from './security-seccomp'

const FILES = [
  'read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'pwritev', 'preadv2', 'pwritev2',
  'open', 'openat', 'openat2', 'creat', 'close', 'close_range', 'lseek', '_llseek', 'dup', 'dup2', 'dup3',
  'pipe', 'pipe2', 'fcntl', 'fcntl64', 'flock', 'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range',
  'sync_file_range2', 'arm_sync_file_range', 'truncate', 'truncate64', 'ftruncate', 'ftruncate64',
  'fallocate', 'fadvise64', 'fadvise64_64', 'arm_fadvise64_64', 'readahead', 'sendfile',
  'sendfile64', 'splice', 'tee', 'vmsplice', 'copy_file_range', 'ioctl', 'name_to_handle_at',
]

const METADATA = [
  'stat', 'stat64', 'lstat', 'lstat64', 'fstat', 'fstat64', 'newfstatat', 'fstatat64', 'statx',
  'statfs', 'statfs64', 'fstatfs', 'fstatfs64', 'access', 'faccessat', 'faccessat2', 'readlink',
  'readlinkat', 'getdents', 'getdents64', 'getcwd', 'chdir', 'fchdir', 'mkdir', 'mkdirat', 'rmdir',
  'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat',
  'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'chown32', 'fchown', 'fchown32', 'fchownat',
  'lchown', 'lchown32', 'umask', 'utime', 'utimes', 'utimensat', 'utimensat_time64', 'futimesat',
  'getxattr', 'lgetxattr', 'fgetxattr', 'getxattrat', 'setxattr', 'lsetxattr', 'fsetxattr',
  'setxattrat', 'listxattr', 'llistxattr', 'flistxattr', 'listxattrat', 'removexattr',
  'lremovexattr', 'fremovexattr', 'removexattrat', 'file_getattr', 'file_setattr',
  'statmount', 'listmount', 'cachestat',
]

const EVENTS = [
  'select', '_newselect', 'pselect6', 'pselect6_time64', 'poll', 'ppoll', 'ppoll_time64',
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old',
  'epoll_pwait', 'epoll_pwait2', 'eventfd', 'eventfd2', 'signalfd', 'signalfd4', 'timerfd_create',
  'timerfd_settime', 'timerfd_settime64', 'timerfd_gettime', 'timerfd_gettime64', 'inotify_init',
  'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'io_setup', 'io_destroy',
  'io_getevents', 'io_pgetevents', 'io_pgetevents_time64', 'io_submit', 'io_cancel',
]

const MEMORY = [
  'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'mlock',
  'mlock2', 'munlock', 'mlockall', 'munlockall', 'get_mempolicy', 'memfd_create', 'memfd_secret',
  'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'remap_file_pages', 'membarrier', 'mseal',
  'map_shadow_stack', 'process_madvise', 'process_mrelease', 'set_thread_area', 'get_thread_area',
  'arch_prctl', 'set_tls', 'get_tls', 'cacheflush', 'breakpoint', 'riscv_flush_icache',
]

const PROCESSES = [
  'exit', 'exit_group', 'fork', 'vfork', 'execve', 'execveat', 'wait4', 'waitid', 'waitpid',
  'kill', 'tkill', 'tgkill', 'getpid', 'getppid', 'gettid', 'getpgid', 'setpgid', 'getpgrp',
  'getsid', 'setsid', 'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32',
  'getegid', 'getegid32', 'getresuid', 'getresuid32', 'getresgid', 'getresgid32', 'setuid',
  'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32',
  'setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setfsuid', 'setfsuid32', 'setfsgid',
  'setfsgid32', 'getgroups', 'getgroups32', 'setgroups', 'setgroups32', 'capget', 'capset',
  'prctl', 'set_tid_address', 'set_robust_list', 'get_robust_list', 'futex', 'futex_time64',
  'futex_waitv', 'futex_wake', 'futex_wait', 'futex_requeue', 'rseq', 'getrlimit', 'setrlimit',
  'ugetrlimit', 'prlimit64', 'getrusage', 'getpriority', 'setpriority', 'sched_yield',
  'sched_getaffinity', 'sched_setaffinity', 'sched_getparam', 'sched_setparam',
  'sched_getscheduler', 'sched_setscheduler', 'sched_get_priority_max', 'sched_get_priority_min',
  'sched_rr_get_interval', 'sched_rr_get_interval_time64', 'sched_getattr', 'sched_setattr',
  'ioprio_get', 'ioprio_set', 'nice', 'uname', 'times', 'sysinfo', 'getcpu', 'restart_syscall',
  'pidfd_open', 'pidfd_send_signal', 'pidfd_getfd', 'ptrace', 'process_vm_readv',
  'process_vm_writev', 'kcmp', 'seccomp', 'landlock_create_ruleset', 'landlock_add_rule',
  'landlock_restrict_self', 'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules',
  'sethostname', 'setdomainname', 'getrandom',
]

const SIGNALS_AND_TIME = [
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigsuspend', 'rt_sigpending',
  'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo',
  'sigaction', 'sigprocmask', 'sigreturn', 'sigsuspend', 'sigpending', 'sigaltstack', 'signal',
  'pause', 'alarm', 'getitimer', 'setitimer', 'timer_create', 'timer_settime', 'timer_settime64',
  'timer_gettime', 'timer_gettime64', 'timer_getoverrun', 'timer_delete', 'clock_gettime',
  'clock_gettime64', 'clock_getres', 'clock_getres_time64', 'clock_nanosleep',
  'clock_nanosleep_time64', 'nanosleep', 'gettimeofday', 'time',
]

const NETWORK_AND_IPC = [
  'socket', 'socketpair', 'bind', 'connect', 'listen', 'accept', 'accept4', 'getsockname',
  'getpeername', 'sendto', 'recvfrom', 'send', 'recv', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg',
  'recvmmsg_time64', 'shutdown', 'setsockopt', 'getsockopt', 'socketcall', 'shmget', 'shmat',
  'shmdt', 'shmctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'semctl', 'msgget',
  'msgsnd', 'msgrcv', 'msgctl', 'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedsend_time64',
  'mq_timedreceive', 'mq_timedreceive_time64', 'mq_notify', 'mq_getsetattr', 'ipc',
]

/** Namespace and mount operations: only for CAP_SYS_ADMIN, which the kernel asks for too. */
const SYS_ADMIN = [
  'mount', 'umount', 'umount2', 'unshare', 'setns', 'pivot_root', 'fsopen', 'fsconfig', 'fsmount',
  'fspick', 'move_mount', 'open_tree', 'open_tree_attr', 'mount_setattr', 'quotactl',
  'quotactl_fd', 'fanotify_init', 'lookup_dcookie', 'clone', 'clone3', 'syslog',
]

/** Bits of clone(2)'s flags that create namespaces (CLONE_NEWNS..CLONE_NEWNET, NEWCGROUP). */
const CLONE_NAMESPACE_FLAGS = 0x7e020000

/** The personas docker allows: Linux, 32-bit Linux, uname26, and the query. */
const PERSONAS = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff]

const allow = (names: string[], cond: Partial<DockerSyscall> = {}): DockerSyscall => ({names, action: 'SCMP_ACT_ALLOW', ...cond})
const withCap = (cap: string) => ({includes: {caps: [cap]}})
const withoutCap = (cap: string) => ({excludes: {caps: [cap]}})

const S_IFMT = 0o170000
const S_IFBLK = 0o060000

export const DEFAULT_SECCOMP_PROFILE: DockerSeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  archMap: [
    {architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32']},
    {architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM']},
  ],
  syscalls: [
    allow([...FILES, ...METADATA, ...EVENTS, ...MEMORY, ...PROCESSES, ...SIGNALS_AND_TIME, ...NETWORK_AND_IPC]),
    // Block devices may not be created (the device cgroup would refuse opening them anyway;
    // this keeps the node itself out too). Character devices, fifos, sockets, files are fine.
    {names: ['mknod'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{index: 1, value: S_IFMT, valueTwo: S_IFBLK, op: 'SCMP_CMP_MASKED_EQ'}]},
    {names: ['mknodat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{index: 2, value: S_IFMT, valueTwo: S_IFBLK, op: 'SCMP_CMP_MASKED_EQ'}]},
    allow(['mknod', 'mknodat']),
    ...PERSONAS.map((p) => allow(['personality'], {args: [{index: 0, value: p, op: 'SCMP_CMP_EQ'}]})),
    // Without CAP_SYS_ADMIN: clone without namespace flags; clone3 hides its flags in memory
    // that seccomp cannot read, so it reports ENOSYS and libc falls back to clone.
    allow(['clone'], {...withoutCap('CAP_SYS_ADMIN'), args: [{index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ'}]}),
    {names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, ...withoutCap('CAP_SYS_ADMIN')},
    allow(SYS_ADMIN, withCap('CAP_SYS_ADMIN')),
    allow(['personality'], withCap('CAP_SYS_ADMIN')),
    allow(['chroot'], withCap('CAP_SYS_CHROOT')),
    allow(['open_by_handle_at'], withCap('CAP_DAC_READ_SEARCH')),
    allow(['bpf'], withCap('CAP_BPF')),
    allow(['bpf'], withCap('CAP_SYS_ADMIN')),
    allow(['perf_event_open'], withCap('CAP_PERFMON')),
    allow(['perf_event_open'], withCap('CAP_SYS_ADMIN')),
    allow(['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'adjtimex', 'clock_adjtime', 'clock_adjtime64'], withCap('CAP_SYS_TIME')),
    allow(['mbind', 'set_mempolicy', 'set_mempolicy_home_node', 'migrate_pages', 'move_pages'], withCap('CAP_SYS_NICE')),
    allow(['syslog'], withCap('CAP_SYSLOG')),
    allow(['acct'], withCap('CAP_SYS_PACCT')),
    allow(['iopl', 'ioperm'], withCap('CAP_SYS_RAWIO')),
    allow(['vhangup'], withCap('CAP_SYS_TTY_CONFIG')),
    allow(['reboot'], withCap('CAP_SYS_BOOT')),
    allow(['fanotify_mark'], withCap('CAP_SYS_ADMIN')),
    {names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'], action: 'SCMP_ACT_ERRNO', errnoRet: 38},
  ],
}
