// router_advertiser IF SECONDS: sends an ICMPv6 router advertisement with no
// flags, no prefix and a zero router lifetime to all nodes on IF, once a
// second for at most SECONDS. A LAN with no IPv6 router makes iPXE wait
// about 16 s for one before it boots; this one tells it at once that there
// is nothing to configure. For test namespaces only.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: router_advertiser IF SECONDS\n");
        return 2;
    }
    const unsigned index = if_nametoindex(argv[1]);
    const long seconds = std::strtol(argv[2], nullptr, 10);
    if (index == 0 || seconds <= 0 || seconds > 7200) {
        std::fprintf(stderr, "router_advertiser: no interface %s, or SECONDS not in 1..7200\n", argv[1]);
        return 2;
    }
    const int fd = ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) {
        std::perror("router_advertiser: socket");
        return 1;
    }
    // RFC 4861: hop limit 255, or receivers drop it.
    const int hops = 255;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index);
    // Type 134, code 0, checksum (the kernel's), hop limit 64, no M/O flags,
    // router lifetime 0, reachable time 0, retransmit timer 0.
    const std::array<unsigned char, 16> advertisement{ND_ROUTER_ADVERT, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_scope_id = index;
    ::inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
    for (long i = 0; i < seconds; ++i) {
        if (::sendto(fd, advertisement.data(), advertisement.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                     sizeof to) < 0 &&
            i == 0) {
            std::fprintf(stderr, "router_advertiser: sendto: %s (retrying each second)\n", std::strerror(errno));
        }
        ::sleep(1);
    }
    ::close(fd);
    return 0;
}
