/* SPDX-License-Identifier: MIT */
/*
 * fuzz_scenario.c: feeds arbitrary bytes to the whole runner: the file is
 * loaded and run as `bindmodel run` does (parser, model engine, under the
 * personality the input's length picks), then `load`ed into a REPL session
 * (the reader's limits, the REPL's line handling).  Built two ways:
 *  - `make fuzz`: with clang -fsanitize=fuzzer (libFuzzer drives it);
 *  - `make check`: as a plain program that runs a fixed, seeded stream of
 *    mutated scenario lines, so every run checks the same inputs.
 * Either way the property is: no crash, no leak, no sanitizer report.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "repl.h"
#include "scenario.h"

/* The whole runner on the same bytes as a file: sc_script_load and
 * sc_run_file (`bindmodel run`), then the REPL's line handling and its
 * `load` (the reader's limits, every session command but the terminal's).
 * Output goes to /dev/null: the property is no crash, leak or report. */
static void run_whole(const char *text, size_t len, FILE *sink)
{
	/* an in-memory file (no disk: /tmp made this 10x slower) that run and
	 * load open by name */
	int fd = memfd_create("bm_fuzz", 0);
	if (fd < 0)
		return;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (len && write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return;
	}

	sc_engine e;
	if (sc_model_engine(&e) == 0) {
		sc_run_opts opts = {.nos = 0};
		sc_totals t = {0};
		snprintf(opts.os[opts.nos++], SC_OSLEN, "%s", bm_personality_at(len % bm_personality_count())->name);
		sc_run_file(&e, path, &opts, &t, sink);
		e.destroy(e.ctx);
	}

	repl r;
	memset(&r, 0, sizeof r);
	if (sc_model_engine(&r.eng) == 0) {
		r.out = sink;
		r.src = "fuzz";
		r.os_given = 1;   /* as --os: lines run without an `os` line */
		if (repl_switch_os(&r, "linux") == 0) {
			/* the REPL's line handling through `load` (run_stream, the
			 * reader's limits, every command but the terminal's) */
			char cmd[64];
			snprintf(cmd, sizeof cmd, "load %s", path);
			repl_line(&r, cmd, 1);
		}
		repl_clear_ops(&r);
		free(r.ops);
		r.eng.destroy(r.eng.ctx);
	}
	close(fd);
}

static FILE *sink(void)
{
	static FILE *f;   /* one for the process: the harness's, not the library's */
	if (!f)
		f = fopen("/dev/null", "w");
	return f;
}

/* `save FILE` and `load FILE` would write and read files wherever the
 * input says (load /dev/stdin blocks): the harness makes them harmless
 * words, and runs `load` itself on the input's own file. */
static void defuse(char *t, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(t + i, "save", 4) == 0 || memcmp(t + i, "load", 4) == 0)
			t[i + 3] = '_';
}

static void run_text(const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return;
	memcpy(copy, text, len);
	defuse(copy, len);
	if (sink())
		run_whole(copy, len, sink());
	free(copy);
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
	/* the REPL reports a script's errors on stderr: thousands of them */
	fflush(stderr);
	int saved = dup(2), nul = open("/dev/null", O_WRONLY);
	if (saved >= 0 && nul >= 0)
		dup2(nul, 2);
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
	if (saved >= 0 && nul >= 0) {
		fflush(stderr);
		dup2(saved, 2);
	}
	if (nul >= 0)
		close(nul);
	if (saved >= 0)
		close(saved);
	printf("fuzz_scenario: %ld random scenarios through the parser, the model, run, the "
	       "REPL and load; no crash\n", rounds);
	return 0;
}
#endif
