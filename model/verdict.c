/* SPDX-License-Identifier: MIT */
/*
 * verdict.c: a verdict's reason is made when it is read, not when it is
 * set.  Formatting the text with vsnprintf on every operation was most of
 * a bind decision's time (issue 11), and most reasons are never read.
 * bm_verdict_set keeps the format and a copy of each argument in the
 * verdict's private record; bm_verdict_reason formats them into reason,
 * one conversion at a time, giving the very text vsnprintf would have.
 * Anything the record cannot hold (an unusual conversion, too many
 * arguments, long strings, a NULL string) is formatted at once instead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

enum { SPEC_MAX = 24 };   /* one conversion, "%-12.*lld" and the like */

typedef struct spec {
	const char *start, *end;   /* from '%' to the conversion letter */
	int stars;                  /* '*' width and precision: int args */
	int prec;                   /* -1: none, -2: given by an argument */
	char len[3];                /* length modifier as written */
	char conv;
} spec;

/* Character classes of a conversion, without strchr's call per character:
 * parsing formats is on every operation's path. */
static int is_flag(char c)
{
	return c == '-' || c == '+' || c == ' ' || c == '#' || c == '0';
}

static int is_length(char c)
{
	return c == 'h' || c == 'l' || c == 'z' || c == 'j' || c == 't';
}

static int is_int_conv(char c)
{
	return c == 'd' || c == 'i' || c == 'u' || c == 'o' || c == 'x' || c == 'X';
}

static int is_float_conv(char c)
{
	return c == 'f' || c == 'F' || c == 'e' || c == 'E' || c == 'g' || c == 'G' ||
	       c == 'a' || c == 'A';
}

/* Parse the conversion at p ('%' not %%): 0, or -1 if it is not one the
 * record can hold. */
static int parse_spec(const char *p, spec *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->start = p++;
	sp->prec = -1;
	if (*p == 's' || *p == 'd' || *p == 'u') {
		/* the plain conversions most reasons use */
		sp->conv = *p;
		sp->end = p;
		return 0;
	}
	while (is_flag(*p))
		p++;
	if (*p == '*') {
		sp->stars++;
		p++;
	} else {
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			sp->stars++;
			sp->prec = -2;
			p++;
		} else {
			sp->prec = 0;
			for (; *p >= '0' && *p <= '9'; p++)
				if (sp->prec < 10000)
					sp->prec = sp->prec * 10 + (*p - '0');
		}
	}
	size_t n = 0;
	if (is_length(*p))
		sp->len[n++] = *p++;
	if (n == 1 && (sp->len[0] == 'h' || sp->len[0] == 'l') && *p == sp->len[0])
		sp->len[n++] = *p++;   /* hh, ll */
	sp->conv = *p;
	sp->end = p;
	int text = *p == 'c' || *p == 's' || *p == 'p';
	if (!(is_int_conv(*p) || text || is_float_conv(*p)) || p - sp->start + 3 >= SPEC_MAX)
		return -1;
	if ((text || is_float_conv(*p)) && n && !(n == 1 && sp->len[0] == 'l'))
		return -1;   /* %lc, %ls, %Lf: not used, not kept */
	if ((*p == 'c' || *p == 's' || *p == 'p') && n)
		return -1;
	return 0;
}

