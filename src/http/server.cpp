#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <ctime>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "core/random.h"
#include "http/request_conversion.h"

namespace caduceus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace detail {

void ApplyLimits(BeastRequestParser& parser, const ServerOptions& options) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
}

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string ChooseRequestId(std::string_view client_id) {
  if (IsSaneRequestId(client_id)) return std::string(client_id);
  return RandomToken(12);
}

Result<Request> ToRequest(BeastRequest& message,
                          std::string remote_address,
                          bool tls,
                          std::string request_id) {
  if (message.version() != 10 && message.version() != 11) {
    return Error::Invalid("unsupported HTTP version");
  }
  const auto hosts = message.count(bhttp::field::host);
  if (hosts > 1 || (hosts == 0 && message.version() == 11)) {
    return Error::Invalid("an HTTP/1.1 request needs exactly one Host header");
  }
  const std::string_view target(message.target().data(), message.target().size());
  auto parsed = ParseTarget(target);
  if (!parsed) return Error::Invalid("invalid request target");

  Request request;
  request.method =
      ParseMethod(std::string_view(message.method_string().data(), message.method_string().size()));
  request.target = std::string(target);
  request.path = std::move(parsed->path);
  request.query = std::move(parsed->query);
  for (const auto& field : message) {
    request.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.remote_address = std::move(remote_address);
  request.tls = tls;
  request.request_id = std::move(request_id);
  return request;
}

}  // namespace detail

namespace {

// After a final response the server half-closes and reads what the client still sends, so that
// unread request bytes do not turn the close into a reset that discards the response.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerBytes = 1024 * 1024;
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
constexpr std::chrono::seconds kRefusalLogInterval{5};
// A streamed body is written in chunks of about this size at most.
constexpr std::size_t kMaxStreamChunkBytes = 64 * 1024;

std::string HttpDate() {
  static constexpr std::array<std::string_view, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", kDays.at(tm.tm_wday), tm.tm_mday,
                     kMonths.at(tm.tm_mon), tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool IsToken(std::string_view s) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

bool IsFieldValue(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7F;
  });
}

bool IEquals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

// Fields the server owns: a handler's values for them are dropped.
bool IsServerManaged(std::string_view name) {
  for (std::string_view managed :
       {"Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Upgrade", "Date",
        "Server", "X-Request-ID", "TE", "Trailer", "Proxy-Connection"}) {
    if (IEquals(name, managed)) return true;
  }
  return false;
}

using BeastResponse = bhttp::response<bhttp::string_body>;

// A parse failure the client should hear about; end_of_stream and partial_message mean that the
// client went away.
bool IsMalformedRequest(beast::error_code ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

bool IsValidStatus(int status) { return status >= 200 && status <= 599; }

Response InvalidStatusProblem(int status, const std::string& request_id) {
  spdlog::error("handler returned invalid HTTP status {} (request {})", status, request_id);
  return Problem(500, Slug(Errc::kInternal), "Internal Server Error",
                 "the server produced an invalid response", request_id);
}

template <class Body>
void FillHeader(bhttp::response<Body>& out,
                const Response& response,
                unsigned version,
                bool keep_alive,
                const std::string& request_id) {
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers.fields()) {
    if (!IsToken(name) || !IsFieldValue(value)) {
      spdlog::warn("dropping invalid response header field '{}' (request {})", name, request_id);
      continue;
    }
    if (IsServerManaged(name)) continue;
    out.insert(name, value);
  }
  out.set(bhttp::field::date, HttpDate());
  out.set(bhttp::field::server, "caduceus");
  out.set("X-Request-ID", request_id);
  out.keep_alive(keep_alive);
}

BeastResponse ToBeastResponse(Response response,
                              unsigned version,
                              bool keep_alive,
                              bool head,
                              const std::string& request_id) {
  if (!IsValidStatus(response.status)) {
    response = InvalidStatusProblem(response.status, request_id);
  }
  BeastResponse out;
  FillHeader(out, response, version, keep_alive, request_id);
  if (response.status == 204 || response.status == 304) return out;
  out.content_length(response.body.size());
  if (!head) out.body() = std::move(response.body);
  return out;
}

