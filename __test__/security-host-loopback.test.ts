// The host's 127.0.0.1 from a container (the CVE-2020-8558 class). Bridges have route_localnet
// on, so that published 127.0.0.1 ports can be DNATed to containers; without a filter, a
// container (root with the default CAP_NET_RAW) that sends frames to the gateway's MAC with
// 127.0.0.1 as destination reaches every host service bound to loopback only. The attacker
// here is a static C program inside a busybox container: it writes raw Ethernet frames on its
// eth0 (AF_PACKET) to the gateway, completes a TCP handshake if a SYN-ACK comes back, and sends
// a UDP datagram. Host servers on 127.0.0.1 must see nothing. The same frames towards the
// gateway's own address must get through (the probe works: the drop is the filter's doing),
// and a port published on 127.0.0.1 must keep working.
import { execFileSync } from 'node:child_process'
import * as dgram from 'node:dgram'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { docroot, freePort, httpdArgs, httpGetRetry, serveContainer } from './network-helpers'
import { serialIf } from './helpers/conditional'

const PROBE = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* lbprobe tcp|udp DST PORT (DST an IPv4 address or "gw"): frames to the gateway's MAC. */
static unsigned short csum(const void *p, size_t n, unsigned long sum) {
    const unsigned char *b = p;
    for (; n > 1; n -= 2, b += 2) sum += (b[0] << 8) | b[1];
    if (n) sum += b[0] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return htons(~sum & 0xffff);
}
static unsigned long pseudo(unsigned src, unsigned dst, int proto, int len) {
    return (ntohl(src) >> 16) + (ntohl(src) & 0xffff) + (ntohl(dst) >> 16) + (ntohl(dst) & 0xffff) + proto + len;
}
static int die(const char *what) { printf("error %s: %s\n", what, strerror(errno)); return 3; }

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    int tcp = !strcmp(argv[1], "tcp");
    int port = atoi(argv[3]);
    /* The default gateway from the routing table; its MAC from the ARP cache after a packet. */
    FILE *f = fopen("/proc/net/route", "r");
    if (!f) return die("route");
    char line[256], ifn[32] = "";
    unsigned dest, gw = 0, flags;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%31s %x %x %x", ifn, &dest, &gw, &flags) == 4 && dest == 0 && gw) break;
    fclose(f);
    if (!gw) { printf("error no default route\n"); return 3; }
    struct sockaddr_in g = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = gw};
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(u, "", 0, 0, (struct sockaddr *)&g, sizeof g);
    unsigned char gmac[6];
    int have = 0;
    for (int i = 0; i < 50 && !have; i++) {
        usleep(100000);
        f = fopen("/proc/net/arp", "r");
        char ip[32], hw[32];
        unsigned type, fl;
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "%31s 0x%x 0x%x %31s", ip, &type, &fl, hw) == 4 && inet_addr(ip) == gw && (fl & 2) &&
                sscanf(hw, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &gmac[0], &gmac[1], &gmac[2], &gmac[3], &gmac[4], &gmac[5]) == 6)
                have = 1;
        if (f) fclose(f);
    }
    if (!have) { printf("error no gateway MAC\n"); return 3; }
    unsigned dst = strcmp(argv[2], "gw") ? inet_addr(argv[2]) : gw;
    int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    if (s < 0) return die("packet socket");
    struct ifreq ifr = {0};
    strncpy(ifr.ifr_name, ifn, IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) return die("ifindex");
    int ifindex = ifr.ifr_ifindex;
    if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) return die("hwaddr");
    unsigned char mymac[6];
    memcpy(mymac, ifr.ifr_hwaddr.sa_data, 6);
    if (ioctl(u, SIOCGIFADDR, &ifr) < 0) return die("ifaddr");
    unsigned src = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
    struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6, .sll_protocol = htons(ETH_P_IP)};
    memcpy(to.sll_addr, gmac, 6);
    srand(time(NULL) ^ getpid());
    unsigned short sport = 40000 + rand() % 20000;
    unsigned seq = rand();
    const char *payload = "tsc-box-loopback-probe";
    unsigned char frame[1500];
    for (int round = 0; round < 2; round++) {
        unsigned ack_of = 0;
        if (round == 1) { /* wait for a SYN-ACK, then complete the handshake */
            if (!tcp) break;
            struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            int got = 0;
            for (int i = 0; i < 15 && !got; i++) {
                unsigned char in[2048];
                ssize_t n = recv(s, in, sizeof in, 0);
                if (n < (ssize_t)(sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct tcphdr))) continue;
                struct iphdr *ip = (void *)(in + sizeof(struct ethhdr));
                struct tcphdr *th = (void *)((unsigned char *)ip + ip->ihl * 4);
                if (ip->protocol == IPPROTO_TCP && ip->saddr == dst && ntohs(th->source) == port && ntohs(th->dest) == sport &&
                    th->syn && th->ack) { got = 1; ack_of = ntohl(th->seq); }
            }
            printf(got ? "synack\n" : "no-synack\n");
            if (!got) break;
        }
        memset(frame, 0, sizeof frame);
        struct ethhdr *eth = (void *)frame;
        memcpy(eth->h_dest, gmac, 6);
        memcpy(eth->h_source, mymac, 6);
        eth->h_proto = htons(ETH_P_IP);
        struct iphdr *ip = (void *)(frame + sizeof *eth);
        unsigned char *l4 = (unsigned char *)ip + sizeof *ip;
        int l4len;
        if (tcp) {
            struct tcphdr *th = (void *)l4;
            th->source = htons(sport);
            th->dest = htons(port);
            th->seq = htonl(round ? seq + 1 : seq);
            th->doff = 5;
            th->window = htons(64240);
            if (round) { th->ack = 1; th->ack_seq = htonl(ack_of + 1); } else th->syn = 1;
            l4len = sizeof *th;
            th->check = csum(th, l4len, pseudo(src, dst, IPPROTO_TCP, l4len));
        } else {
            struct udphdr *uh = (void *)l4;
            l4len = sizeof *uh + strlen(payload);
            memcpy(l4 + sizeof *uh, payload, strlen(payload));
            uh->source = htons(sport);
            uh->dest = htons(port);
            uh->len = htons(l4len);
            uh->check = csum(uh, l4len, pseudo(src, dst, IPPROTO_UDP, l4len));
        }
        ip->version = 4;
        ip->ihl = 5;
        ip->ttl = 64;
        ip->protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP;
        ip->tot_len = htons(sizeof *ip + l4len);
        ip->id = htons(rand() & 0xffff);
        ip->saddr = src;
        ip->daddr = dst;
        ip->check = csum(ip, sizeof *ip, 0);
        if (sendto(s, frame, sizeof *eth + sizeof *ip + l4len, 0, (struct sockaddr *)&to, sizeof to) < 0) return die("send");
        printf("sent %s\n", tcp ? (round ? "ack" : "syn") : "udp");
    }
    return 0;
}
`

/** The probe, compiled static into a directory the container gets read-only at /probe. */
function buildProbe(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-lbprobe-'))
  chmodSync(dir, 0o755)
  writeFileSync(join(dir, 'lbprobe.c'), PROBE)
  execFileSync('gcc', ['-static', '-O1', '-o', join(dir, 'lbprobe'), join(dir, 'lbprobe.c')])
  return dir
}

const isRoot = process.getuid?.() === 0
const rootTest = serialIf(isRoot, 'needs root')
const root = makeDataRoot()
const rootfs = makeRootfs()

/** Host servers on `host`: a TCP listener counting connections and a UDP socket counting datagrams. */
async function hostServers(host: string) {
  const tcpPeers: string[] = []
  const udpPeers: string[] = []
  const server = net.createServer((c) => {
    tcpPeers.push(`${c.remoteAddress}:${c.remotePort}`)
    c.destroy()
  })
  const tcpPort = await new Promise<number>((res, rej) => {
    server.once('error', rej)
    server.listen(0, host, () => res((server.address() as net.AddressInfo).port))
  })
  const udp = dgram.createSocket('udp4')
  udp.on('message', (_m, r) => udpPeers.push(`${r.address}:${r.port}`))
  const udpPort = await new Promise<number>((res, rej) => {
    udp.once('error', rej)
    udp.bind(0, host, () => res(udp.address().port))
  })
  return {
    tcpPort,
    udpPort,
    tcpPeers,
    udpPeers,
    close() {
      server.close()
      udp.close()
    },
  }
}

/** Runs the probe in a container on the default bridge: TCP then UDP towards `dst`. */
function attack(probeDir: string, dst: string, tcpPort: number, udpPort: number) {
  return tsc(root, [
    'run',
    '--rm',
    '--network',
    'bridge',
    '-v',
    `${probeDir}:/probe:ro`,
    '--rootfs',
    rootfs,
    'sh',
    '-c',
    `/probe/lbprobe tcp ${dst} ${tcpPort}; /probe/lbprobe udp ${dst} ${udpPort}`,
  ])
}

const settle = () => new Promise((r) => setTimeout(r, 1000))

rootTest(
  'a container crafting frames to 127.0.0.1 via the gateway reaches no host service bound to loopback (TCP and UDP); the same frames reach the gateway address',
  async (t) => {
    const probe = buildProbe()
    const lo = await hostServers('127.0.0.1')
    try {
      const r = attack(probe, '127.0.0.1', lo.tcpPort, lo.udpPort)
      await settle()
      t.is(r.code, 0, r.stderr)
      // The frames were really sent (the probe found the gateway and its MAC)...
      t.is(r.stdout, 'sent syn\nno-synack\nsent udp\n', r.stderr)
      // ...and nothing arrived.
      t.deepEqual(lo.tcpPeers, [], 'a TCP connection from the container reached a 127.0.0.1-only server')
      t.deepEqual(lo.udpPeers, [], 'a datagram from the container reached a 127.0.0.1-only socket')
    } finally {
      lo.close()
    }
    // The control: identical frames towards the gateway's own address are answered (a SYN-ACK
    // comes back) and the datagram arrives, so the silence above is the filter's doing, not a
    // broken probe. (The handshake itself need not complete here: the container's kernel, which
    // knows no such connection, may reset it before the probe's ACK.)
    const any = await hostServers('0.0.0.0')
    try {
      const r = attack(probe, 'gw', any.tcpPort, any.udpPort)
      await settle()
      t.is(r.code, 0, r.stderr)
      t.is(r.stdout, 'sent syn\nsynack\nsent ack\nsent udp\n', r.stderr)
      t.is(any.udpPeers.length, 1, 'the crafted datagram to the gateway address did not arrive')
    } finally {
      any.close()
    }
  },
)

rootTest('a port published on 127.0.0.1 still answers from the host', async (t) => {
  const www = docroot('hello-loopback-published')
  const port = await freePort()
  const s = serveContainer(root, ['--network', 'bridge', '-p', `127.0.0.1:${port}:80`, ...httpdArgs(www, rootfs)])
  try {
    t.is(await httpGetRetry(`http://127.0.0.1:${port}/`), 'hello-loopback-published')
    // And again, on a new connection (conntrack of the first one is not what lets it through).
    t.is(await httpGetRetry(`http://127.0.0.1:${port}/`), 'hello-loopback-published')
  } finally {
    await s.stop()
  }
})
