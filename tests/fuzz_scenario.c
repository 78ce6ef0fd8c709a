/* SPDX-License-Identifier: MIT */
/*
 * fuzz_scenario.c: feeds arbitrary bytes to the scenario parser and, line by
 * line, to the model engine under every personality.  Built two ways:
 *  - `make fuzz`: with clang -fsanitize=fuzzer (libFuzzer drives it);
 *  - `make check`: as a plain program that runs a fixed, seeded stream of
 *    mutated scenario lines, so every run checks the same inputs.
 * Either way the property is: no crash, no leak, no sanitizer report.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static void run_text(const char *text, size_t len)
{
	sc_engine e;
	if (sc_model_engine(&e) != 0)
		return;
	char err[200];
	size_t np = bm_personality_count();
	const bm_policy *p = bm_personality_at(len % np);
	e.reset(e.ctx, p->name, err, sizeof err);
	sc_cmd *c = malloc(sizeof *c);
	char *line = malloc(len + 1);
	sc_outcome o;
	if (!c || !line)
		goto out;
	size_t start = 0;
	int lineno = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		memcpy(line, text + start, i - start);
		line[i - start] = 0;
		start = i + 1;
		int col;
		if (sc_parse_line(line, ++lineno, c, err, sizeof err, &col) != 1)
			continue;
		if (c->kind == SC_OS && c->nos == 1)
			e.reset(e.ctx, c->os[0], err, sizeof err);
		else if (c->kind < SC_SHOW)
			e.exec(e.ctx, c, &o, err, sizeof err);
	}
out:
	free(line);
	free(c);
	e.destroy(e.ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_text((const char *)data, size);
	return 0;
}

#ifndef BM_LIBFUZZER
static const char *const seeds[] = {
	"a = socket tcp4\n", "b = socket udp6\n", "setsockopt a SO_REUSEADDR 1\n",
	"setsockopt b SO_REUSEPORT 1\n", "setsockopt b IPV6_V6ONLY 1\n", "bind a 0.0.0.0:80\n",
	"bind b [::]:80\n", "bind a 127.0.0.1:0\n", "listen a\n", "connect b [::1]:80\n",
	"c = accept a\n", "close c\n", "close a\n", "advance 61s\n", "user 1000\n",
	"addr add 10.0.0.1\n", "set ephemeral 40000-40001\n", "set tw_reuse 0\n",
	"deliver udp4 127.0.0.1:1 -> 127.0.0.1:80\n", "connect a 127.0.0.1:80\n",
	"bind b [::ffff:127.0.0.1]:80 => ok\n", "os windows\n", "setsockopt a SO_LINGER 0\n",
	"setsockopt a SO_EXCLUSIVEADDRUSE 1\n", "bind a 224.1.2.3:80\n", "os freebsd\n",
};

static uint32_t rng = 12345;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 20000;
	size_t nseeds = sizeof seeds / sizeof *seeds;
	char buf[2048];
	for (long r = 0; r < rounds; r++) {
		size_t len = 0;
		int lines = 1 + (int)(next() % 12);
		for (int l = 0; l < lines; l++) {
			const char *s = seeds[next() % nseeds];
			size_t n = strlen(s);
			if (len + n >= sizeof buf - 1)
				break;
			memcpy(buf + len, s, n);
			/* mutate: flip, insert a random byte, or cut */
			switch (next() % 4) {
			case 0:
				buf[len + next() % n] = (char)(next() & 0xff);
				break;
			case 1:
				buf[len + next() % n] = "0:[]=>.-#9 \x01\xff"[next() % 14];
				break;
			case 2:
				n = next() % n + 1;
				break;
			default:
				break;
			}
			len += n;
		}
		run_text(buf, len);
	}
	printf("fuzz_scenario: %ld random scenarios, no crash\n", rounds);
	return 0;
}
#endif