std::string PeerAddress(const tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

asio::ssl::context MakeSslContext(const TlsOptions& tls) {
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(context.native_handle(), SSL_OP_NO_RENEGOTIATION);
  beast::error_code ec;
  context.use_certificate_chain_file(tls.certificate_chain_file, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("cannot load TLS certificate chain '{}': {}",
                                         tls.certificate_chain_file, ec.message()));
  }
  context.use_private_key_file(tls.private_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("cannot load TLS private key '{}': {}", tls.private_key_file, ec.message()));
  }
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    throw std::runtime_error("TLS private key does not match the certificate");
  }
  return context;
}

// Counts open connections in total and per peer address against the caps. Thread-safe.
class ConnectionLimiter {
 public:
  // Holds one counted connection; frees it on Release() or destruction. Move-only; not
  // thread-safe itself (one owner at a time).
  class Slot {
   public:
    Slot(Slot&& other) noexcept
        : limiter_(std::exchange(other.limiter_, nullptr)), address_(std::move(other.address_)) {}
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { Release(); }

    // Idempotent.
    void Release() {
      if (limiter_ != nullptr) std::exchange(limiter_, nullptr)->Free(address_);
    }

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* limiter, std::string address)
        : limiter_(limiter), address_(std::move(address)) {}

    ConnectionLimiter* limiter_;
    std::string address_;
  };

  enum class Refusal { kTotal, kPerAddress };

  ConnectionLimiter(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}
  ~ConnectionLimiter() = default;
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  // A slot for one more connection from `address`, or why there is none. The limiter must
  // outlive the slot.
  std::variant<Slot, Refusal> TryAcquire(const std::string& address) {
    std::lock_guard lock(mu_);
    if (open_ >= max_total_) return Refusal::kTotal;
    auto [it, inserted] = per_address_.try_emplace(address, 0);
    if (it->second >= max_per_address_) return Refusal::kPerAddress;
    ++it->second;
    ++open_;
    return Slot(this, address);
  }

  std::size_t open() const {
    std::lock_guard lock(mu_);
    return open_;
  }

 private:
  void Free(const std::string& address) {
    std::lock_guard lock(mu_);
    --open_;
    const auto it = per_address_.find(address);
    if (--it->second == 0) per_address_.erase(it);
  }

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex mu_;
  std::size_t open_ = 0;                                      // guarded by mu_
  std::unordered_map<std::string, std::size_t> per_address_;  // guarded by mu_; no zero entries
};

// The answer to a connection refused at a cap on a plain-HTTP server: a complete response
// that needs nothing from the request.
std::string RefusalResponse() {
  Response problem = Problem(503, Slug(Errc::kUnavailable), "Service Unavailable",
                             "the server has too many open connections; retry later");
  std::string out = "HTTP/1.1 503 Service Unavailable\r\n";
  for (const auto& [name, value] : problem.headers.fields()) {
    out += fmt::format("{}: {}\r\n", name, value);
  }
  out += fmt::format(
      "Retry-After: 1\r\nConnection: close\r\nServer: caduceus\r\nContent-Length: {}\r\n\r\n",
      problem.body.size());
  out += problem.body;
  return out;
}

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void Start() = 0;
  // Thread-safe. Closes the connection if no request is in progress; otherwise the connection
  // closes after its current response.
  virtual void RequestShutdown() = 0;
  // Only while no thread runs the io_context.
  virtual void ForceClose() = 0;
};

// Shared state of one server. Sessions hold a reference; they never outlive it because they
// are owned by handlers queued in io_context_, which is destroyed first of what they use.
class ServerCore {
 public:
  ServerCore(ServerOptions options, Handler handler);
  ~ServerCore();

