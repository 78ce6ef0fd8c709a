/* SPDX-License-Identifier: MIT */
/*
 * kernel_linux.c: the Linux-only half of the kernel backend: a private
 * network namespace per scenario (unshare(CLONE_NEWNET)), lo brought up and
 * addresses added over rtnetlink (no shelling out to ip(8)) to lo, or to a
 * veth pair made for `addr add ... dev NAME` (this kernel has no dummy
 * interfaces; the pair's two ends are both in the namespace), the
 * namespace's own sysctls under /proc/sys/net, and raw UDP sends for
 * deliver.  Everything here acts inside the namespace the process is in;
 * kernel.c only calls the sysctl and address functions once it has
 * entered one of its own.
 *
 * On other systems the same functions are stubs that answer "skip:".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

#ifdef __linux__

#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ----------------------------------------------------------- rtnetlink */

/* a request: header, family message, attributes, all in one buffer */
typedef union nl_req {
	struct nlmsghdr n;
	char buf[512];
} nl_req;

#define NL_IFI(r) ((struct ifinfomsg *)((r)->buf + NLMSG_HDRLEN))
#define NL_IFA(r) ((struct ifaddrmsg *)((r)->buf + NLMSG_HDRLEN))

static void nl_attr(nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->n.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send one request and wait for its acknowledgement; 0 or -errno. */
static int nl_talk(nl_req *r)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl sa;
	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	r->n.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->n.nlmsg_seq = 1;
	int rc = -EIO;
	if (sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		union {
			struct nlmsghdr h;
			char b[8192];
		} buf;
		ssize_t got = recv(fd, &buf, sizeof buf, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		for (struct nlmsghdr *h = &buf.h; NLMSG_OK(h, (unsigned)got); h = NLMSG_NEXT(h, got)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				rc = e->error;   /* 0 is the acknowledgement */
				goto out;
			}
		}
	}
out:
	close(fd);
	return rc;
}

/* An RTM_NEWLINK request for the link named ifname; 0 or -errno. */
static int link_req(nl_req *r, const char *ifname)
{
	unsigned idx = if_nametoindex(ifname);
	if (!idx)
		return -errno;
	memset(r, 0, sizeof *r);
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r->n.nlmsg_type = RTM_NEWLINK;
	NL_IFI(r)->ifi_family = AF_UNSPEC;
	NL_IFI(r)->ifi_index = (int)idx;
	return 0;
}

static int link_up(const char *ifname)
{
	nl_req r;
	int rc = link_req(&r, ifname);
	if (rc != 0)
		return rc;
	NL_IFI(&r)->ifi_flags = IFF_UP;
	NL_IFI(&r)->ifi_change = IFF_UP;
	return nl_talk(&r);
}

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A namespace of our own starts with lo down. */
static int lo_up(char *err, size_t errlen)
{
	int rc = link_up("lo");
	if (rc != 0) {
		snprintf(err, errlen, "bringing lo up in the new namespace: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int kb_os_new_userns(char *err, size_t errlen)
{
	unsigned uid = (unsigned)geteuid(), gid = (unsigned)getegid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
		snprintf(err, errlen, "unshare(CLONE_NEWUSER|CLONE_NEWNET): %s", strerror(errno));
		return -1;
	}
	/* map our own ids to 0 inside: root of the new namespaces, nobody
	 * outside them (user_namespaces(7): setgroups must be denied before an
	 * unprivileged gid_map) */
	char map[64];
	snprintf(map, sizeof map, "0 %u 1\n", uid);
	if (write_proc("/proc/self/uid_map", map) != 0) {
		snprintf(err, errlen, "writing uid_map: %s", strerror(errno));
		return -1;
	}
	if (write_proc("/proc/self/setgroups", "deny") != 0 && errno != ENOENT) {
		snprintf(err, errlen, "writing setgroups: %s", strerror(errno));
		return -1;
	}
	snprintf(map, sizeof map, "0 %u 1\n", gid);
	if (write_proc("/proc/self/gid_map", map) != 0) {
		snprintf(err, errlen, "writing gid_map: %s", strerror(errno));
		return -1;
	}
	return lo_up(err, errlen);
}

int kb_os_new_netns(char *err, size_t errlen)
{
	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(err, errlen, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return -1;
	}
	return lo_up(err, errlen);
}

/* Nested attributes: open returns the attribute to close later. */
static struct rtattr *nl_nest(nl_req *r, unsigned short type)
{
	struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->n.nlmsg_len));
	nl_attr(r, type, NULL, 0);
	return a;
}

