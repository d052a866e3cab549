/*
 * LD_PRELOAD shim for Debian's linux.uml (Linux 6.1) on hosts with AVX-512 or AMX.
 *
 * UML saves and restores its processes' FPU state with PTRACE_GETREGSET/SETREGSET NT_X86_XSTATE
 * using a fixed 832-byte buffer (x87/SSE + header + AVX). The host kernel accepts a short buffer
 * for GETREGSET but refuses SETREGSET unless the buffer is the host's whole XSAVE size (2696 bytes
 * with AVX-512, about 11 KB with AMX): EFAULT, and UML panics at boot with "ptrace set fp regs
 * failed, errno = 14". Later UML kernels size the buffer from CPUID; this shim does the same from
 * the outside: a short SETREGSET becomes read-whole-state, overlay UML's bytes, write-whole-state.
 * The state beyond UML's buffer (AVX-512, AMX) is left as the host process has it, which is what a
 * UML kernel that does not know those registers does anyway.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_function)(enum __ptrace_request, pid_t, void *, void *);

/* UML calls ptrace from its one kernel context: a static buffer is enough (its stacks are small). */
static unsigned char whole_state[64 * 1024] __attribute__((aligned(64)));

long ptrace(enum __ptrace_request request, ...)
{
    static ptrace_function real_ptrace;
    va_list args;
    va_start(args, request);
    pid_t pid = va_arg(args, pid_t);
    void *addr = va_arg(args, void *);
    void *data = va_arg(args, void *);
    va_end(args);
    if (!real_ptrace)
        real_ptrace = (ptrace_function)dlsym(RTLD_NEXT, "ptrace");

    if (request == PTRACE_SETREGSET && (unsigned long)addr == NT_X86_XSTATE && data) {
        struct iovec *given = data;
        struct iovec whole = { whole_state, sizeof(whole_state) };
        if (real_ptrace(PTRACE_GETREGSET, pid, addr, &whole) == 0 && whole.iov_len > given->iov_len) {
            memcpy(whole_state, given->iov_base, given->iov_len);
            return real_ptrace(PTRACE_SETREGSET, pid, addr, &whole);
        }
    }
    return real_ptrace(request, pid, addr, data);
}