  std::uint16_t port() const { return port_; }
  std::size_t open_connections() const { return limiter_.open(); }
  std::uint64_t refused_connections() const { return refused_.load(); }
  void Run();
  void Stop();

  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(); }
  asio::ssl::context& ssl() { return *ssl_; }
  Response CallHandler(Request& request);
  void Unregister(std::uint64_t id);

 private:
  void RunLoop();
  void StartServing();
  void WaitSignal();
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Refuse(tcp::socket& socket, const std::string& address, ConnectionLimiter::Refusal why);
  void DoStop();

  const ServerOptions options_;
  const Handler handler_;
  const std::string refusal_response_;
  // The members above io_context_ stay valid while it destroys pending handlers (and with them
  // sessions) in its destructor.
  std::mutex mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<SessionBase>> sessions_;  // guarded by mu_
  std::uint64_t next_session_id_ = 0;                                       // guarded by mu_
  bool tearing_down_ = false;                                               // guarded by mu_
  std::atomic<bool> stopping_{false};
  ConnectionLimiter limiter_;
  std::atomic<std::uint64_t> refused_{0};
  // Refusal log throttling; only on control_.
  std::uint64_t refused_logged_ = 0;
  std::optional<std::chrono::steady_clock::time_point> last_refusal_log_;
  std::optional<asio::ssl::context> ssl_;
  asio::io_context io_context_;
  // Serialises the acceptor, signals and timers below.
  asio::strand<asio::io_context::executor_type> control_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer drain_timer_;
  asio::steady_timer accept_retry_timer_;
  std::uint16_t port_ = 0;
};

template <bool kTls>
class Session final : public SessionBase {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  Session(ServerCore& core,
          std::uint64_t id,
          tcp::socket socket,
          std::string remote_address,
          ConnectionLimiter::Slot slot)
      : core_(core),
        id_(id),
        stream_(MakeStream(core, std::move(socket))),
        remote_address_(std::move(remote_address)),
        slot_(std::move(slot)),
        poll_timer_(stream_.get_executor()) {}
  ~Session() override {
    CloseSource();
    core_.Unregister(id_);
  }

  void Start() override {
    asio::dispatch(stream_.get_executor(), [self = Self()] { self->Begin(); });
  }

  void RequestShutdown() override {
    asio::post(stream_.get_executor(), [self = Self()] { self->OnShutdownRequested(); });
  }

  void ForceClose() override {
    beast::error_code ec;
    Socket().close(ec);
    slot_.Release();
  }

 private:
  // kStreaming: writing a streamed body (Response::stream); kStreamEnding: it is complete and the
  // connection lingers until the client closes.
  enum class Phase { kHandshake, kReading, kBusy, kStreaming, kStreamEnding, kClosing, kClosed };