/* Take one integer argument of the spec's type, as printf would read it. */
static void take_int(spec *sp, va_list *ap, union bm_verdict_arg_ *a)
{
	int sgn = sp->conv == 'd' || sp->conv == 'i';
	const char *l = sp->len;
	if (strcmp(l, "hh") == 0) {
		int x = va_arg(*ap, int);
		if (sgn)
			a->i = (signed char)x;
		else
			a->u = (unsigned char)x;
	} else if (strcmp(l, "h") == 0) {
		int x = va_arg(*ap, int);
		if (sgn)
			a->i = (short)x;
		else
			a->u = (unsigned short)x;
	} else if (strcmp(l, "l") == 0) {
		if (sgn)
			a->i = va_arg(*ap, long);
		else
			a->u = va_arg(*ap, unsigned long);
	} else if (strcmp(l, "ll") == 0) {
		if (sgn)
			a->i = va_arg(*ap, long long);
		else
			a->u = va_arg(*ap, unsigned long long);
	} else if (strcmp(l, "z") == 0) {
		if (sgn)
			a->i = (long long)va_arg(*ap, ptrdiff_t);   /* ssize_t's size */
		else
			a->u = va_arg(*ap, size_t);
	} else if (strcmp(l, "j") == 0) {
		if (sgn)
			a->i = va_arg(*ap, intmax_t);
		else
			a->u = va_arg(*ap, uintmax_t);
	} else if (strcmp(l, "t") == 0) {
		if (sgn)
			a->i = va_arg(*ap, ptrdiff_t);
		else
			a->u = (unsigned long long)va_arg(*ap, ptrdiff_t);
	} else if (sgn) {
		a->i = va_arg(*ap, int);
	} else {
		a->u = va_arg(*ap, unsigned);
	}
}

/* Keep fmt's arguments in v's record: 0, or -1 when they do not fit. */
static int capture(struct bm_verdict_lazy_ *z, const char *fmt, va_list *ap)
{
	z->nargs = 0;
	z->nstr = 0;
	for (const char *p = fmt; (p = strchr(p, '%')); p++) {
		if (p[1] == '%') {
			p++;
			continue;
		}
		spec sp;
		if (parse_spec(p, &sp) != 0 || z->nargs + sp.stars + 1 > 8)
			return -1;
		int prec = sp.prec;
		for (int k = 0; k < sp.stars; k++) {
			int x = va_arg(*ap, int);
			z->arg[z->nargs++].i = x;
			if (k == sp.stars - 1 && sp.prec == -2)
				prec = x < 0 ? -1 : x;   /* a negative precision is none */
		}
		union bm_verdict_arg_ *a = &z->arg[z->nargs++];
		switch (sp.conv) {
		case 'c':
			a->i = va_arg(*ap, int);
			break;
		case 'p':
			a->p = va_arg(*ap, void *);
			break;
		case 's': {
			const char *s = va_arg(*ap, const char *);
			if (!s)
				return -1;   /* the C library's own "(null)" */
			size_t n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
			if (n + 1 > sizeof z->str - z->nstr)
				return -1;
			memcpy(z->str + z->nstr, s, n);
			z->str[z->nstr + n] = 0;
			a->u = z->nstr;
			z->nstr = (unsigned short)(z->nstr + n + 1);
			break;
		}
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
			a->d = va_arg(*ap, double);
			break;
		default:
			take_int(&sp, ap, a);
		}
		p = sp.end;
	}
	return 0;
}

/* Copy s into z->str at *nstr, a its offset there, *nstr past it; -1 when
 * it does not fit the record.  Byte by byte: most are a few characters,
 * where strlen and memcpy cost more. */
static inline int keep_string(struct bm_verdict_lazy_ *z, size_t *nstr, const char *s,
                              union bm_verdict_arg_ *a)
{
	size_t at = *nstr;
	for (;; at++) {
		if (at == sizeof z->str)
			return -1;
		if ((z->str[at] = *s++) == 0)
			break;
	}
	a->u = *nstr;
	*nstr = at + 1;
	return 0;
}

/* Keep the arguments whose C types types gives (BM_ARG_TYPES_): 0, or -1
 * when one is of a type the record does not keep or does not fit.  With
 * BM_STRS_STATIC_ the strings are static and kept as pointers. */