static void nl_nest_end(nl_req *r, struct rtattr *a)
{
	a->rta_len = (unsigned short)(r->buf + r->n.nlmsg_len - (char *)a);
}

/* A veth pair name <-> peer in the current namespace, not yet up. */
static int make_pair(const char *name, const char *peer)
{
	nl_req r;
	memset(&r, 0, sizeof r);
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.n.nlmsg_type = RTM_NEWLINK;
	r.n.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	NL_IFI(&r)->ifi_family = AF_UNSPEC;
	nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	struct rtattr *info = nl_nest(&r, IFLA_LINKINFO);
	nl_attr(&r, IFLA_INFO_KIND, "veth", 5);
	struct rtattr *data = nl_nest(&r, IFLA_INFO_DATA);
	struct rtattr *pi = nl_nest(&r, VETH_INFO_PEER);
	struct ifinfomsg peer_ifi;
	memset(&peer_ifi, 0, sizeof peer_ifi);
	peer_ifi.ifi_family = AF_UNSPEC;
	/* the peer's ifinfomsg, then its attributes */
	memcpy(RTA_DATA(pi), &peer_ifi, sizeof peer_ifi);
	r.n.nlmsg_len += NLMSG_ALIGN(sizeof peer_ifi);
	nl_attr(&r, IFLA_IFNAME, peer, strlen(peer) + 1);
	nl_nest_end(&r, pi);
	nl_nest_end(&r, data);
	nl_nest_end(&r, info);
	return nl_talk(&r);
}

/* A veth pair NAME <-> bmpeerN, both up: a device other than lo, for
 * addresses and SO_BINDTODEVICE, wired only to itself in the namespace. */
static int make_veth(const char *name)
{
	static unsigned peers;
	char peer[IFNAMSIZ];
	snprintf(peer, sizeof peer, "bmpeer%u", peers++);
	int rc = make_pair(name, peer);
	if (rc == 0)
		rc = link_up(name);
	if (rc == 0)
		rc = link_up(peer);
	return rc;
}

/* One datagram from addr to itself: does it come back?  (bind fails while
 * the address is tentative; loopback delivery is done within sendto()) */
static int addr6_loops(const struct sockaddr_in6 *sa)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in6 me = *sa;
	socklen_t len = sizeof me;
	char buf[8] = "probe";
	int ok = bind(fd, (const struct sockaddr *)sa, sizeof *sa) == 0 &&
	         getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
	         sendto(fd, buf, sizeof buf, 0, (const struct sockaddr *)&me, len) == sizeof buf;
	if (ok) {
		nanosleep(&(struct timespec){0, 200000L}, NULL);
		ok = recv(fd, buf, sizeof buf, MSG_DONTWAIT) == sizeof buf;
	}
	close(fd);
	return ok;
}

/* An IPv6 address added over rtnetlink is not usable at once: the kernel's
 * addrconf work finishes it later (inet6_addr_add() -> addrconf_dad_start()
 * queues it even with IFA_F_NODAD).  In about a third of fresh namespaces a
 * datagram to the new address was lost when sent right away (a TCP connect
 * then failed with ENETUNREACH, a deliver reached nobody) and arrived 1 ms
 * later.  Wait, at most two seconds, until a datagram from the address to
 * itself arrives; it never leaves the namespace. */
static void wait_addr6_usable(const uint8_t *addr, unsigned idx)
{
	struct sockaddr_in6 sa;
	memset(&sa, 0, sizeof sa);
	sa.sin6_family = AF_INET6;
	memcpy(&sa.sin6_addr, addr, 16);
	sa.sin6_scope_id = idx;
	for (int tries = 0; tries < 2000; tries++) {
		int rc = addr6_loops(&sa);
		if (rc != 0)
			return;
		nanosleep(&(struct timespec){0, 1000000L}, NULL);
	}
}