  static Stream MakeStream(ServerCore& core, tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), core.ssl());
    } else {
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  tcp::socket& Socket() { return Tcp().socket(); }

  void Begin() {
    if (core_.stopping()) return CloseNow();
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      Tcp().expires_after(core_.options().read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = Self()](beast::error_code ec) {
                                if (ec) return self->CloseNow();
                                self->DoRead();
                              });
    } else {
      DoRead();
    }
  }

  void DoRead() {
    if (core_.stopping()) return CloseNow();
    phase_ = Phase::kReading;
    parser_.emplace();
    detail::ApplyLimits(*parser_, core_.options());
    // The deadline covers the whole request: header, 100-continue and body.
    Tcp().expires_after(core_.options().read_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = Self()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const auto& header = parser_->get();
    if (header.version() >= 11 && !parser_->is_done() &&
        IEquals(header[bhttp::field::expect], "100-continue")) {
      continue_.emplace(bhttp::status::continue_, header.version());
      bhttp::async_write(stream_, *continue_, [self = Self()](beast::error_code ec2, std::size_t) {
        self->continue_.reset();
        if (ec2) return self->CloseNow();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = Self()](beast::error_code ec, std::size_t) {
                        if (ec) return self->OnReadError(ec);
                        self->HandleRequest();
                      });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return SendFinal(
          431, "header-too-large", "Request Header Fields Too Large",
          fmt::format("the request header exceeds {} bytes", core_.options().max_header_bytes));
    }
    if (ec == bhttp::error::body_limit) {
      return SendFinal(
          413, Slug(Errc::kPayloadTooLarge), "Content Too Large",
          fmt::format("the request body exceeds {} bytes", core_.options().max_body_bytes));
    }
    if (IsMalformedRequest(ec)) {
      return SendFinal(400, "bad-request", "Bad Request",
                       fmt::format("malformed HTTP request: {}", ec.message()));
    }
    CloseNow();
  }

  // The X-Request-ID of a trusted proxy (which assigned it), when sane; otherwise a fresh id, so
  // that no client can choose the id its requests are logged and audited under.
  std::string RequestIdOf(const detail::BeastRequest& message) const {
    const auto& trusted = core_.options().trusted_proxies;
    if (std::find(trusted.begin(), trusted.end(), remote_address_) == trusted.end()) {
      return detail::ChooseRequestId({});
    }
    const auto sent = message["X-Request-ID"];
    return detail::ChooseRequestId(std::string_view(sent.data(), sent.size()));
  }

  // Answers a request that could not be read with a problem and closes the connection.
  void SendFinal(int status, std::string_view slug, std::string_view title, std::string detail) {
    phase_ = Phase::kBusy;
    std::string request_id = detail::ChooseRequestId({});
    if (parser_ && parser_->is_header_done()) request_id = RequestIdOf(parser_->get());
    Write(Problem(status, slug, title, detail, request_id), 11, false, false, request_id);
  }

  void HandleRequest() {
    phase_ = Phase::kBusy;
    detail::BeastRequest message = parser_->release();
    parser_.reset();
    const bool head = message.method() == bhttp::verb::head;
    const unsigned version = message.version();
    bool keep_alive = message.keep_alive();
    std::string request_id = RequestIdOf(message);

    auto request = detail::ToRequest(message, remote_address_, kTls, request_id);
    Response response;
    if (!request) {
      keep_alive = false;
      response = Problem(400, "bad-request", "Bad Request", request.error().message, request_id);
    } else {
      response = core_.CallHandler(*request);
      spdlog::debug("{} {} {} {} {}", remote_address_, MethodName(request->method), request->target,
                    response.status, request_id);
    }
    if (response.stream) {
      if (!head && IsValidStatus(response.status) && response.status != 204 &&
          response.status != 304) {
        return StartStream(std::move(response), version, request_id);
      }
      source_ = std::move(response.stream);
      CloseSource();
    }
    Write(std::move(response), version, keep_alive, head, request_id);
  }

  // Streamed responses: the header, then chunks as the source yields them, polled on
  // poll_timer_. Meanwhile a read watches for the client closing (WatchClient). At most one write
  // and one timer wait are pending at a time.
  void StartStream(Response response, unsigned version, const std::string& request_id) {
    phase_ = Phase::kStreaming;
    source_ = std::move(response.stream);
    chunked_ = version >= 11;
    stream_header_.emplace();
    FillHeader(*stream_header_, response, version, false, request_id);
    if (chunked_) stream_header_->chunked(true);
    stream_serializer_.emplace(*stream_header_);
    write_pending_ = true;
    Tcp().expires_after(core_.options().write_timeout);
    bhttp::async_write_header(stream_, *stream_serializer_,
                              [self = Self()](beast::error_code ec, std::size_t) {
                                self->write_pending_ = false;
                                if (ec) return self->CloseNow();
                                self->WatchClient();
                                self->Pump();
                              });
  }

  // A client sends nothing while it reads a stream; EOF or an error means it has gone.
  void WatchClient() {
    Tcp().expires_never();
    watching_ = true;
    stream_.async_read_some(asio::buffer(linger_buffer_),
                            [self = Self()](beast::error_code ec, std::size_t n) {
                              self->watching_ = false;
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerBytes) return self->CloseNow();
                              self->WatchClient();
                            });
  }

  void Pump() {
    if (phase_ != Phase::kStreaming || write_pending_) return;
    if (core_.stopping() || source_ended_) return FinishStream();
    chunk_.clear();
    while (chunk_.size() < kMaxStreamChunkBytes) {
      StreamSource::Status status = StreamSource::Status::kEnd;
      try {
        status = source_->Poll(chunk_);
      } catch (const std::exception& e) {
        spdlog::error("stream source failed: {}", e.what());
      }
      if (status == StreamSource::Status::kEnd) source_ended_ = true;
      if (status != StreamSource::Status::kData) break;
    }
    if (!chunk_.empty()) return WriteChunk();
    if (source_ended_) return FinishStream();
    poll_timer_.expires_after(kStreamPollInterval);
    poll_timer_.async_wait([self = Self()](beast::error_code) { self->Pump(); });
  }

  void WriteChunk() {
    write_pending_ = true;
    Tcp().expires_after(core_.options().write_timeout);
    auto done = [self = Self()](beast::error_code ec, std::size_t) {
      self->write_pending_ = false;
      if (ec) return self->CloseNow();
      self->Pump();
    };
    if (chunked_) {
      asio::async_write(stream_, bhttp::make_chunk(asio::buffer(chunk_)), std::move(done));
    } else {
      asio::async_write(stream_, asio::buffer(chunk_), std::move(done));
    }
  }

  void FinishStream() {
    phase_ = Phase::kStreamEnding;
    CloseSource();
    if (!chunked_) return LingerAfterStream();
    write_pending_ = true;
    Tcp().expires_after(core_.options().write_timeout);
    asio::async_write(stream_, bhttp::make_chunk_last(),
                      [self = Self()](beast::error_code ec, std::size_t) {
                        self->write_pending_ = false;
                        if (ec) return self->CloseNow();
                        self->LingerAfterStream();
                      });
  }

  // The pending WatchClient read drains what the client still sends, bounded by poll_timer_.
  void LingerAfterStream() {
    if (kTls || !watching_ || core_.stopping()) return CloseNow();
    beast::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return CloseNow();
    poll_timer_.expires_after(kLingerTimeout);
    poll_timer_.async_wait([self = Self()](beast::error_code wait_ec) {
      if (!wait_ec) self->CloseNow();
    });
  }

  void CloseSource() {
    if (!source_) return;
    const std::shared_ptr<StreamSource> source = std::move(source_);
    try {
      source->Close();
    } catch (const std::exception& e) {
      spdlog::error("closing a stream source failed: {}", e.what());
    }
  }

  void Write(Response response,
             unsigned version,
             bool keep_alive,
             bool head,
             const std::string& request_id) {
    if (core_.stopping()) keep_alive = false;
    response_.emplace(ToBeastResponse(std::move(response), version, keep_alive, head, request_id));
    Tcp().expires_after(core_.options().write_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = Self(), keep_alive](beast::error_code ec, std::size_t) {
                         self->response_.reset();
                         if (ec) return self->CloseNow();
                         if (!keep_alive || self->core_.stopping()) return self->CloseGracefully();
                         self->DoRead();
                       });
  }

  void CloseGracefully() {
    phase_ = Phase::kClosing;
    Tcp().expires_after(kLingerTimeout);
    if constexpr (kTls) {
      stream_.async_shutdown([self = Self()](beast::error_code) { self->CloseNow(); });
    } else {
      beast::error_code ec;
      Socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return CloseNow();
      Linger();
    }
  }

  void Linger() {
    stream_.async_read_some(asio::buffer(linger_buffer_),
                            [self = Self()](beast::error_code ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerBytes) return self->CloseNow();
                              self->Linger();
                            });
  }

  void CloseNow() {
    phase_ = Phase::kClosed;
    CloseSource();
    poll_timer_.cancel();
    beast::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_both, ec);
    Socket().close(ec);
    slot_.Release();
  }

  void OnShutdownRequested() {
    switch (phase_) {
      case Phase::kHandshake:
      case Phase::kClosing:
        Tcp().cancel();
        break;
      case Phase::kReading:
        if (buffer_.size() == 0 && parser_ && !parser_->got_some()) Tcp().cancel();
        break;
      case Phase::kStreaming:
        poll_timer_.cancel();
        break;
      case Phase::kStreamEnding:
        if (!write_pending_) CloseNow();
        break;
      case Phase::kBusy:
      case Phase::kClosed:
        break;
    }
  }

  ServerCore& core_;
  const std::uint64_t id_;
  Stream stream_;
  const std::string remote_address_;
  // Freed when the socket is closed, at the latest when the session is destroyed.
  ConnectionLimiter::Slot slot_;
  beast::flat_buffer buffer_;
  std::optional<detail::BeastRequestParser> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<BeastResponse> response_;
  std::array<char, 4096> linger_buffer_{};
  std::size_t lingered_ = 0;
  Phase phase_ = Phase::kReading;
  asio::steady_timer poll_timer_;
  std::shared_ptr<StreamSource> source_;
  std::optional<bhttp::response<bhttp::empty_body>> stream_header_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> stream_serializer_;
  std::string chunk_;
  bool chunked_ = false;
  bool source_ended_ = false;
  bool write_pending_ = false;
  bool watching_ = false;
};