static int capture_typed(struct bm_verdict_lazy_ *z, unsigned long long types, va_list *ap)
{
	unsigned n = (unsigned)(types & 15);
	int by_ref = (types & BM_STRS_STATIC_) != 0;
	size_t nstr = 0;   /* kept in locals, stored once at the end */
	union bm_verdict_arg_ *a = z->arg;
	if (n > 8)
		return -1;
	for (unsigned i = 0; i < n; i++, a++) {
		types >>= 4;
		switch (types & 15) {
		case 1: a->i = va_arg(*ap, int); break;
		case 2: a->u = va_arg(*ap, unsigned); break;
		case 3: a->i = va_arg(*ap, long); break;
		case 4: a->u = va_arg(*ap, unsigned long); break;
		case 5: a->i = va_arg(*ap, long long); break;
		case 6: a->u = va_arg(*ap, unsigned long long); break;
		case 7: a->d = va_arg(*ap, double); break;
		case 8: {
			const char *s = va_arg(*ap, const char *);
			if (!s)
				return -1;   /* the C library's own "(null)" */
			if (by_ref) {
				a->p = s;
				break;
			}
			if (keep_string(z, &nstr, s, a) != 0)
				return -1;
			break;
		}
		default: return -1;
		}
	}
	z->nargs = (unsigned char)n;
	z->nstr = (unsigned short)nstr;
	z->by_ref = (unsigned char)by_ref;
	return 0;
}

/* Fill v from fmt and its arguments: kept in the record by first_try (an
 * expression that reads them through ap_; 0 to skip it), else by reading
 * fmt, else formatted now.  The arguments are walked again only when a
 * way fails; starting over (not va_copy) keeps the common path short.  A
 * macro, because only the variadic function itself can start over. */
#define SET_REASON(v, fmt, first_try) do { \
	va_list ap_; \
	va_start(ap_, fmt); \
	int kept_ = (first_try); \
	va_end(ap_); \
	if (!kept_) { \
		va_start(ap_, fmt); \
		kept_ = capture(&(v)->lazy_, fmt, &ap_) == 0; \
		va_end(ap_); \
	} \
	if (kept_) { \
		(v)->lazy_.fmt = fmt; \
	} else { \
		va_start(ap_, fmt); \
		vsnprintf((v)->reason, sizeof (v)->reason, fmt, ap_); \
		va_end(ap_); \
	} \
} while (0)

static void set_head(bm_verdict *v, bm_result code, const char *rule, bm_sock conflict)
{
	v->code = code;
	v->rule = rule;
	v->conflict = conflict;
	v->reason[0] = 0;
	v->lazy_.fmt = NULL;
	v->lazy_.by_ref = 0;
}

bm_result bm_verdict_set_typed_(bm_verdict *v, bm_result code, const char *rule,
                                bm_sock conflict, unsigned long long types, const char *fmt,
                                ...)
{
	if (!v)
		return code;
	set_head(v, code, rule, conflict);
	if (fmt)
		SET_REASON(v, fmt, capture_typed(&v->lazy_, types, &ap_) == 0);
	return code;
}

static void format_lazy(const struct bm_verdict_lazy_ *z, const char *fmt, char *out,
                        size_t cap);

/* Copy the %s arguments of args (code 8 in types) into z->str, each
 * arg[i] then its offset there; 0, or -1 if one is NULL or too long. */
static int keep_strings(struct bm_verdict_lazy_ *z, unsigned n, unsigned long long types,
                        const union bm_verdict_arg_ *args)
{
	size_t nstr = 0;
	for (unsigned i = 0; i < n; i++) {
		types >>= 4;
		z->arg[i] = args[i];
		if ((types & 15) != 8)
			continue;
		/* NULL: the C library's own "(null)", formatted at once */
		if (!args[i].p || keep_string(z, &nstr, args[i].p, &z->arg[i]) != 0)
			return -1;
	}
	z->nstr = (unsigned short)nstr;
	return 0;
}

