// A crafted DHCP client for the tests: sends one hand-built packet on an
// interface and prints each reply it gets within the time limit, one line
// per reply. It builds and reads packets byte by byte on its own, without
// the server's parser, so that the tests do not check our code with itself.
//
//   dhcp_probe --interface IF [--type discover|request] [--arch N] [--vendor TEXT]
//              [--user-class TEXT] [--uuid] [--requested-ip A.B.C.D] [--mac aa:bb:..] [--to ADDR] [--port N]
//              [--from-port N] [--bind ADDR] [--giaddr ADDR] [--raw HEX] [--wait-ms N] [--all]
// It stops at the first reply unless --all.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::vector<unsigned char> hex(const std::string& text)
{
    std::vector<unsigned char> out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        out.push_back(static_cast<unsigned char>(std::stoul(text.substr(i, 2), nullptr, 16)));
    }
    return out;
}

void opt(std::vector<unsigned char>& p, unsigned char code, const std::vector<unsigned char>& value)
{
    p.push_back(code);
    p.push_back(static_cast<unsigned char>(value.size()));
    p.insert(p.end(), value.begin(), value.end());
}

std::vector<unsigned char> text(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

int main(int argc, char** argv)
{
    std::string interface, type = "discover", vendor, user_class, mac = "52:54:00:aa:00:01", to = "255.255.255.255",
                           bind_address = "0.0.0.0", giaddr = "0.0.0.0", raw;
    int arch = -1, port = 67, from_port = 68, wait_ms = 1500, max_replies = 1;
    bool uuid = false;
    std::string requested_ip;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--interface") interface = next();
        else if (a == "--type") type = next();
        else if (a == "--arch") arch = std::stoi(next());
        else if (a == "--vendor") vendor = next();
        else if (a == "--user-class") user_class = next();
        else if (a == "--uuid") uuid = true;
        else if (a == "--requested-ip") requested_ip = next();
        else if (a == "--mac") mac = next();
        else if (a == "--to") to = next();
        else if (a == "--port") port = std::stoi(next());
        else if (a == "--from-port") from_port = std::stoi(next());
        else if (a == "--bind") bind_address = next();
        else if (a == "--giaddr") giaddr = next();
        else if (a == "--raw") raw = next();
        else if (a == "--wait-ms") wait_ms = std::stoi(next());
        else if (a == "--all") max_replies = 8;
        else { std::fprintf(stderr, "dhcp_probe: unknown argument %s\n", a.c_str()); return 2; }
    }
    std::vector<unsigned char> p;
    if (!raw.empty()) {
        p = hex(raw);
    } else {
        p.assign(236, 0);
        p[0] = 1;  // BOOTREQUEST
        p[1] = 1;
        p[2] = 6;
        p[4] = 0x12; p[5] = 0x34; p[6] = 0x56; p[7] = 0x78;  // xid
        p[10] = 0x80;  // broadcast
        in_addr g{};
        inet_pton(AF_INET, giaddr.c_str(), &g);
        std::memcpy(&p[24], &g, 4);
        unsigned m[6];
        std::sscanf(mac.c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
        for (int i = 0; i < 6; ++i) p[28 + static_cast<std::size_t>(i)] = static_cast<unsigned char>(m[i]);
        for (const unsigned char c : {99, 130, 83, 99}) p.push_back(c);
        opt(p, 53, {static_cast<unsigned char>(type == "request" ? 3 : 1)});
        if (!vendor.empty()) opt(p, 60, text(vendor));
        if (arch >= 0) opt(p, 93, {static_cast<unsigned char>(arch >> 8), static_cast<unsigned char>(arch)});
        if (arch >= 0) opt(p, 94, {1, 3, 16});
        if (uuid) opt(p, 97, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        if (!user_class.empty()) opt(p, 77, text(user_class));
        if (!requested_ip.empty()) {
            in_addr r{};
            inet_pton(AF_INET, requested_ip.c_str(), &r);
            std::vector<unsigned char> bytes(4);
            std::memcpy(bytes.data(), &r, 4);
            opt(p, 50, bytes);
        }
        p.push_back(255);
        p.resize(std::max<std::size_t>(p.size(), 300), 0);
    }

    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &yes, sizeof yes);
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (!interface.empty()) {
        ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), static_cast<socklen_t>(interface.size()));
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(static_cast<std::uint16_t>(from_port));
    inet_pton(AF_INET, bind_address.c_str(), &local.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        std::perror("dhcp_probe: bind");
        return 1;
    }
    sockaddr_in dest{};
    dest.sin_family = AF_INET;
    dest.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, to.c_str(), &dest.sin_addr);
    if (::sendto(fd, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&dest), sizeof dest) < 0) {
        std::perror("dhcp_probe: sendto");
        return 1;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    int replies = 0;
    while (replies < max_replies) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) break;
        pollfd pf{fd, POLLIN, 0};
        if (::poll(&pf, 1, static_cast<int>(left)) != 1) break;
        unsigned char r[1500];
        const auto n = ::recv(fd, r, sizeof r, 0);
        if (n < 240 || r[0] != 2) continue;
        char yi[16], si[16];
        inet_ntop(AF_INET, &r[16], yi, sizeof yi);
        inet_ntop(AF_INET, &r[20], si, sizeof si);
        std::string file(reinterpret_cast<const char*>(&r[108]), strnlen(reinterpret_cast<const char*>(&r[108]), 128));
        int msg = 0;
        std::string opt60 = "-", opt97 = "-", opt67 = "-";
        bool has43 = false;
        for (std::size_t i = 240; i + 1 < static_cast<std::size_t>(n) && r[i] != 255;) {
            if (r[i] == 0) { ++i; continue; }
            const unsigned code = r[i];
            const std::size_t len = r[i + 1];
            if (i + 2 + len > static_cast<std::size_t>(n)) break;
            const std::string value(reinterpret_cast<const char*>(&r[i + 2]), len);
            if (code == 53 && len == 1) msg = r[i + 2];
            if (code == 60) opt60 = value;
            if (code == 67) opt67 = value;
            if (code == 43) has43 = true;
            if (code == 97) opt97 = std::to_string(len) + "bytes";
            i += 2 + len;
        }
        std::printf("reply type=%d yiaddr=%s siaddr=%s file=%s opt60=%s opt67=%s opt43=%s opt97=%s\n", msg, yi, si,
                    file.empty() ? "-" : file.c_str(), opt60.c_str(), opt67.c_str(), has43 ? "yes" : "no",
                    opt97.c_str());
        ++replies;
    }
    std::printf("replies=%d\n", replies);
    ::close(fd);
    return 0;
}