ServerCore::ServerCore(ServerOptions options, Handler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      refusal_response_(RefusalResponse()),
      limiter_(options_.max_connections, options_.max_connections_per_address),
      control_(asio::make_strand(io_context_)),
      acceptor_(control_),
      signals_(control_),
      drain_timer_(control_),
      accept_retry_timer_(control_) {
  if (options_.max_connections == 0 || options_.max_connections_per_address == 0) {
    throw std::invalid_argument("max_connections and max_connections_per_address must be >= 1");
  }
  InitCrypto();
  if (options_.tls) ssl_.emplace(MakeSslContext(*options_.tls));

  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("invalid listen address '{}'", options_.address));
  }
  const tcp::endpoint endpoint(address, options_.port);
  const auto check = [&](std::string_view what) {
    if (ec) {
      throw std::runtime_error(
          fmt::format("cannot {} {}:{}: {}", what, options_.address, options_.port, ec.message()));
    }
  };
  acceptor_.open(endpoint.protocol(), ec);
  check("open a socket for");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  check("set SO_REUSEADDR on");
  acceptor_.bind(endpoint, ec);
  check("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  check("listen on");
  port_ = acceptor_.local_endpoint(ec).port();
  check("read the port of");
}

ServerCore::~ServerCore() {
  std::lock_guard lock(mu_);
  tearing_down_ = true;
}

