"""Seals the calling process: from then on any attempt to open, create or
remove a file, make a socket, run a program or reach into another process
kills the whole process (SIGSYS) instead of succeeding.

The model process of the trusted evaluator calls seal() after its trusted
set-up and before it loads the exported model, which is code (TorchScript
runs at load time and at every call). The filter is a seccomp-BPF program
installed with SECCOMP_FILTER_FLAG_TSYNC, so every thread of the process
is bound, and threads created later inherit it.
"""
import ctypes
import os
import struct

# System calls that open, create, rename or remove files, make sockets, run
# programs, mount, or reach into another process (its memory, its
# descriptors, its registers through perf, System V or POSIX IPC that a
# sibling model process could share), by architecture: (AUDIT_ARCH,
# the seccomp call's number, denied calls). A call that is not listed,
# read and write on the pipes, memory, threads and clocks among them, is
# allowed.
_TABLES = {
    "x86_64": (0xC000003E, 317, {
        "open": 2, "openat": 257, "openat2": 437, "creat": 85, "open_by_handle_at": 304,
        "name_to_handle_at": 303, "uselib": 134, "open_tree": 428, "open_tree_attr": 467, "fsopen": 430,
        "fspick": 433, "mount": 165, "truncate": 76, "rename": 82, "renameat": 264, "renameat2": 316,
        "link": 86, "linkat": 265, "symlink": 88, "symlinkat": 266, "unlink": 87, "unlinkat": 263,
        "mkdir": 83, "mkdirat": 258, "rmdir": 84, "chmod": 90, "fchmodat": 268, "mknod": 133, "mknodat": 259,
        "socket": 41, "socketpair": 53, "connect": 42, "bind": 49, "listen": 50, "accept": 43, "accept4": 288,
        "execve": 59, "execveat": 322, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
        "pidfd_open": 434, "pidfd_getfd": 438, "perf_event_open": 298, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "bpf": 321,
        "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65, "semctl": 66,
        "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "mq_open": 240,
        "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
    }),
    "aarch64": (0xC00000B7, 277, {
        "openat": 56, "openat2": 437, "open_by_handle_at": 265, "name_to_handle_at": 264,
        "open_tree": 428, "open_tree_attr": 467, "fsopen": 430, "fspick": 433, "mount": 40, "truncate": 45,
        "renameat": 38, "renameat2": 276, "linkat": 37, "symlinkat": 36, "unlinkat": 35, "mkdirat": 34,
        "fchmodat": 53, "mknodat": 33, "socket": 198, "socketpair": 199, "connect": 203, "bind": 200,
        "listen": 201, "accept": 202, "accept4": 242, "execve": 221, "execveat": 281, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "pidfd_open": 434, "pidfd_getfd": 438,
        "perf_event_open": 241, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "bpf": 280,
        "mq_open": 180, "mq_unlink": 181, "mq_timedsend": 182, "mq_timedreceive": 183, "mq_notify": 184,
        "mq_getsetattr": 185, "msgget": 186, "msgctl": 187, "msgrcv": 188, "msgsnd": 189, "semget": 190,
        "semctl": 191, "semtimedop": 192, "semop": 193, "shmget": 194, "shmctl": 195, "shmat": 196, "shmdt": 197,
    }),
}

_X32_BIT = 0x40000000  # x86_64: system calls of the x32 ABI
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_RET_KILL_PROCESS, _RET_ALLOW = 0x80000000, 0x7FFF0000
_PR_SET_NO_NEW_PRIVS, _SET_MODE_FILTER, _GET_ACTION_AVAIL, _FLAG_TSYNC = 38, 1, 2, 1


class SealError(OSError):
    """The process could not be sealed on this machine."""


def _insn(code, jt, jf, k):
    return struct.pack("=HBBI", code, jt, jf, k)