bm_result bm_verdict_set_args_(bm_verdict *v, bm_result code, const char *rule,
                               bm_sock conflict, unsigned long long types, const char *fmt,
                               const union bm_verdict_arg_ *args)
{
	unsigned n = (unsigned)(types & 15);
	if (!v)
		return code;
	/* strings kept by pointer, or none: the values are all there is (the
	 * header's inline way, for a caller built without it) */
	if (bm_verdict_kept_as_is_(types, fmt, args))
		return bm_verdict_keep_(v, code, rule, conflict, types, fmt, args);
	set_head(v, code, rule, conflict);
	struct bm_verdict_lazy_ *z = &v->lazy_;
	z->by_ref = (types & BM_STRS_STATIC_) != 0;
	if (!fmt)
		return code;
	if (n > 8 || !args) {
		snprintf(v->reason, sizeof v->reason, "%s", fmt);   /* no arguments to trust */
		return code;
	}
	if (keep_strings(z, n, types, args) == 0) {
		z->nargs = (unsigned char)n;
		z->fmt = fmt;
		return code;
	}
	/* a string NULL or too long for the record: formatted now, from the
	 * pointers while they are good, as the variadic way does */
	for (unsigned i = 0; i < n; i++)
		z->arg[i] = args[i];
	z->by_ref = 1;   /* put_spec reads a NULL as "(null)" */
	z->nargs = (unsigned char)n;
	format_lazy(z, fmt, v->reason, sizeof v->reason);
	return code;
}

/* The function itself, for callers without the macro (C++, pointers). */
bm_result (bm_verdict_set)(bm_verdict *v, bm_result code, const char *rule, bm_sock conflict,
                           const char *fmt, ...)
{
	if (!v)
		return code;
	set_head(v, code, rule, conflict);
	if (fmt)
		SET_REASON(v, fmt, 0);
	return code;
}

/* An integer as printf reads it for sp's length modifier: a typed record
 * keeps each argument as its own C type, which may differ in sign (%u of
 * an int). */
static long long signed_as(const spec *sp, unsigned long long x)
{
	const char *l = sp->len;
	switch (l[0]) {
	case 0: return (int)x;
	case 'h': return l[1] == 'h' ? (signed char)x : (short)x;
	case 'l': return l[1] == 'l' ? (long long)x : (long)x;
	case 'j': return (intmax_t)x;
	default: return (ptrdiff_t)x;   /* z, t */
	}
}

static unsigned long long unsigned_as(const spec *sp, unsigned long long x)
{
	const char *l = sp->len;
	switch (l[0]) {
	case 0: return (unsigned)x;
	case 'h': return l[1] == 'h' ? (unsigned char)x : (unsigned short)x;
	case 'l': return l[1] == 'l' ? x : (unsigned long)x;
	case 'j': return (uintmax_t)x;
	default: return (size_t)x;   /* z, t */
	}
}

/* One conversion into out[*pos..cap), *pos moved past what it wrote. */
static void put_spec(char *out, size_t cap, size_t *pos, const spec *sp,
                     const struct bm_verdict_lazy_ *z, unsigned char *k)
{
	char f[SPEC_MAX];
	size_t n = 0;
	/* flags, width, precision as written; integers then read as long long */
	for (const char *q = sp->start; q < sp->end && !strchr("hlzjt", *q); q++)
		f[n++] = *q;
	int integer = !strchr("cspfFeEgGaA", sp->conv);
	if (integer) {
		f[n++] = 'l';
		f[n++] = 'l';
	}
	f[n++] = sp->conv;
	f[n] = 0;
	int st[2] = {0, 0};
	if (*k + sp->stars >= z->nargs)
		return;   /* a format with more conversions than arguments */
	for (int i = 0; i < sp->stars; i++)
		st[i] = (int)z->arg[(*k)++].i;
	const union bm_verdict_arg_ *a = &z->arg[(*k)++];
	char *o = out + *pos;
	size_t rem = cap - *pos;
	int w;
#define PUT(x) (sp->stars == 0 ? snprintf(o, rem, f, x) \
		: sp->stars == 1 ? snprintf(o, rem, f, st[0], x) \
		: snprintf(o, rem, f, st[0], st[1], x))
	if (sp->conv == 's')   /* a static NULL reads as the C library's "(null)" */
		w = PUT(z->by_ref ? a->p ? (const char *)a->p : "(null)"
		                  : a->u < z->nstr ? z->str + a->u : "");
	else if (sp->conv == 'p')
		w = PUT(a->p);
	else if (sp->conv == 'c')
		w = PUT((int)a->i);
	else if (!integer)
		w = PUT(a->d);
	else if (sp->conv == 'd' || sp->conv == 'i')
		w = PUT(signed_as(sp, a->u));
	else
		w = PUT(unsigned_as(sp, a->u));
