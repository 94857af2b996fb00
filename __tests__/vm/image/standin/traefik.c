/*
 * Traefik STAND-IN for the VM boot proof (no Traefik binary can be fetched here: only npm and
 * Debian's mirror are reachable, and no npm package ships one). It is NOT Traefik: no TLS, no ACME.
 * It behaves just enough like it for the boot script and systemd: `traefik version` prints the
 * version; `traefik --configFile=F` requires F to be readable, then listens on :443 and relays each
 * TCP connection in plain text to the gateway on 127.0.0.1:18789 (so /healthz can be fetched
 * through it from the host via a qemu hostfwd).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef STANDIN_VERSION
#define STANDIN_VERSION "0.0.0"
#endif

static void relay(int a, int b) {
  char buf[16384];
  for (;;) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(a, &fds);
    FD_SET(b, &fds);
    if (select((a > b ? a : b) + 1, &fds, NULL, NULL, NULL) < 0) return;
    int from = FD_ISSET(a, &fds) ? a : b, to = from == a ? b : a;
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0 || write(to, buf, (size_t)n) != n) return;
  }
}

int main(int argc, char **argv) {
  const char *config = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "version") == 0 || strcmp(argv[i], "--version") == 0) {
      printf("Version:      %s\nCodename:     standin\nGo version:   none (VM test stand-in)\n", STANDIN_VERSION);
      return 0;
    }
    if (strncmp(argv[i], "--configFile=", 13) == 0) config = argv[i] + 13;
    else if (strcmp(argv[i], "--configFile") == 0 && i + 1 < argc) config = argv[++i];
  }
  if (!config || access(config, R_OK) != 0) {
    fprintf(stderr, "traefik stand-in: --configFile missing or unreadable\n");
    return 1;
  }
  signal(SIGCHLD, SIG_IGN);
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(443), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 64) != 0) {
    perror("traefik stand-in: cannot listen on :443");
    return 1;
  }
  fprintf(stderr, "traefik stand-in %s: config %s, relaying :443 -> 127.0.0.1:18789 (plain TCP)\n", STANDIN_VERSION, config);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    if (fork() == 0) {
      close(s);
      int g = socket(AF_INET, SOCK_STREAM, 0);
      struct sockaddr_in gw = {.sin_family = AF_INET, .sin_port = htons(18789), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
      if (connect(g, (struct sockaddr *)&gw, sizeof gw) == 0) relay(c, g);
      _exit(0);
    }
    close(c);
  }
}
