// The HTTP/1.1 server: Boost.Beast over Asio, optional TLS (OpenSSL). Only server.cpp includes
// Beast and Asio.
//
// Threading: `threads` I/O threads run the connections; the handler is called on an I/O thread,
// concurrently for different connections, and may block (database calls). Requests on one
// connection are handled one at a time (keep-alive, no pipelining of handler calls).
//
// Limits: requests whose header exceeds max_header_bytes get 431, bodies over max_body_bytes get
// 413, malformed requests 400 — all as RFC 9457 problem+json, and the connection is closed.
// Idle keep-alive connections and slow clients are cut after read_timeout; writes after
// write_timeout.
//
// Connection caps: at most max_connections connections are open at once, and at most
// max_connections_per_address from one peer IP (IPv4-mapped IPv6 counts as the IPv4 address).
// A connection that would exceed either cap is closed right after accept without reading from
// it; on a plain-HTTP server it first gets a 503 problem+json with "Connection: close" and
// "Retry-After: 1" when that fits into the socket without blocking. Refusals are counted (see
// refused_connections()) and logged at most once per 5 s. A connection's slot is freed when it
// closes for any reason (client close, TLS handshake failure, timeout, error, shutdown). Both
// caps must be at least 1; the constructor throws std::invalid_argument otherwise.
//
// Shutdown: Stop() (or SIGTERM/SIGINT when handle_signals is set) stops accepting, lets
// in-flight requests finish and their responses be written (up to drain_timeout), then closes
// the remaining connections and returns from Run().
//
// Per request: Request::request_id is the X-Request-ID the peer sent when the peer is one of
// trusted_proxies and the id is 1-64 characters of [A-Za-z0-9._-], else a random token (a client
// cannot choose the id it is logged and audited under); every response carries it as
// X-Request-ID, plus Date,
// Server: caduceus and Content-Length (none on 204/304). Targets ParseTarget rejects, an HTTP/1.1
// request without exactly one Host header, and versions other than 1.0/1.1 get 400. A handler
// that throws caduceus::ErrorException gets that error's status as problem+json; any other
// exception gets a 500 problem+json without the exception text (which is logged). Responses to
// HEAD keep the Content-Length of the handler's body but send no body. Handler header fields
// with invalid names or values, and the fields the server owns (Connection, Content-Length,
// Transfer-Encoding, Date, Server, X-Request-ID, ...), are dropped. "Expect: 100-continue" gets
// an interim 100 before the body is read. After a final response the server half-closes and
// drains what the client still sends for up to 2 s, so that the client reads the response.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/http.h"

namespace caduceus::http {

struct TlsOptions {
  std::string certificate_chain_file;  // PEM
  std::string private_key_file;        // PEM
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  int threads = 2;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds drain_timeout{20};
  std::size_t max_connections = 1024;            // open connections in total
  std::size_t max_connections_per_address = 64;  // open connections from one peer IP
  std::optional<TlsOptions> tls;
  bool handle_signals = true;
  // Peer addresses (proxies in front of the hub) whose X-Request-ID is kept.
  std::vector<std::string> trusted_proxies;
};

class Server {
 public:
  // Binds and listens immediately (so port() is known); throws std::runtime_error when the
  // address cannot be bound or the TLS files cannot be loaded, std::invalid_argument when a
  // connection cap is 0.
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  // Thread-safe. Connections currently holding a slot under the connection caps.
  std::size_t open_connections() const;
  // Thread-safe. Connections closed at accept because a cap was reached, since construction.
  std::uint64_t refused_connections() const;
  // Serves until Stop() or a signal; blocks the calling thread (which also runs I/O). Call at
  // most once; returns at once if Stop() came first. Destroy the server only after Run() returned
  // (or when it never ran).
  void Run();
  // Thread-safe; may be called from any thread or a handler.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caduceus::http
