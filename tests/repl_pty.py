#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""repl_pty.py: drive the bindmodel REPL through a pseudo-terminal.

Usage: repl_pty.py BIN TMPDIR.  Types commands as a person would (Tab, the
Up arrow, Ctrl-C, Ctrl-D), reads what the terminal shows, and checks it.
Exits non-zero on the first failed check.
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

BIN, TMP = sys.argv[1], sys.argv[2]
PROMPT = "linux> "
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-B]|\x1b[=>]|[\r\x07]")
failures = 0


def fail(msg, got=""):
    global failures
    failures += 1
    print("FAIL: %s" % msg)
    if got:
        print("---- screen ----\n%s\n----------------" % got[-3000:])


class Term:
    def __init__(self, args=(), env=None, cols=250):
        e = dict(os.environ)
        e.update({"HOME": TMP, "BINDMODEL_HISTORY": os.path.join(TMP, "history"),
                  "TERM": "xterm"})
        e.pop("NO_COLOR", None)
        if env:
            e.update(env)
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(BIN, [BIN] + list(args), e)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
        self.raw = b""

    def read(self, until=None, timeout=5.0):
        """Read until the text shown (escapes stripped) ends with `until`
        (default: a fresh prompt), or timeout.  Returns the new text."""
        start = len(self.raw)
        t0 = time.time()
        end = t0 + timeout
        until = PROMPT if until is None else until
        while time.time() < end:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.raw += chunk
                continue
            # quiet for 50 ms: done if the screen shows what we wait for
            if until and self.text(start).endswith(until):
                break
        if os.environ.get("REPL_DEBUG") and time.time() - t0 > 0.5:
            print("slow read (%.1fs) waiting for %r: %r" % (time.time() - t0, until,
                                                          self.text(start)[-80:]))
        return self.text(start)

    def text(self, start=0):
        return ANSI.sub("", self.raw[start:].decode("utf-8", "replace"))

    def send(self, s):
        os.write(self.fd, s.encode() if isinstance(s, str) else s)

    def cmd(self, line):
        self.send(line + "\r")
        return self.read()

    def wait(self, timeout=5.0):
        end = time.time() + timeout
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                try:
                    while os.read(self.fd, 65536):
                        pass
                except OSError:
                    pass
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


def expect(cond, msg, got=""):
    if not cond:
        fail(msg, got)


def personalities():
    out = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
    names = []
    on = False
    for line in out.splitlines():
        if on and line.startswith("  "):
            names.append(line.split()[0])
        if "Personalities:" in line:
            on = True
    return names


