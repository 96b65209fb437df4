// Internal to the http module: the boundary between Beast's request type and http::Request,
// shared by server.cpp and the fuzz targets so that fuzzing exercises the server's own code.
// Includes Beast's message headers: include it only from server.cpp and fuzz/.
// All functions are defined in server.cpp; they are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/error.h"
#include "http/http.h"
#include "http/server.h"

namespace caduceus::http::detail {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Sets the parser's header and body limits from the server options.
void ApplyLimits(BeastRequestParser& parser, const ServerOptions& options);

// True for 1-64 characters of [A-Za-z0-9._-].
bool IsSaneRequestId(std::string_view id);
// `client_id` when sane, else a fresh random id. Needs InitCrypto() (core/random.h).
std::string ChooseRequestId(std::string_view client_id);

// Converts a parsed request. Fails (Error::Invalid, message safe for a 400 response) for an HTTP
// version other than 1.0/1.1, a missing (HTTP/1.1) or repeated Host header, or a target that
// ParseTarget rejects. Moves the body out of `message`.
Result<Request> ToRequest(BeastRequest& message,
                          std::string remote_address,
                          bool tls,
                          std::string request_id);

}  // namespace caduceus::http::detail
