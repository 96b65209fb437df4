// The guard against server-side request forgery for requests the hub makes on its users' behalf
// (feeds, advisory sources, webhooks): which addresses it may connect to.
#pragma once

#include <string>

#include "core/error.h"

struct sockaddr;

namespace caduceus::client {

// Whether `address` (AF_INET or AF_INET6) is public: not unspecified, loopback, private,
// CGNAT, link-local, site-local, unique-local, multicast or reserved; an IPv4-mapped IPv6
// address is judged as its IPv4 address. Other families are not public.
bool IsPublicAddress(const sockaddr& address);

// Resolves `host` and refuses it (kPermissionDenied) when any of its addresses is not public;
// kUnavailable when it does not resolve. A check ahead of time, for a clear error: the
// connection itself goes through ClientOptions::public_addresses_only, which checks the
// addresses it connects to, so that a second DNS answer cannot bring a private one in.
Status CheckPublicHost(const std::string& host);

}  // namespace caduceus::client