void ServerCore::Run() {
  asio::post(control_, [this] { StartServing(); });
  const int threads = std::max(1, options_.threads);
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) workers.emplace_back([this] { RunLoop(); });
  RunLoop();
  for (auto& worker : workers) worker.join();

  // Reached with connections left only when the drain timeout stopped the io_context.
  std::vector<std::shared_ptr<SessionBase>> left;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, weak] : sessions_) {
      if (auto session = weak.lock()) left.push_back(std::move(session));
    }
  }
  for (const auto& session : left) session->ForceClose();
}

void ServerCore::RunLoop() {
  while (true) {
    try {
      io_context_.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("http server I/O thread caught: {}", e.what());
    }
  }
}

void ServerCore::StartServing() {
  if (stopping_) return;
  if (options_.handle_signals) WaitSignal();
  DoAccept();
}

void ServerCore::WaitSignal() {
  beast::error_code ec;
  signals_.add(SIGINT, ec);
  signals_.add(SIGTERM, ec);
  if (ec) spdlog::warn("cannot handle SIGINT/SIGTERM: {}", ec.message());
  signals_.async_wait([this](beast::error_code wait_ec, int signal_number) {
    if (wait_ec) return;
    spdlog::info("received signal {}, shutting down the http server", signal_number);
    Stop();
  });
}