def program(machine=None):
    """The BPF program for this machine: a foreign architecture (the 32-bit
    entry points of a 64-bit kernel), an x32 call or a denied call kills
    the process; everything else is allowed."""
    machine = machine or os.uname().machine
    if machine not in _TABLES:
        raise SealError(f"sealing is not implemented for {machine}")
    arch, _, denied = _TABLES[machine]
    checks = [(_JGE_K, _X32_BIT)] if machine == "x86_64" else []
    checks += [(_JEQ_K, nr) for nr in sorted(set(denied.values()))]
    kill = 3 + len(checks) + 1                            # index of the kill return
    out = [_insn(_LD_W_ABS, 0, 0, 4),                     # A = seccomp_data.arch
           _insn(_JEQ_K, 0, kill - 2, arch),              # a foreign ABI: kill
           _insn(_LD_W_ABS, 0, 0, 0)]                     # A = seccomp_data.nr
    for i, (op, k) in enumerate(checks):
        jump = kill - (3 + i) - 1
        assert jump < 256, "too many calls for one-byte jumps"
        out.append(_insn(op, jump, 0, k))                 # a match: kill
    out.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
    out.append(_insn(_RET_K, 0, 0, _RET_KILL_PROCESS))
    return b"".join(out)


# sched_setaffinity, by architecture: (AUDIT_ARCH, the seccomp call's
# number, sched_setaffinity's number).
_AFFINITY = {"x86_64": (0xC000003E, 317, 203), "aarch64": (0xC00000B7, 277, 122)}
_RET_ERRNO_EPERM = 0x00050000 | 1


def cores_program(machine=None):
    """The BPF program that keeps a process on its cores: setting a CPU
    affinity fails with EPERM, and so does any call of a foreign ABI (the
    32-bit entry points, x32, which could reach it under another number);
    everything else is allowed."""
    machine = machine or os.uname().machine
    if machine not in _AFFINITY:
        raise SealError(f"keeping a process on its cores is not implemented for {machine}")
    arch, _, call = _AFFINITY[machine]
    checks = [(_JGE_K, _X32_BIT)] if machine == "x86_64" else []
    checks.append((_JEQ_K, call))
    deny = 3 + len(checks) + 1
    out = [_insn(_LD_W_ABS, 0, 0, 4), _insn(_JEQ_K, 0, deny - 2, arch), _insn(_LD_W_ABS, 0, 0, 0)]
    for i, (op, k) in enumerate(checks):
        out.append(_insn(op, deny - (3 + i) - 1, 0, k))
    out.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
    out.append(_insn(_RET_K, 0, 0, _RET_ERRNO_EPERM))
    return b"".join(out)


def keep_cores():
    """Keep every thread of this process, and what it starts, on the cores
    it was pinned to. Raises SealError when the kernel refuses."""
    machine = os.uname().machine
    _install(cores_program(machine), _AFFINITY[machine][1])


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seal():
    """Install the filter on every thread of this process. Raises SealError
    when the kernel refuses."""
    machine = os.uname().machine
    prog = program(machine)
    libc = ctypes.CDLL(None, use_errno=True)
    nr = _TABLES[machine][1]
    # Killing the whole process (not one thread) needs Linux 4.14.
    action = ctypes.c_uint32(_RET_KILL_PROCESS)
    if libc.syscall(ctypes.c_long(nr), ctypes.c_long(_GET_ACTION_AVAIL), ctypes.c_long(0), ctypes.byref(action)) != 0:
        raise SealError(f"this kernel cannot kill a whole process from seccomp: {os.strerror(ctypes.get_errno())}")
    _install(prog, nr)


def _install(prog, nr):
    """Install the BPF program prog on every thread (seccomp call nr)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SealError(f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    rc = libc.syscall(ctypes.c_long(nr), ctypes.c_long(_SET_MODE_FILTER), ctypes.c_long(_FLAG_TSYNC),
                      ctypes.byref(fprog))
    if rc != 0:
        raise SealError(f"seccomp(SECCOMP_SET_MODE_FILTER): {os.strerror(ctypes.get_errno())} (rc {rc})")
