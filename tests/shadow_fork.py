# SPDX-License-Identifier: MIT
# shadow_fork.py: fork without exec and threads, for tests/shadow.sh.  The
# parent listens on 0.0.0.0:P (no SO_REUSEADDR); a forked child and then a
# thread of the parent each bind a SO_REUSEADDR socket to 127.0.0.1:P.
# Linux refuses both (EADDRINUSE); the child's model is a copy of the
# parent's, so it knows the listener too and reports the same row.
import errno
import os
import socket
import sys
import threading

port = int(sys.argv[1])
a = socket.socket()
a.bind(("0.0.0.0", port))
a.listen()


def second(who):
    b = socket.socket()
    b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        b.bind(("127.0.0.1", port))
        print(who, "ok", flush=True)
    except OSError as e:
        print(who, errno.errorcode.get(e.errno, e.errno), flush=True)
    b.close()


pid = os.fork()
if pid == 0:
    second("child")
    os._exit(0)
os.waitpid(pid, 0)
t = threading.Thread(target=second, args=("thread",))
t.start()
t.join()
a.close()