int kb_os_add_addr(const bm_endpoint *a, const char *dev, char *err, size_t errlen)
{
	if (!dev || !*dev)
		dev = "lo";
	unsigned idx = if_nametoindex(dev);
	if (!idx) {
		int rc = make_veth(dev);
		if (rc != 0) {
			snprintf(err, errlen, "creating the veth %s: %s", dev, strerror(-rc));
			return -1;
		}
		idx = if_nametoindex(dev);
		if (!idx) {
			snprintf(err, errlen, "no %s after creating it: %s", dev, strerror(errno));
			return -1;
		}
	}
	nl_req r;
	memset(&r, 0, sizeof r);
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r.n.nlmsg_type = RTM_NEWADDR;
	r.n.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	NL_IFA(&r)->ifa_index = idx;
	size_t alen;
	if (a->family == BM_AF_INET) {
		NL_IFA(&r)->ifa_family = AF_INET;
		NL_IFA(&r)->ifa_prefixlen = 32;
		NL_IFA(&r)->ifa_scope = a->addr[0] == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
		alen = 4;
	} else {
		NL_IFA(&r)->ifa_family = AF_INET6;
		NL_IFA(&r)->ifa_prefixlen = 128;
		NL_IFA(&r)->ifa_flags = IFA_F_NODAD;
		NL_IFA(&r)->ifa_scope = a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80
		                    ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
		alen = 16;
	}
	nl_attr(&r, IFA_LOCAL, a->addr, alen);
	nl_attr(&r, IFA_ADDRESS, a->addr, alen);
	int rc = nl_talk(&r);
	if (rc == -EEXIST)
		rc = 0;
	if (rc != 0) {
		snprintf(err, errlen, "adding the address to %s: %s", dev, strerror(-rc));
		return -1;
	}
	if (a->family != BM_AF_INET)
		wait_addr6_usable(a->addr, idx);
	return 0;
}

/* ------------------------------------------------- hosts of a scenario */

/* A route to dst (a /32 or /128, or the default when dst is NULL) out of
 * dev, on link: the namespaces are joined by one veth each. */
static int add_route(int family, const uint8_t *dst, const char *dev)
{
	unsigned idx = if_nametoindex(dev);
	if (!idx)
		return -errno;
	nl_req r;
	memset(&r, 0, sizeof r);
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	r.n.nlmsg_type = RTM_NEWROUTE;
	r.n.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct rtmsg *rt = (struct rtmsg *)(r.buf + NLMSG_HDRLEN);
	rt->rtm_family = (unsigned char)family;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	size_t alen = family == AF_INET ? 4 : 16;
	if (dst) {
		rt->rtm_dst_len = (unsigned char)(alen * 8);
		nl_attr(&r, RTA_DST, dst, alen);
	}
	int oif = (int)idx;
	nl_attr(&r, RTA_OIF, &oif, sizeof oif);
	int rc = nl_talk(&r);
	return rc == -EEXIST ? 0 : rc;
}

/* Move dev into the namespace behind fd. */
static int move_link(const char *dev, int fd)
{
	nl_req r;
	int rc = link_req(&r, dev);
	if (rc != 0)
		return rc;
	uint32_t nsfd = (uint32_t)fd;
	nl_attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
	return nl_talk(&r);
}

