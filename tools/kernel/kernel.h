/* SPDX-License-Identifier: MIT */
/*
 * kernel.h: the kernel backend: the scenario language on the live kernel
 * with real syscalls.
 *
 * kb_engine() returns an sc_engine (see scenario.h) whose steps are real
 * socket(), setsockopt(), bind(), listen(), connect(), accept() and close()
 * calls.  The contract, for every user of the engine (runner, oracle,
 * explore, fingerprint, bench):
 *
 *  - reset(os): closes every socket, then (once kb_engine_opts has put
 *    the process in a network namespace of its own) enters a FRESH
 *    network namespace with only lo, brought up.  `os` names the
 *    expectations only; the kernel is what it is, so any personality is
 *    accepted.  kb_native_personality() says which one describes it.
 *  - exec() returns 0 with o->code the result mapped from errno
 *    (EADDRINUSE -> BM_EADDRINUSE, ...; EPERM is reported as BM_EACCES);
 *    o->verdict.rule is NULL and o->detail holds the kernel's own view
 *    ("127.0.0.1:41234" after an ephemeral bind or a connect).  Ports the
 *    kernel picks are real ones: compare them as "an ephemeral port".
 *  - exec() returns SC_EXEC_SKIP, with err starting "skip:", when the
 *    step cannot be run faithfully here (no namespace, a knob Linux lacks,
 *    a destination outside the namespace, advance without allow_sleep, TCP
 *    deliver, ...).  The state after a skip no longer follows the
 *    scenario: callers stop the scenario there (reset may answer so too).
 *    SC_EXEC_ERROR is an error (unknown socket name, an errno bm_result
 *    cannot express, a connect that never completed).
 *  - isolation: nothing the engine does reaches outside its namespace:
 *    connect() and deliver refuse any destination that is not loopback,
 *    the wildcard or an address the scenario added.  Without a namespace
 *    it runs only when asked to (loopback_only), and then binds only
 *    127.0.0.0/8 and ::1, listens only on such a binding, connects and
 *    delivers only to an address and port one of its own sockets is bound
 *    to, and never writes a sysctl or adds an address (a knob already at
 *    the wanted value is fine).
 *  - user UID: sockets created next belong to UID; as root every call on a
 *    socket runs under its owner's effective uid (seteuid), so that
 *    CAP_NET_BIND_SERVICE and the SO_REUSEPORT uid check see real
 *    credentials.  In a user namespace (not root) the caller is uid 0 and
 *    can be no one else.
 *  - deliver udpN SRC -> DST: one datagram with source SRC (sent from a
 *    raw socket, so no port is taken for it) to DST; receivers are the
 *    engine's sockets that got it, sorted, joined by '+', or "none"
 *    (o->code BM_ECONNREFUSED).  IPv4 multicast and broadcast go out of lo
 *    only (a helper joins the group there for the send); IPv6 multicast
 *    is a skip (lo does not take it in).  TCP deliver is a skip: a real
 *    SYN would change the accept queues the scenario goes on to use.
 *  - advance: sleeps for real when allowed (kb_engine_opts), else skip.
 *    It sleeps exactly as long as asked; Linux's 60 s TIME_WAIT timer sits
 *    in a coarse timer-wheel level and may fire some seconds late, so
 *    `advance 60s` can still find the TIME_WAIT there.
 *  - addr add A [dev NAME]: A goes on lo, or on a veth NAME made in the
 *    namespace on first use (for SO_BINDTODEVICE scenarios).
 *
 * The platform part (namespaces, netlink, sysctls, raw sends) lives in
 * kernel_linux.c behind the kb_os_* functions below; elsewhere they report
 * "skip:" and the engine runs on loopback only.
 */
#ifndef BM_KERNEL_H
#define BM_KERNEL_H

#include <stddef.h>

#include "scenario.h"

/* Set up an engine that runs steps on the live kernel; kb_engine_opts must
 * follow before its first reset.  -1 with err only when no engine can be
 * made (out of memory). */
int kb_engine(sc_engine *e, char *err, size_t errlen);

/* Options of a kernel engine made by kb_engine, and its isolation, decided
 * here before any step runs.  allow_sleep makes advance really sleep.
 * The process enters a private network namespace: as root with
 * unshare(CLONE_NEWNET), otherwise (or where that is refused) a user
 * namespace plus a network namespace.  Where neither can be had it
 * refuses: -1 with err, and nothing has touched the network.  Only with
 * loopback_only does it then run on the host's own network, and there
 * binds only 127.0.0.0/8 and ::1, connects and delivers only to the
 * scenario's own sockets, and adds no address.  -1 with err too if e is
 * not a kernel engine. */
int kb_engine_opts(sc_engine *e, int allow_sleep, int loopback_only, char *err,
                   size_t errlen);

/* 1 if the engine runs in its own network namespace, 0 if on the host's
 * loopback only (why says why), -1 if e is not a kernel engine. */
int kb_engine_isolated(const sc_engine *e, char *why, size_t whylen);

/* Can a private network namespace be made here (as root, or through a
 * user namespace)?  Probes in a child process, so the caller stays where
 * it is.  1 yes; 0 no (why says why). */
int kb_probe_isolation(char *why, size_t whylen);

/* The personality that describes the running kernel ("linux", "freebsd",
 * "macos", ...), or NULL if none does. */
const char *kb_native_personality(void);

/* ---- platform boundary (kernel_linux.c; stubs elsewhere) ----
 * Each returns 0, or -1 with err; reasons that mean "cannot be tested
 * here" start with "skip:". */

/* Enter a fresh network namespace and bring lo up (needs CAP_SYS_ADMIN in
 * the current user namespace). */
int kb_os_new_netns(char *err, size_t errlen);
/* Enter a new user namespace, where the caller's uid and gid become 0,
 * and a fresh network namespace owned by it, and bring lo up: isolation
 * without root, where the kernel allows unprivileged user namespaces.
 * Once in, kb_os_new_netns works for the following resets. */
int kb_os_new_userns(char *err, size_t errlen);
/* Add an address (IPv4 /32, IPv6 /128 without DAD) to dev: lo when NULL
 * or "", else a veth of that name, made on first use.  Present: 0. */
int kb_os_add_addr(const bm_endpoint *a, const char *dev, char *err, size_t errlen);
/* Set a knob through the namespace's sysctls (lo/hi: ephemeral range).
 * only_if_equal: do not write, just succeed if the value is already so. */
int kb_os_set_knob(bm_knob k, long lo, long hi, int only_if_equal, char *err,
                   size_t errlen);
/* Hosts of a scenario (`host NAME OS ADDR`): each is a network namespace
 * of its own, joined to the scenario's first namespace by a veth pair
 * bmhN <-> bmrN with a default route out of bmrN.  kb_os_new_host_netns
 * makes host n's namespace and returns its fd, staying where it was;
 * kb_os_route_to_host routes one of host n's (IPv4) addresses out of bmhN;
 * kb_os_netns_fd opens the current namespace, kb_os_enter_netns enters
 * one. */
int kb_os_netns_fd(void);
int kb_os_enter_netns(int fd, char *err, size_t errlen);
int kb_os_new_host_netns(unsigned n, int *fd, char *err, size_t errlen);
int kb_os_route_to_host(const bm_endpoint *a, unsigned n, char *err, size_t errlen);
/* Send one UDP datagram from src to dst (local or multicast/broadcast
 * destinations only; the caller checks) without binding a port. */
int kb_os_send_udp(const bm_endpoint *src, const bm_endpoint *dst,
                   const void *data, size_t len, char *err, size_t errlen);

#endif
