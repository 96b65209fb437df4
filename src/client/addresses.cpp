#include "client/addresses.h"

#include <cstdint>
#include <cstring>
#include <memory>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace caduceus::client {

namespace {

bool IsPublicV4(const in_addr& a) {
  const std::uint32_t ip = ntohl(a.s_addr);
  const auto in = [&](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (ip & mask) == net;
  };
  return !(in(0x00000000, 8) || in(0x0A000000, 8) || in(0x64400000, 10) || in(0x7F000000, 8) ||
           in(0xA9FE0000, 16) || in(0xAC100000, 12) || in(0xC0000000, 24) || in(0xC0A80000, 16) ||
           in(0xC6120000, 15) || in(0xE0000000, 4) || in(0xF0000000, 4));
}

bool IsPublicV6(const in6_addr& a) {
  const unsigned char* b = a.s6_addr;
  static const unsigned char kZero[16] = {};
  if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return false;  // :: and ::1
  if (IN6_IS_ADDR_V4MAPPED(&a)) {
    in_addr v4{};
    std::memcpy(&v4.s_addr, b + 12, 4);
    return IsPublicV4(v4);
  }
  if ((b[0] & 0xFE) == 0xFC) return false;                  // fc00::/7 unique local
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return false;  // fe80::/10 link local
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return false;  // fec0::/10 site local
  if (b[0] == 0xFF) return false;                           // multicast
  return true;
}

struct FreeAddrinfo {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

}  // namespace

bool IsPublicAddress(const sockaddr& address) {
  if (address.sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, &address, sizeof v4);
    return IsPublicV4(v4.sin_addr);
  }
  if (address.sa_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, &address, sizeof v6);
    return IsPublicV6(v6.sin6_addr);
  }
  return false;
}

Status CheckPublicHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &raw) != 0 || raw == nullptr) {
    return Error{Errc::kUnavailable, "the host name does not resolve", {}};
  }
  const std::unique_ptr<addrinfo, FreeAddrinfo> found(raw);
  for (const addrinfo* a = found.get(); a != nullptr; a = a->ai_next) {
    if (!IsPublicAddress(*a->ai_addr)) {
      return Error::Denied(
          "the host is a loopback, private or link-local address, which this hub does not "
          "connect to");
    }
  }
  return {};
}

}  // namespace caduceus::client