int kb_os_netns_fd(void)
{
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

int kb_os_enter_netns(int fd, char *err, size_t errlen)
{
	if (setns(fd, CLONE_NEWNET) != 0) {
		snprintf(err, errlen, "setns: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int kb_os_new_host_netns(unsigned n, int *fd, char *err, size_t errlen)
{
	char here[IFNAMSIZ], there[IFNAMSIZ];
	snprintf(here, sizeof here, "bmh%u", n);
	snprintf(there, sizeof there, "bmr%u", n);
	*fd = -1;
	int self = kb_os_netns_fd(), other = -1, rc;
	const char *step = "opening this namespace";
	if (self < 0)
		goto fail_errno;
	step = "creating the veth pair";
	if ((rc = make_pair(here, there)) != 0)
		goto fail_rc;
	step = "unshare(CLONE_NEWNET)";
	if (unshare(CLONE_NEWNET) != 0)
		goto fail_errno;
	other = kb_os_netns_fd();
	rc = link_up("lo");
	if (setns(self, CLONE_NEWNET) != 0) {
		/* we cannot get back: never run on in the wrong namespace */
		snprintf(err, errlen, "setns back: %s", strerror(errno));
		abort();
	}
	step = "bringing up the new namespace";
	if (other < 0 || rc != 0)
		goto fail_rc;
	step = "moving the veth";
	if ((rc = move_link(there, other)) != 0 || (rc = link_up(here)) != 0)
		goto fail_rc;
	if (setns(other, CLONE_NEWNET) != 0)
		goto fail_errno;
	/* everything the host sends leaves by its veth */
	rc = link_up(there);
	if (rc == 0)
		rc = add_route(AF_INET, NULL, there);
	if (setns(self, CLONE_NEWNET) != 0) {
		snprintf(err, errlen, "setns back: %s", strerror(errno));
		abort();
	}
	step = "the host's veth and default route";
	if (rc != 0)
		goto fail_rc;
	close(self);
	*fd = other;
	return 0;
fail_errno:
	rc = -errno;
fail_rc:
	snprintf(err, errlen, "a namespace for a host: %s: %s", step, strerror(-rc));
	if (self >= 0)
		close(self);
	if (other >= 0)
		close(other);
	return -1;
}

int kb_os_route_to_host(const bm_endpoint *a, unsigned n, char *err, size_t errlen)
{
	char here[IFNAMSIZ];
	snprintf(here, sizeof here, "bmh%u", n);
	int rc = a->family == BM_AF_INET ? add_route(AF_INET, a->addr, here) : -EAFNOSUPPORT;
	if (rc != 0) {
		snprintf(err, errlen, "a route to a host's address: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- sysctls */

static int sysctl_rw(const char *path, char *val, size_t vlen, int write_it)
{
	int fd = open(path, write_it ? O_WRONLY | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (write_it) {
		size_t n = strlen(val);
		if (write(fd, val, n) != (ssize_t)n)
			rc = -errno;
	} else {
		ssize_t n = read(fd, val, vlen - 1);
		if (n < 0)
			rc = -errno;
		else
			val[n] = 0;
	}
	close(fd);
	return rc;
}

/* "32768\t60999\n" and "32768 60999" compare equal */
static int same_words(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t' || *a == '\n')
			a++;
		while (*b == ' ' || *b == '\t' || *b == '\n')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		while (*a && *a != ' ' && *a != '\t' && *a != '\n') {
			if (*a++ != *b++)
				return 0;
		}
		if (*b && *b != ' ' && *b != '\t' && *b != '\n')
			return 0;
	}
}

int kb_os_set_knob(bm_knob k, long lo, long hi, int only_if_equal, char *err, size_t errlen)
{
	const char *paths[2] = {NULL, NULL};
	char val[64];
	snprintf(val, sizeof val, "%ld", lo);
	switch (k) {
	case BM_KNOB_EPHEMERAL_LO:
	case BM_KNOB_EPHEMERAL_HI:
		paths[0] = "/proc/sys/net/ipv4/ip_local_port_range";
		snprintf(val, sizeof val, "%ld %ld", lo, hi);
		break;
	case BM_KNOB_UNPRIVILEGED_PORT_START:
		paths[0] = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
		break;
	case BM_KNOB_TW_REUSE:
		paths[0] = "/proc/sys/net/ipv4/tcp_tw_reuse";
		break;
	case BM_KNOB_V6ONLY:
		paths[0] = "/proc/sys/net/ipv6/bindv6only";
		break;
	case BM_KNOB_NONLOCAL_BIND:
		paths[0] = "/proc/sys/net/ipv4/ip_nonlocal_bind";
		paths[1] = "/proc/sys/net/ipv6/ip_nonlocal_bind";
		break;
	case BM_KNOB_TIME_WAIT_MS:
		snprintf(err, errlen, "skip: the TIME_WAIT length is fixed on Linux "
		         "(TCP_TIMEWAIT_LEN, 60s); no sysctl sets it");
		return -1;
	default:
		snprintf(err, errlen, "unknown knob");
		return -1;
	}
	for (int i = 0; i < 2 && paths[i]; i++) {
		char cur[128];
		int rc = sysctl_rw(paths[i], cur, sizeof cur, 0);
		if (rc != 0) {
			snprintf(err, errlen, "skip: cannot read %s: %s", paths[i], strerror(-rc));
			return -1;
		}
		if (same_words(cur, val))
			continue;
		if (only_if_equal) {
			snprintf(err, errlen, "skip: %s is not %s here and may only be changed in a "
			         "private network namespace", paths[i] + 10, val);
			return -1;
		}
		rc = sysctl_rw(paths[i], val, 0, 1);
		if (rc != 0) {
			snprintf(err, errlen, "skip: the kernel refuses %s = %s: %s", paths[i] + 10, val,
			         strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ raw sends */

#define UDP_HLEN 8

static int send_v4(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
                   const void *data, size_t len, char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		snprintf(err, errlen, "skip: deliver needs a raw socket: %s", strerror(errno));
		return -1;
	}
	int mcast = dst[0] >= 224 && dst[0] <= 239;
	int bcast = dst[0] == 255 && dst[1] == 255 && dst[2] == 255 && dst[3] == 255;
	int one = 1;
	if (bcast)
		setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
	int member = -1;
	if (mcast || bcast) {
		/* out of lo, and nowhere else */
		struct ip_mreqn m;
		memset(&m, 0, sizeof m);
		m.imr_ifindex = (int)if_nametoindex("lo");
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) != 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) != 0) {
			snprintf(err, errlen, "skip: cannot pin a multicast send to lo: %s",
			         strerror(errno));
			close(fd);
			return -1;
		}
		/* lo takes a group's datagrams in only while some socket is a
		 * member there; a helper joins for the send (it holds no port,
		 * so it receives nothing; sockets that did not join still get
		 * the datagram: IP_MULTICAST_ALL is on by default) */
		memcpy(&m.imr_multiaddr, dst, 4);
		member = mcast ? socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
		if (mcast && (member < 0 ||
		              setsockopt(member, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) != 0)) {
			snprintf(err, errlen, "skip: cannot join the group on lo: %s", strerror(errno));
			if (member >= 0)
				close(member);
			close(fd);
			return -1;
		}
	}
	uint8_t pkt[20 + UDP_HLEN + 256];
	if (len > 256)
		len = 256;
	size_t total = 20 + UDP_HLEN + len;
	memset(pkt, 0, 20 + UDP_HLEN);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(total >> 8);
	pkt[3] = (uint8_t)total;
	pkt[8] = mcast || bcast ? 1 : 64;   /* TTL */
	pkt[9] = IPPROTO_UDP;
	memcpy(pkt + 12, src, 4);
	memcpy(pkt + 16, dst, 4);
	uint8_t *u = pkt + 20;
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = (uint8_t)((UDP_HLEN + len) >> 8);
	u[5] = (uint8_t)(UDP_HLEN + len);
	/* checksum 0: none, allowed over IPv4 */
	memcpy(u + UDP_HLEN, data, len);
	struct sockaddr_in to;
	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	memcpy(&to.sin_addr, dst, 4);
	int rc = 0;
	if (sendto(fd, pkt, total, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)total) {
		snprintf(err, errlen, "skip: raw send of the datagram failed: %s", strerror(errno));
		rc = -1;
	}
	if (member >= 0) {
		/* loopback delivery happens inside sendto(); leave a margin */
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
		close(member);
	}
	close(fd);
	return rc;
}

static int send_v6(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
                   const void *data, size_t len, char *err, size_t errlen)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		snprintf(err, errlen, "skip: deliver needs a raw socket: %s", strerror(errno));
		return -1;
	}
	int one = 1, off = 6;
	if (dst[0] == 0xff) {
		/* lo has no IPv6 multicast route, and with one (tried) the
		 * datagram is still not taken in: not modelled here */
		snprintf(err, errlen, "skip: IPv6 multicast is not delivered over lo");
		close(fd);
		return -1;
	}
	/* the kernel fills the UDP checksum (mandatory over IPv6) */
	struct sockaddr_in6 from;
	memset(&from, 0, sizeof from);
	from.sin6_family = AF_INET6;
	memcpy(&from.sin6_addr, src, 16);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof off) != 0 ||
#ifdef IPV6_FREEBIND
	    setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one) != 0 ||
#else
	    setsockopt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &one, sizeof one) != 0 ||
#endif
	    bind(fd, (struct sockaddr *)&from, sizeof from) != 0) {
		snprintf(err, errlen, "skip: cannot send from that source: %s", strerror(errno));
		close(fd);
		return -1;
	}
	uint8_t pkt[UDP_HLEN + 256];
	if (len > 256)
		len = 256;
	size_t total = UDP_HLEN + len;
	memset(pkt, 0, UDP_HLEN);
	pkt[0] = (uint8_t)(sport >> 8);
	pkt[1] = (uint8_t)sport;
	pkt[2] = (uint8_t)(dport >> 8);
	pkt[3] = (uint8_t)dport;
	pkt[4] = (uint8_t)(total >> 8);
	pkt[5] = (uint8_t)total;
	memcpy(pkt + UDP_HLEN, data, len);
	struct sockaddr_in6 to;
	memset(&to, 0, sizeof to);
	to.sin6_family = AF_INET6;
	memcpy(&to.sin6_addr, dst, 16);
	int rc = 0;
	if (sendto(fd, pkt, total, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)total) {
		snprintf(err, errlen, "skip: raw send of the datagram failed: %s", strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

int kb_os_send_udp(const bm_endpoint *src, const bm_endpoint *dst, const void *data,
                   size_t len, char *err, size_t errlen)
{
	if (src->family == BM_AF_INET)
		return send_v4(src->addr, src->port, dst->addr, dst->port, data, len, err, errlen);
	if (bm_addr_is_v4mapped(src) && bm_addr_is_v4mapped(dst))
		return send_v4(src->addr + 12, src->port, dst->addr + 12, dst->port, data, len, err,
		               errlen);
	return send_v6(src->addr, src->port, dst->addr, dst->port, data, len, err, errlen);
}

#else /* !__linux__: loopback only, no namespaces, no knobs */

int kb_os_new_netns(char *err, size_t errlen)
{
	snprintf(err, errlen, "network namespaces are Linux-only");
	return -1;
}

int kb_os_new_userns(char *err, size_t errlen)
{
	snprintf(err, errlen, "user namespaces are Linux-only");
	return -1;
}

int kb_os_add_addr(const bm_endpoint *a, const char *dev, char *err, size_t errlen)
{
	(void)a;
	(void)dev;
	snprintf(err, errlen, "skip: adding addresses needs a Linux network namespace");
	return -1;
}

int kb_os_set_knob(bm_knob k, long lo, long hi, int only_if_equal, char *err, size_t errlen)
{
	(void)k;
	(void)lo;
	(void)hi;
	(void)only_if_equal;
	snprintf(err, errlen, "skip: knobs are only set in a Linux network namespace");
	return -1;
}

int kb_os_netns_fd(void)
{
	return -1;
}

int kb_os_enter_netns(int fd, char *err, size_t errlen)
{
	(void)fd;
	snprintf(err, errlen, "network namespaces are Linux-only");
	return -1;
}

int kb_os_new_host_netns(unsigned n, int *fd, char *err, size_t errlen)
{
	(void)n;
	*fd = -1;
	snprintf(err, errlen, "skip: hosts need Linux network namespaces");
	return -1;
}

int kb_os_route_to_host(const bm_endpoint *a, unsigned n, char *err, size_t errlen)
{
	(void)a;
	(void)n;
	snprintf(err, errlen, "skip: hosts need Linux network namespaces");
	return -1;
}

int kb_os_send_udp(const bm_endpoint *src, const bm_endpoint *dst, const void *data,
                   size_t len, char *err, size_t errlen)
{
	(void)src;
	(void)dst;
	(void)data;
	(void)len;
	snprintf(err, errlen, "skip: deliver uses Linux raw sockets");
	return -1;
}

#endif
