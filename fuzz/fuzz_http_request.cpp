// Feeds bytes to a Beast request parser configured with the server's limits (ApplyLimits over
// default ServerOptions) and converts each complete request with the server's own ToRequest,
// as a connection would, pipelined requests included.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "core/random.h"
#include "http/request_conversion.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr int kMaxRequestsPerInput = 8;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  caduceus::InitCrypto();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = caduceus::http;
  namespace bhttp = boost::beast::http;
  static const http::ServerOptions options;

  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < kMaxRequestsPerInput && !rest.empty(); ++i) {
    http::detail::BeastRequestParser parser;
    http::detail::ApplyLimits(parser, options);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!rest.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec || used == 0) break;
    }
    if (ec == bhttp::error::need_more || (!ec && !parser.is_done())) {
      ec = {};
      parser.put_eof(ec);
    }
    if (ec || !parser.is_done()) return 0;

    http::detail::BeastRequest message = parser.release();
    const auto client_id = message["X-Request-ID"];
    const std::string request_id =
        http::detail::ChooseRequestId(std::string_view(client_id.data(), client_id.size()));
    Check(http::detail::IsSaneRequestId(request_id));
    const auto request = http::detail::ToRequest(message, "127.0.0.1", false, request_id);
    if (!request) continue;
    Check(request->path.front() == '/');
    Check(request->body.size() <= options.max_body_bytes);
    Check(http::ParseTarget(request->target).has_value());
  }
  return 0;
}