void ServerCore::DoAccept() {
  acceptor_.async_accept(
      asio::make_strand(io_context_),
      [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void ServerCore::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    spdlog::warn("accept failed: {}", ec.message());
    accept_retry_timer_.expires_after(kAcceptRetryDelay);
    accept_retry_timer_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !stopping_) DoAccept();
    });
    return;
  }
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (!ec) {
    std::string address = PeerAddress(peer);
    auto acquired = limiter_.TryAcquire(address);
    if (auto* why = std::get_if<ConnectionLimiter::Refusal>(&acquired)) {
      Refuse(socket, address, *why);
    } else {
      auto& slot = std::get<ConnectionLimiter::Slot>(acquired);
      std::shared_ptr<SessionBase> session;
      {
        std::lock_guard lock(mu_);
        const std::uint64_t id = next_session_id_++;
        if (ssl_) {
          session = std::make_shared<Session<true>>(*this, id, std::move(socket),
                                                    std::move(address), std::move(slot));
        } else {
          session = std::make_shared<Session<false>>(*this, id, std::move(socket),
                                                     std::move(address), std::move(slot));
        }
        sessions_.emplace(id, session);
      }
      session->Start();
    }
  }
  DoAccept();
}

void ServerCore::Refuse(tcp::socket& socket,
                        const std::string& address,
                        ConnectionLimiter::Refusal why) {
  // Counted first, so that a client that sees the close also sees the count.
  const std::uint64_t refused = ++refused_;
  beast::error_code ec;
  if (!ssl_) {
    socket.non_blocking(true, ec);
    if (!ec) socket.send(asio::buffer(refusal_response_), 0, ec);
  }
  socket.close(ec);

  const auto now = std::chrono::steady_clock::now();
  if (last_refusal_log_ && now - *last_refusal_log_ < kRefusalLogInterval) return;
  spdlog::warn("refused {} connection(s) since the last report; latest from {}: {}",
               refused - refused_logged_, address,
               why == ConnectionLimiter::Refusal::kTotal
                   ? fmt::format("{} connections open (max_connections)", options_.max_connections)
                   : fmt::format("{} connections open from this address "
                                 "(max_connections_per_address)",
                                 options_.max_connections_per_address));
  refused_logged_ = refused;
  last_refusal_log_ = now;
}

void ServerCore::Stop() {
  if (stopping_.exchange(true)) return;
  asio::post(control_, [this] { DoStop(); });
}

void ServerCore::DoStop() {
  beast::error_code ec;
  acceptor_.close(ec);
  accept_retry_timer_.cancel();
  signals_.cancel(ec);
  signals_.clear(ec);

  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (const auto& session : live) session->RequestShutdown();
  live.clear();
  {
    std::lock_guard lock(mu_);
    if (sessions_.empty()) return;
  }
  drain_timer_.expires_after(options_.drain_timeout);
  drain_timer_.async_wait([this](beast::error_code wait_ec) {
    if (wait_ec) return;
    spdlog::warn("http server drain timeout: closing the remaining connections");
    io_context_.stop();
  });
}

void ServerCore::Unregister(std::uint64_t id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
  if (sessions_.empty() && stopping_ && !tearing_down_) {
    asio::post(control_, [this] { drain_timer_.cancel(); });
  }
}

Response ServerCore::CallHandler(Request& request) {
  try {
    return handler_(request);
  } catch (const ErrorException& e) {
    const Error& error = e.error();
    const int status = HttpStatus(error.code);
    const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
    return Problem(status, Slug(error.code), std::string_view(reason.data(), reason.size()),
                   error.message, request.request_id, error.field);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} threw: {} (request {})", MethodName(request.method),
                  request.path, e.what(), request.request_id);
  } catch (...) {
    spdlog::error("handler for {} {} threw a non-standard exception (request {})",
                  MethodName(request.method), request.path, request.request_id);
  }
  return Problem(500, Slug(Errc::kInternal), "Internal Server Error",
                 "the server failed to handle the request", request.request_id);
}

}  // namespace

class Server::Impl final : public ServerCore {
 public:
  using ServerCore::ServerCore;
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

std::uint16_t Server::port() const { return impl_->port(); }

std::size_t Server::open_connections() const { return impl_->open_connections(); }

std::uint64_t Server::refused_connections() const { return impl_->refused_connections(); }

void Server::Run() { impl_->Run(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace caduceus::http
