/* bench/conns.c: the small TCP tools bench/run needs, compiled by it at run time (gcc -O2).
 *
 *   conns ports N          print N distinct free loopback ports below the ephemeral range
 *   conns sink PORT        accept on 127.0.0.1:PORT and hold every connection without answering;
 *                          a connection is closed when its peer closes it (data is read and dropped)
 *   conns hold PORT N      open N connections to 127.0.0.1:PORT, print "held N" and keep them open
 *                          until killed; exit 1 if they cannot all be opened within 60 s
 *   conns ready PORT       connect to 127.0.0.1:PORT again and again (every 200 us) until a connection
 *                          answers "GET /version" with an HTTP status line; print the wall-clock time
 *                          of that moment as seconds since the epoch (bash's $EPOCHREALTIME format);
 *                          exit 1 after 30 s
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static double mono(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "conns: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void raise_nofile(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

/* Ports below the ephemeral range, so no outgoing connection (wrk, iperf3, the proxies' dials) can
 * be holding one when a proxy binds it; each is bound once without SO_REUSEADDR to prove it free
 * (a port with TIME_WAIT connections fails that test, too). */
static int ports(int n) {
    int lo = 32768, hi = 60999, *fd = calloc((size_t)n, sizeof *fd), *port = calloc((size_t)n, sizeof *port);
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) { if (fscanf(f, "%d %d", &lo, &hi) != 2) lo = 32768; fclose(f); }
    int base = lo > 12000 ? 10000 : 1024, span = lo > 12000 ? lo - 10000 : 0;
    srand((unsigned)(getpid() ^ (int)(mono() * 1e6)));
    for (int i = 0; i < n; i++) {
        for (int tries = 0;; tries++) {
            struct sockaddr_in a = loopback(span > 0 && tries < 1000 ? base + rand() % span : 0);
            socklen_t len = sizeof a;
            if ((fd[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
            if (bind(fd[i], (struct sockaddr *)&a, sizeof a) == 0) {
                if (getsockname(fd[i], (struct sockaddr *)&a, &len) < 0) die("getsockname");
                port[i] = ntohs(a.sin_port);
                break;
            }
            if (tries >= 1000) die("bind");
            close(fd[i]);
        }
    }
    /* Closed before anything is printed: the reader may bind them as soon as it has the line. */
    for (int i = 0; i < n; i++) close(fd[i]);
    for (int i = 0; i < n; i++) printf(i ? " %d" : "%d", port[i]);
    printf("\n");
    return 0;
}

static int sink(int port) {
    struct sockaddr_in a = loopback(port);
    int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (l < 0) die("socket");
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (listen(l, 65535) < 0) die("listen");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l}, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    static char buf[65536];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == l) {
                int c;
                while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    struct epoll_event ce = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                if (errno == EMFILE || errno == ENFILE) usleep(10000);
                continue;
            }
            ssize_t r;
            while ((r = read(fd, buf, sizeof buf)) > 0) {}
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) close(fd);
        }
    }
    return 0;
}

static int hold(int port, int n) {
    struct sockaddr_in a = loopback(port);
    double deadline = mono() + 60;
    for (int i = 0; i < n; i++) {
        for (;;) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            if (fd < 0) die("socket");
            if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) break;
            if (mono() > deadline) {
                fprintf(stderr, "conns: opened %d of %d connections in 60 s: %s\n", i, n, strerror(errno));
                return 1;
            }
            close(fd);
            usleep(10000);
        }
    }
    printf("held %d\n", n);
    fflush(stdout);
    for (;;) pause();
    return 0;
}

static int ready(int port) {
    struct sockaddr_in a = loopback(port);
    const char req[] = "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    double deadline = mono() + 30;
    while (mono() < deadline) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        if (fd < 0) die("socket");
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1)) {
            char buf[16];
            size_t got = 0;
            struct pollfd p = {.fd = fd, .events = POLLIN};
            while (got < 12 && poll(&p, 1, 2000) == 1) {
                ssize_t r = read(fd, buf + got, 12 - got);
                if (r <= 0) break;
                got += (size_t)r;
            }
            if (got == 12 && memcmp(buf, "HTTP/1.", 7) == 0) {
                struct timespec t;
                clock_gettime(CLOCK_REALTIME, &t);
                printf("%ld.%06ld\n", (long)t.tv_sec, t.tv_nsec / 1000);
                close(fd);
                return 0;
            }
        }
        close(fd);
        usleep(200);
    }
    fprintf(stderr, "conns: no answer through 127.0.0.1:%d within 30 s\n", port);
    return 1;
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    if (argc == 3 && strcmp(argv[1], "ports") == 0) return ports(atoi(argv[2]));
    if (argc == 3 && strcmp(argv[1], "sink") == 0) return sink(atoi(argv[2]));
    if (argc == 4 && strcmp(argv[1], "hold") == 0) return hold(atoi(argv[2]), atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "ready") == 0) return ready(atoi(argv[2]));
    fprintf(stderr, "usage: conns ports N | sink PORT | hold PORT N | ready PORT\n");
    return 2;
}