#undef PUT
	if (w > 0)
		*pos += (size_t)w < rem ? (size_t)w : rem - 1;
}

/* The format of bm_verdict_set_at's reason: arg[0] is the text, str holds
 * the endpoint's bytes (formatted only when read). */
static const char at_endpoint[] = "%s %s";

void bm_verdict_set_at(bm_verdict *v, bm_result code, const char *rule, bm_sock conflict,
                       const char *what, const bm_endpoint *ep)
{
	struct bm_verdict_lazy_ *z = &v->lazy_;
	set_head(v, code, rule, conflict);
	z->fmt = at_endpoint;
	z->nargs = 1;
	z->arg[0].p = what;
	memcpy(z->str, ep, sizeof *ep);
	z->nstr = sizeof *ep;
}

/* The format of bm_verdict_set_path's reason: str holds both endpoints'
 * bytes (formatted only when read). */
static const char path_endpoints[] = "%s -> %s";

void bm_verdict_set_path(bm_verdict *v, bm_result code, const char *rule, bm_sock conflict,
                         const bm_endpoint *from, const bm_endpoint *to)
{
	struct bm_verdict_lazy_ *z = &v->lazy_;
	set_head(v, code, rule, conflict);
	z->fmt = path_endpoints;
	z->nargs = 0;
	memcpy(z->str, from, sizeof *from);
	memcpy(z->str + sizeof *from, to, sizeof *to);
	z->nstr = 2 * sizeof *from;
}

/* The text of record z with format fmt, into out[0..cap). */
static void format_lazy(const struct bm_verdict_lazy_ *z, const char *fmt, char *out, size_t cap)
{
	size_t pos = 0;
	unsigned char k = 0;
	for (const char *p = fmt; *p && pos + 1 < cap;) {
		if (*p != '%' || p[1] == '%') {
			out[pos++] = *p;
			p += *p == '%' ? 2 : 1;
			continue;
		}
		spec sp;
		if (parse_spec(p, &sp) != 0)
			break;   /* %n and the like: typed arguments never read fmt */
		put_spec(out, cap, &pos, &sp, z, &k);
		p = sp.end + 1;
	}
	out[pos] = 0;
}

/* The reasons of bm_verdict_set_shared: the record holds the policy's own
 * reason (its format and arguments), then its format, what, and the
 * endpoint's bytes at the end of str. */
static const char sharing_with[] = "%s %s, sharing the port with socket %d: %.120s";
static const char sharing[] = "%s %s, sharing the port: %.140s";

void bm_verdict_set_shared(bm_verdict *v, const char *what, const bm_endpoint *ep)
{
	struct bm_verdict_lazy_ *z = &v->lazy_;
	const char *inner = z->fmt;
	if (inner && inner != at_endpoint && inner != path_endpoints && inner != sharing_with &&
	    inner != sharing &&
	    z->nargs + 2 <= 8 && z->nstr + sizeof *ep <= sizeof z->str) {
		z->arg[z->nargs].p = inner;
		z->arg[z->nargs + 1].p = what;
		z->nargs = (unsigned char)(z->nargs + 2);
		memcpy(z->str + z->nstr, ep, sizeof *ep);
		z->nstr = (unsigned short)(z->nstr + sizeof *ep);
		z->fmt = v->conflict != BM_NO_SOCK ? sharing_with : sharing;
		v->reason[0] = 0;
		return;
	}
	/* a record with no room: the text now */
	char buf[BM_ENDPOINT_STRLEN], why[sizeof v->reason];
	bm_endpoint_format(ep, buf, sizeof buf);
	snprintf(why, sizeof why, "%s", bm_verdict_reason(v));
	if (v->conflict != BM_NO_SOCK)
		bm_verdict_set(v, BM_OK, v->rule, v->conflict, sharing_with, what, buf, v->conflict,
		               why);
	else
		bm_verdict_set(v, BM_OK, v->rule, BM_NO_SOCK, sharing, what, buf, why);
}

