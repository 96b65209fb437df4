// A small blocking HTTP/1.1 client for the agent and the client CLI (Beast; TLS verified
// against the system trust store or a given CA file). One request per call.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace caduceus::client {

struct ClientOptions {
  // Connect only when every address the host resolves to is public (client/addresses.h), to
  // the very addresses that were checked, so that a later DNS answer (rebinding) cannot bring a
  // private one in. For requests the hub makes on its users' behalf.
  bool public_addresses_only = false;
  std::chrono::seconds timeout{15};
  std::string ca_file;  // extra CA bundle (PEM) for self-hosted hubs
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http:// or https:// with host, optional port, path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Sends one request. Errors are values: kInvalidArgument for a bad URL or method, kUnavailable
// for connection, TLS or timeout failures. Any HTTP status is a successful exchange.
Result<ClientResponse> Send(const ClientRequest& request, const ClientOptions& options);

inline Result<ClientResponse> Get(const std::string& url,
                                  std::vector<std::pair<std::string, std::string>> headers,
                                  const ClientOptions& options) {
  return Send({"GET", url, std::move(headers), {}}, options);
}

}  // namespace caduceus::client
