#include "client/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <openssl/ssl.h>

#include "client/addresses.h"

namespace caduceus::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

template <class Stream>
Result<ClientResponse> Exchange(Stream& stream,
                                const bhttp::request<bhttp::string_body>& req,
                                const ClientOptions& options) {
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.max_body_bytes);
  bhttp::read(stream, buffer, parser);
  const auto& res = parser.get();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[bhttp::field::content_type]);
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = res.body();
  return out;
}

}  // namespace

Result<ClientResponse> Send(const ClientRequest& request, const ClientOptions& options) {
  const auto& url = request.url;
  const auto verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) return Error::Invalid("unknown HTTP method", "method");
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return Error::Invalid("not an absolute URL: " + url, "url");
  const auto scheme = parsed->scheme();
  const bool tls = scheme == "https";
  if (!tls && scheme != "http") return Error::Invalid("the URL must be http or https", "url");
  const std::string host(parsed->host_address());
  if (host.empty()) return Error::Invalid("the URL has no host", "url");
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80");
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  bhttp::request<bhttp::string_body> req{verb, target, 11};
  req.set(bhttp::field::host, parsed->has_port() ? host + ":" + port : host);
  req.set(bhttp::field::user_agent, std::string("caduceus/") + CADUCEUS_VERSION);
  for (const auto& [k, v] : request.headers) req.set(k, v);
  if (!request.body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put ||
      verb == bhttp::verb::patch) {
    req.body() = request.body;
    req.prepare_payload();
  }

  try {
    asio::io_context ioc;
    asio::ip::tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host, port);
    if (options.public_addresses_only) {
      for (const auto& entry : endpoints) {
        if (!IsPublicAddress(*entry.endpoint().data())) {
          return Error::Denied(
              "the host resolves to a loopback, private or link-local address, which this hub "
              "does not connect to");
        }
      }
    }
    if (!tls) {
      beast::tcp_stream stream(ioc);
      stream.expires_after(options.timeout);
      stream.connect(endpoints);
      auto out = Exchange(stream, req, options);
      beast::error_code ec;
      stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      return out;
    }
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_default_verify_paths();
    if (!options.ca_file.empty()) ctx.load_verify_file(options.ca_file);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    // SSL_set_tlsext_host_name is a macro with a C cast; this is the call it stands for.
    if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str())) != 1) {
      return Error{Errc::kUnavailable, "cannot set TLS server name", {}};
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(host));
    beast::get_lowest_layer(stream).expires_after(options.timeout);
    beast::get_lowest_layer(stream).connect(endpoints);
    stream.handshake(asio::ssl::stream_base::client);
    auto out = Exchange(stream, req, options);
    beast::error_code ec;
    stream.shutdown(ec);
    return out;
  } catch (const std::exception& e) {
    return Error{Errc::kUnavailable, std::string("cannot reach ") + url + ": " + e.what(), {}};
  }
}

}  // namespace caduceus::client