const char *bm_verdict_reason(bm_verdict *v)
{
	if (!v)
		return "";
	const struct bm_verdict_lazy_ *z = &v->lazy_;
	const char *fmt = z->fmt;
	if (!fmt)
		return v->reason;
	if (fmt == at_endpoint) {
		bm_endpoint ep;
		char buf[BM_ENDPOINT_STRLEN];
		memcpy(&ep, z->str, sizeof ep);
		snprintf(v->reason, sizeof v->reason, at_endpoint, (const char *)z->arg[0].p,
		         bm_endpoint_format(&ep, buf, sizeof buf));
	} else if (fmt == path_endpoints) {
		bm_endpoint ep[2];
		char a[BM_ENDPOINT_STRLEN], b[BM_ENDPOINT_STRLEN];
		memcpy(ep, z->str, sizeof ep);
		snprintf(v->reason, sizeof v->reason, path_endpoints,
		         bm_endpoint_format(&ep[0], a, sizeof a), bm_endpoint_format(&ep[1], b, sizeof b));
	} else if (fmt == sharing_with || fmt == sharing) {
		struct bm_verdict_lazy_ in = *z;   /* the policy's own record */
		bm_endpoint ep;
		char buf[BM_ENDPOINT_STRLEN], why[sizeof v->reason];
		in.nargs = (unsigned char)(z->nargs - 2);
		in.nstr = (unsigned short)(z->nstr - sizeof ep);
		memcpy(&ep, z->str + in.nstr, sizeof ep);
		format_lazy(&in, (const char *)z->arg[in.nargs].p, why, sizeof why);
		const char *what = z->arg[in.nargs + 1].p;
		bm_endpoint_format(&ep, buf, sizeof buf);
		if (fmt == sharing_with)
			snprintf(v->reason, sizeof v->reason, sharing_with, what, buf, v->conflict, why);
		else
			snprintf(v->reason, sizeof v->reason, sharing, what, buf, why);
	} else {
		format_lazy(z, fmt, v->reason, sizeof v->reason);
	}
	v->lazy_.fmt = NULL;
	return v->reason;
}

/* Copy what a verdict holds, not its unused bytes: the fields before the
 * reason, and those from alt to the record's arguments, are each one
 * block the compiler copies in a few moves; then the arguments and the
 * string bytes in use. */
void bm_verdict_copy(bm_verdict *to, const bm_verdict *from)
{
	const struct bm_verdict_lazy_ *z = &from->lazy_;
	memcpy(to, from, offsetof(bm_verdict, reason));
	memcpy(&to->alt, &from->alt, offsetof(bm_verdict, lazy_.arg) - offsetof(bm_verdict, alt));
	if (!z->fmt) {
		size_t n = strlen(from->reason);
		memcpy(to->reason, from->reason, n + 1);
		to->lazy_.nargs = 0;
		to->lazy_.nstr = 0;
		return;
	}
	to->reason[0] = 0;
	if (z->nargs <= 4)
		memcpy(to->lazy_.arg, z->arg, 4 * sizeof *z->arg);
	else
		memcpy(to->lazy_.arg, z->arg, sizeof z->arg);
	if (z->nstr == 0)
		return;
	if (z->nstr <= 32)
		memcpy(to->lazy_.str, z->str, 32);
	else
		memcpy(to->lazy_.str, z->str, z->nstr);
}

const bm_verdict *bm_last_verdict(const bm_host *h)
{
	if (!h)
		return NULL;
	/* the host is never a const object (bm_host_new allocates it): the
	 * const only says the verdict does not change, and its text is made
	 * now, once */
	bm_verdict *last = &((bm_host *)h)->last;
	bm_verdict_reason(last);
	return last;
}

void bm_last_verdict_copy(const bm_host *h, bm_verdict *out)
{
	if (!out)
		return;
	if (!h) {
		memset(out, 0, sizeof *out);
		return;
	}
	bm_verdict_copy(out, &h->last);
}