def main():
    t = Term(env={"NO_COLOR": "1"})
    banner = t.read()
    expect("Type help" in banner and banner.endswith(PROMPT), "banner and prompt", banner)

    # typed commands print their results at once
    out = t.cmd("a = socket tcp4")
    expect("ok" in out, "socket prints ok", out)
    t.cmd("b = socket tcp4")
    out = t.cmd("bind a 0.0.0.0:21")
    expect("\nok" in out, "bind prints ok", out)
    out = t.cmd("bind b 0.0.0.0:21")
    expect("EADDRINUSE" in out and re.search(r"\ba\b", out.split("EADDRINUSE", 1)[1]),
           "failed bind names errno and the conflicting socket", out)

    # explain: the rule, its source, the conflicting socket, the what-ifs
    out = t.cmd("explain")
    expect("linux.tcp.bind.conflict" in out, "explain names the rule", out)
    expect(re.search(r"conflict\s+a: tcp4 0\.0\.0\.0:21", out), "explain names the conflict", out)
    expect("source" in out and "inet_" in out, "explain gives the rule's source", out)
    expect("would have succeeded with" in out and "SO_REUSEADDR on both b and a" in out,
           "explain finds the SO_REUSEADDR fix by replay", out)

    # Tab completion: a unique completion, then a list of choices
    t.send("setsockopt b SO_REUSEA\t")
    shown = t.read(until="SO_REUSEADDR ", timeout=3)
    expect("SO_REUSEADDR" in shown, "Tab completes SO_REUSEA to SO_REUSEADDR", shown)
    out = t.cmd("1")
    expect("\nok" in out and "error" not in out, "completed setsockopt runs", out)
    t.send("setsockopt a SO_REU\t")
    shown = t.read(until="SO_REUSE", timeout=3)
    expect(shown.endswith("SO_REUSE"), "Tab extends SO_REU to the common prefix", shown)
    t.send("\t")
    shown = t.read(until="SO_REUSE", timeout=3)
    expect("SO_REUSEADDR" in shown and "SO_REUSEPORT" in shown,
           "second Tab lists the choices", shown)
    t.send("\x15")  # Ctrl-U: clear the line
    t.read(until="", timeout=0.3)
    # only the options this personality has: Linux has no SO_REUSEPORT_LB,
    # so SO_REUSEP completes to SO_REUSEPORT at once
    t.send("setsockopt a SO_REUSEP\t")
    shown = t.read(until="SO_REUSEPORT ", timeout=3)
    expect(shown.endswith("SO_REUSEPORT "), "Tab offers only the personality's options", shown)
    t.send("\x15")
    t.read(until="", timeout=0.3)
    # "bi<Tab>b<Tab>127.0.0<Tab>80" must run as "bind b 127.0.0.1:80"
    t.send("bi\t")
    shown = t.read(until="bind ", timeout=3)
    t.send("b\t")
    shown = t.read(until="b", timeout=3)
    t.send("127.0.0\t")
    shown = t.read(until="127.0.0.1:", timeout=3)
    expect(shown.endswith("127.0.0.1:"), "Tab completes endpoints", shown)
    out = t.cmd("80")
    expect("\nok" in out and "error" not in out,
           "Tab completed command, socket name and endpoint", out)
    # completion follows each command's synopsis (the language's one table):
    # literal alternatives after "NAME = socket", the "->" of deliver
    t.send("u = socket ud\t")
    shown = t.read(until="udp", timeout=3)
    t.send("\t")
    shown = t.read(until="udp6", timeout=3)
    expect("udp4" in shown and "udp6" in shown, "Tab lists socket kinds from the synopsis", shown)
    t.send("\x15")
    t.read(until="", timeout=0.3)
    t.send("deliver udp4 127.0.0.1:9 -\t")
    shown = t.read(until="-> ", timeout=3)
    expect(shown.endswith("-> "), "Tab completes deliver's arrow", shown)
    t.send("\x15")
    t.read(until="", timeout=0.3)

    # history: the Up arrow recalls the previous line
    out = t.cmd("show")
    expect(re.search(r"NAME\s+PROTO\s+LOCAL\s+REMOTE\s+STATE\s+OPTIONS\s+UID", out),
           "show prints the socket table", out)
    expect(re.search(r"\bb\s+tcp4\s+127\.0\.0\.1:80\s+-\s+BOUND\s+SO_REUSEADDR", out),
           "show lists b with its options", out)
    t.send("\x1b[A")
    shown = t.read(until="show", timeout=3)
    expect(shown.endswith("show"), "Up recalls the last line", shown)
    out = t.cmd("")
    expect("NAME" in out, "recalled line runs", out)

    # compare: one column per personality, differences marked
    names = personalities()
    out = t.cmd("compare")
    header = [l for l in out.splitlines() if l.strip().startswith("command")]
    expect(header and all(n in header[0].split() for n in names),
           "compare has a column for every personality (%s)" % " ".join(names), out)
    expect(re.search(r"^\s*\*?\s*bind b 0\.0\.0\.0:21\s+", out, re.M),
           "compare has a row per operation", out)

    # unknown words get a suggestion
    out = t.cmd("bnid a 0.0.0.0:1")
    expect("did you mean 'bind'" in out, "did you mean for commands", out)
    out = t.cmd("setsockopt a SO_REUSEPROT 1")
    expect("did you mean 'SO_REUSEPORT'" in out, "did you mean for options", out)
    out = t.cmd("os lnux")
    expect("did you mean 'linux'" in out, "did you mean for personalities", out)
    out = t.cmd("help bind")
    expect("bind NAME ADDRESS:PORT" in out, "help COMMAND", out)

    # Ctrl-C discards the line; the session goes on
    t.send("bind a 10.9.9.9:9")
    t.read(until="10.9.9.9:9", timeout=2)
    t.send("\x03")
    out = t.read()
    expect("^C" in out and out.endswith(PROMPT), "Ctrl-C gives a fresh prompt", out)
    out = t.cmd("show a")
    expect("0.0.0.0:21" in out, "session survives Ctrl-C", out)

    # junk: a very long line, bytes that are not text
    out = t.cmd("x" * 5000)
    expect("longer than" in out, "a very long line is refused", out)
    t.send(b"\xff\xfe\x01bind\r")
    out = t.read()
    expect(out.endswith(PROMPT), "binary bytes are survived", out)

    # save --with-results writes a scenario that `run` accepts
    saved = os.path.join(TMP, "saved.bms")
    out = t.cmd("save %s --with-results" % saved)
    expect("saved" in out, "save", out)

    # Ctrl-D leaves
    t.send("\x04")
    rc = t.wait()
    expect(rc == 0, "Ctrl-D exits 0 (got %r)" % rc)
    hist = open(os.path.join(TMP, "history"), errors="replace").read()
    expect("compare" in hist, "history is saved to $BINDMODEL_HISTORY", hist)
    run = subprocess.run([BIN, "run", saved], capture_output=True, text=True)
    expect(run.returncode == 0 and "0 failed" in run.stdout,
           "the saved session passes bindmodel run", run.stdout + run.stderr)
    text = open(saved).read()
    expect("recorded from the bindmodel model" in text and "=> EADDRINUSE" in text,
           "saved file has the header and results", text)

    # history persists into the next session; colour when NO_COLOR is unset
    t = Term()
    banner = t.read()
    expect("\x1b[1m" in t.raw.decode("utf-8", "replace"), "colour on a terminal")
    t.send("\x1b[A")
    shown = t.read(until="--with-results", timeout=3)
    expect(shown.endswith("--with-results"), "history survives a restart", shown)
    t.send("\x15")
    t.read(until="", timeout=0.3)
    out = t.cmd("quit")
    rc = t.wait()
    expect(rc == 0, "quit exits 0 (got %r)" % rc)

    # no-color.org: NO_COLOR "present and not an empty string"; an empty
    # NO_COLOR leaves colour on
    t = Term(env={"NO_COLOR": ""})
    t.read()
    t.send("\x04")
    t.wait()
    expect("\x1b[1m" in t.raw.decode("utf-8", "replace"), "an empty NO_COLOR keeps colour")

    # NO_COLOR: no colour codes at all
    t = Term(env={"NO_COLOR": "1"})
    t.read()
    t.cmd("a = socket tcp4")
    t.cmd("bind a 0.0.0.0:0")
    t.send("\x04")
    t.wait()
    raw = t.raw.decode("utf-8", "replace")
    expect(not re.search(r"\x1b\[(3[0-9]|1|2)m", raw), "NO_COLOR turns colour off", raw)
    expect(re.search(r"ok 0\.0\.0\.0:\d+", ANSI.sub("", raw)), "autobind prints the port", raw)

    print("repl_pty: %s" % ("ok" if failures == 0 else "%d checks failed" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
