// The live server on 127.0.0.1 with an ephemeral port, driven by a raw-socket client (and an
// OpenSSL client for TLS) so that malformed and oversized requests can be sent byte for byte.
#include "http/server.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/error.h"

namespace caduceus::http {
namespace {

namespace fs = std::filesystem;

// Guards against a hung test; no assertion depends on it.
constexpr int kSocketTimeoutSeconds = 30;

struct HttpReply {
  int status = 0;
  std::string reason;
  Headers headers;
  std::string body;
};

// A blocking HTTP/1.1 client over one TCP (optionally TLS) connection.
class Client {
 public:
  explicit Client(std::uint16_t port, SSL_CTX* tls = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    timeval tv{kSocketTimeoutSeconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
    if (tls != nullptr) {
      ssl_ = SSL_new(tls);
      SSL_set_fd(ssl_, fd_);
      SSL_set1_host(ssl_, "localhost");
      if (SSL_connect(ssl_) != 1) {
        SSL_free(ssl_);
        ::close(fd_);
        throw std::runtime_error("TLS handshake failed");
      }
    }
  }
  ~Client() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void Send(std::string_view data) {
    while (!data.empty()) {
      const long n = ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                     : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Reads one response; nullopt when the connection ends first. `head` marks the answer to a
  // HEAD request, which has no body whatever its Content-Length says.
  std::optional<HttpReply> Read(bool head = false) {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    HttpReply reply;
    const std::string head_text = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    std::size_t line_end = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0) return std::nullopt;
    reply.status = std::stoi(status_line.substr(9, 3));
    reply.reason = status_line.size() > 13 ? status_line.substr(13) : "";
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head_text.find("\r\n", start);
      const std::string line = head_text.substr(start, line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      reply.headers.Add(line.substr(0, colon), value);
    }
    std::size_t length = 0;
    if (const auto cl = reply.headers.Get("Content-Length"); cl && !head) {
      length = std::stoul(std::string(*cl));
    }
    while (buffer_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    reply.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return reply;
  }

  // True when the peer closes (or resets) the connection before sending anything more; false
  // when the hang guard's receive timeout ends the wait.
  bool ClosedByPeer() { return buffer_.empty() && !Fill() && !timed_out_ && buffer_.empty(); }

 private:
  bool Fill() {
    char chunk[4096];
    errno = 0;
    const long n =
        ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk) : ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      timed_out_ = errno == EAGAIN || errno == EWOULDBLOCK;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string buffer_;
  bool timed_out_ = false;
};

bool ConnectionRefused(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(fd);
  return rc != 0 && err == ECONNREFUSED;
}

// Polls `condition` until it holds or a generous deadline passes; the deadline only guards
// against a hang.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string Get(std::string_view target, std::string_view extra_headers = {}) {
  return fmt::format("GET {} HTTP/1.1\r\nHost: test\r\n{}\r\n", target, extra_headers);
}

ServerOptions TestOptions() {
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.max_header_bytes = 4096;
  options.max_body_bytes = 1024;
  options.handle_signals = false;
  return options;
}

// Runs a server on a background thread; stops and joins it on destruction.
class LiveServer {
 public:
  LiveServer(ServerOptions options, Handler handler)
      : server_(std::move(options), std::move(handler)), thread_([this] { server_.Run(); }) {}
  ~LiveServer() {
    server_.Stop();
    Join();
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return server_.port(); }
  Server& server() { return server_; }

 private:
  Server server_;
  std::thread thread_;
};

Response EchoHandler(Request& request) {
  if (request.path == "/throw") throw std::runtime_error("boom with secret detail");
  if (request.path == "/throw-error") throw ErrorException(Error::NotFound("no such thing"));
  if (request.path == "/whoami") {
    return Response::Text(
        200, fmt::format("tls={} remote={}", request.tls ? 1 : 0, request.remote_address));
  }
  if (request.path == "/bad-header") {
    Response r = Response::Text(200, "ok");
    r.headers.Add("X-Evil", "a\r\nInjected: 1");
    r.headers.Add("Bad Name", "x");
    r.headers.Add("Content-Length", "999");
    r.headers.Add("X-Fine", "yes");
    return r;
  }
  std::string query;
  for (const auto& [k, v] : request.query) query += k + "=" + v + ";";
  return Response::Text(200, fmt::format("{} {} q={} body={} rid={}", MethodName(request.method),
                                         request.path, query, request.body, request.request_id));
}

TEST(ServerTest, PortIsKnownRightAfterConstruction) {
  Server server(TestOptions(), EchoHandler);
  EXPECT_NE(server.port(), 0);
  EXPECT_FALSE(ConnectionRefused(server.port()));  // listening before Run()
}

TEST(ServerTest, StopBeforeRunMakesRunReturn) {
  Server server(TestOptions(), EchoHandler);
  server.Stop();
  server.Run();
  EXPECT_TRUE(ConnectionRefused(server.port()));
}

TEST(ServerTest, ConstructorThrowsForUnusableAddressOrPort) {
  ServerOptions bad = TestOptions();
  bad.address = "not-an-ip";
  EXPECT_THROW(Server(bad, EchoHandler), std::runtime_error);
  Server first(TestOptions(), EchoHandler);
  ServerOptions taken = TestOptions();
  taken.port = first.port();
  EXPECT_THROW(Server(taken, EchoHandler), std::runtime_error);
}

TEST(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send(Get("/a?x=1&y=two+words"));
  const auto first = client.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body.substr(0, 26), "GET /a q=x=1;y=two words; ");
  EXPECT_FALSE(first->headers.Get("Connection").has_value());
  EXPECT_EQ(first->headers.Get("Server"), "caduceus");
  EXPECT_TRUE(first->headers.Get("Date").has_value());
  EXPECT_EQ(first->headers.Get("Content-Length"), std::to_string(first->body.size()));

  client.Send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  const auto second = client.Read();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body.substr(0, 24), "POST /b q= body=hello ri");
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send(Get("/one") + Get("/two"));
  EXPECT_EQ(client.Read()->body.substr(0, 8), "GET /one");
  EXPECT_EQ(client.Read()->body.substr(0, 8), "GET /two");
}

TEST(ServerTest, ConnectionCloseIsHonoured) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send(Get("/x", "Connection: close\r\n"));
  const auto reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->headers.Get("Connection"), "close");
  EXPECT_TRUE(client.ClosedByPeer());
}

void ExpectProblem(const std::optional<HttpReply>& reply, int status) {
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, status);
  EXPECT_EQ(reply->headers.Get("Content-Type"), "application/problem+json");
  const auto body = boost::json::parse(reply->body).as_object();
  EXPECT_EQ(body.at("status").as_int64(), status);
  const auto rid = reply->headers.Get("X-Request-ID");
  ASSERT_TRUE(rid.has_value());
  EXPECT_EQ(body.at("instance").as_string(), "urn:caduceus:request:" + std::string(*rid));
}

TEST(ServerTest, BodyOverLimitGets413AndTheConnectionCloses) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" +
              std::string(100, 'a'));
  const auto reply = client.Read();
  ExpectProblem(reply, 413);
  EXPECT_EQ(reply->headers.Get("Connection"), "close");
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST(ServerTest, ChunkedBodyOverLimitGets413) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" +
              std::string(1024, 'a') + "\r\n10\r\n" + std::string(16, 'b') + "\r\n0\r\n\r\n");
  ExpectProblem(client.Read(), 413);
}

TEST(ServerTest, BodyAtTheLimitIsAccepted) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" +
              std::string(1024, 'a'));
  EXPECT_EQ(client.Read()->status, 200);
}

TEST(ServerTest, HeaderOverLimitGets431AndTheConnectionCloses) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send(Get("/x", "X-Big: " + std::string(8000, 'a') + "\r\n"));
  ExpectProblem(client.Read(), 431);
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST(ServerTest, GarbageBytesGet400) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send(std::string("\x01\x02garbage \xFF\r\n\r\n"));
  ExpectProblem(client.Read(), 400);
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST(ServerTest, RejectedTargetsAndMissingHostGet400) {
  LiveServer live(TestOptions(), EchoHandler);
  for (const std::string& request :
       std::vector<std::string>{Get("/a/../b"), Get("/%2e%2e/etc/passwd"), Get("/a%00"),
                                Get("http://evil/x"), std::string("GET /x HTTP/1.1\r\n\r\n"),
                                std::string("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")}) {
    Client client(live.port());
    client.Send(request);
    ExpectProblem(client.Read(), 400);
  }
  Client http10(live.port());
  http10.Send("GET /ok HTTP/1.0\r\n\r\n");
  EXPECT_EQ(http10.Read()->status, 200);
}

// A proxy in front of the hub assigns request ids; the server keeps a sane one it sends.
TEST(ServerTest, SaneRequestIdOfATrustedProxyIsEchoedOtherwiseOneIsGenerated) {
  ServerOptions options = TestOptions();
  options.trusted_proxies = {"192.0.2.1", "127.0.0.1"};
  LiveServer live(options, EchoHandler);
  Client client(live.port());
  client.Send(Get("/x", "X-Request-ID: abc.DEF_12-3\r\n"));
  const auto echoed = client.Read();
  EXPECT_EQ(echoed->headers.Get("X-Request-ID"), "abc.DEF_12-3");
  EXPECT_NE(echoed->body.find("rid=abc.DEF_12-3"), std::string::npos);

  std::vector<std::string> generated;
  for (const std::string& bad :
       std::vector<std::string>{"X-Request-ID: has space\r\n", "X-Request-ID: a/b\r\n",
                                "X-Request-ID: " + std::string(65, 'a') + "\r\n", ""}) {
    client.Send(Get("/x", bad));
    const auto reply = client.Read();
    const std::string rid(reply->headers.Get("X-Request-ID").value_or(""));
    EXPECT_FALSE(rid.empty());
    EXPECT_LE(rid.size(), 64u);
    EXPECT_EQ(
        rid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"),
        std::string::npos);
    EXPECT_NE(reply->body.find("rid=" + rid), std::string::npos);
    generated.push_back(rid);
  }
  EXPECT_NE(generated[0], generated[1]);
  client.Send(Get("/x", "X-Request-ID: " + std::string(64, 'a') + "\r\n"));
  EXPECT_EQ(client.Read()->headers.Get("X-Request-ID"), std::string(64, 'a'));
}

// Any other client cannot choose the id its requests are logged and audited under.
TEST(ServerTest, RequestIdOfAnUntrustedClientIsReplaced) {
  for (const std::vector<std::string>& trusted :
       {std::vector<std::string>{}, std::vector<std::string>{"192.0.2.1"}}) {
    ServerOptions options = TestOptions();
    options.trusted_proxies = trusted;
    LiveServer live(options, EchoHandler);
    Client client(live.port());
    client.Send(Get("/x", "X-Request-ID: chosen-by-client\r\n"));
    const auto reply = client.Read();
    const std::string rid(reply->headers.Get("X-Request-ID").value_or(""));
    EXPECT_FALSE(rid.empty());
    EXPECT_NE(rid, "chosen-by-client");
    EXPECT_NE(reply->body.find("rid=" + rid), std::string::npos);
    EXPECT_EQ(reply->body.find("chosen-by-client"), std::string::npos);
  }
}

TEST(ServerTest, HandlerExceptionGives500ProblemAndKeepsTheConnection) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send(Get("/throw"));
  const auto reply = client.Read();
  ExpectProblem(reply, 500);
  const std::string rid(reply->headers.Get("X-Request-ID").value_or(""));
  EXPECT_FALSE(rid.empty());
  EXPECT_NE(reply->body.find("urn:caduceus:request:" + rid), std::string::npos) << reply->body;
  EXPECT_EQ(reply->body.find("secret"), std::string::npos);
  client.Send(Get("/after"));
  EXPECT_EQ(client.Read()->status, 200);
}

TEST(ServerTest, ThrownErrorMapsToItsStatus) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send(Get("/throw-error"));
  const auto reply = client.Read();
  ExpectProblem(reply, 404);
  const auto body = boost::json::parse(reply->body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:caduceus:problem:not-found");
  EXPECT_EQ(body.at("detail").as_string(), "no such thing");
}

TEST(ServerTest, HeadSendsLengthWithoutBody) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send("HEAD /x HTTP/1.1\r\nHost: t\r\nX-Request-ID: same\r\n\r\n");
  const auto head = client.Read(/*head=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  client.Send(Get("/x", "X-Request-ID: same\r\n"));
  const auto get = client.Read();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->body.substr(0, 3), "GET");
  EXPECT_EQ(head->headers.Get("Content-Length"),
            std::to_string(get->body.size() + 1));  // "HEAD" is one byte longer than "GET"
}

TEST(ServerTest, ExpectContinueGets100BeforeTheBody) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send("PUT /c HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  const auto interim = client.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  client.Send("data");
  const auto reply = client.Read();
  EXPECT_EQ(reply->status, 200);
  EXPECT_NE(reply->body.find("body=data"), std::string::npos);
}

TEST(ServerTest, InvalidAndServerManagedResponseHeadersAreDropped) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send(Get("/bad-header"));
  const auto reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "ok");
  EXPECT_FALSE(reply->headers.Get("X-Evil").has_value());
  EXPECT_FALSE(reply->headers.Get("Injected").has_value());
  EXPECT_EQ(reply->headers.Get("Content-Length"), "2");
  EXPECT_EQ(reply->headers.Get("X-Fine"), "yes");
}

TEST(ServerTest, IdleConnectionIsClosedAfterReadTimeout) {
  ServerOptions options = TestOptions();
  options.read_timeout = std::chrono::seconds(1);
  LiveServer live(options, EchoHandler);
  Client client(live.port());
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST(ServerTest, GracefulShutdownFinishesInFlightRequestAndRefusesNewConnections) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ServerOptions options = TestOptions();
  LiveServer live(options, [&](Request& request) {
    if (request.path == "/slow") {
      entered.set_value();
      released.wait();
      return Response::Text(200, "slow done");
    }
    return EchoHandler(request);
  });

  Client idle(live.port());
  idle.Send(Get("/warm"));
  ASSERT_EQ(idle.Read()->status, 200);

  Client busy(live.port());
  busy.Send(Get("/slow"));
  entered.get_future().wait();

  live.server().Stop();
  EXPECT_TRUE(idle.ClosedByPeer());  // the idle keep-alive connection is closed, and the
  // acceptor, closed on the server's own threads, soon refuses new connections
  EXPECT_TRUE(Eventually([&] { return ConnectionRefused(live.port()); }));

  release.set_value();
  const auto reply = busy.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "slow done");
  EXPECT_EQ(reply->headers.Get("Connection"), "close");
  EXPECT_TRUE(busy.ClosedByPeer());
  live.Join();
}

TEST(ServerTest, DrainTimeoutCutsConnectionsThatNeverFinishTheirRequest) {
  ServerOptions options = TestOptions();
  options.drain_timeout = std::chrono::seconds(1);
  // Far beyond any test timeout: only the drain timeout can end the partial request.
  options.read_timeout = std::chrono::seconds(3600);
  LiveServer live(options, EchoHandler);
  Client client(live.port());
  // One write: once /y is answered, the server holds the start of the next request.
  client.Send(Get("/y") + "GET /x HTTP/1.1\r\nHost:");
  ASSERT_EQ(client.Read()->status, 200);

  live.server().Stop();
  live.Join();
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST(ServerTest, SigtermStopsTheServer) {
  ServerOptions options = TestOptions();
  options.handle_signals = true;
  LiveServer live(options, EchoHandler);
  {
    Client client(live.port());  // a served request proves Run() installed the handler
    client.Send(Get("/x"));
    ASSERT_EQ(client.Read()->status, 200);
  }
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  live.Join();
  EXPECT_TRUE(ConnectionRefused(live.port()));
}

// A self-signed P-256 certificate for CN=localhost in a temporary directory.
class TlsFiles {
 public:
  TlsFiles() {
    char pattern[] = "/tmp/caduceus-tls-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    FILE* f = std::fopen(cert_path().c_str(), "w");
    PEM_write_X509(f, cert);
    std::fclose(f);
    f = std::fopen(key_path().c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~TlsFiles() { fs::remove_all(dir_); }
  std::string cert_path() const { return (dir_ / "cert.pem").string(); }
  std::string key_path() const { return (dir_ / "key.pem").string(); }

 private:
  fs::path dir_;
};

TEST(ServerTest, TlsRoundTripMarksRequestsAsTls) {
  TlsFiles files;
  ServerOptions options = TestOptions();
  options.tls = TlsOptions{files.cert_path(), files.key_path()};
  LiveServer live(options, EchoHandler);

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_EQ(SSL_CTX_load_verify_locations(ctx, files.cert_path().c_str(), nullptr), 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  {
    Client client(live.port(), ctx);
    client.Send(Get("/whoami"));
    const auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "tls=1 remote=127.0.0.1");
    client.Send(Get("/whoami", "Connection: close\r\n"));
    EXPECT_EQ(client.Read()->status, 200);
    EXPECT_TRUE(client.ClosedByPeer());
  }
  SSL_CTX_free(ctx);

  Client plain(live.port());  // plaintext HTTP on the TLS port gets no HTTP answer
  plain.Send(Get("/whoami"));
  EXPECT_FALSE(plain.Read().has_value());
}

TEST(ServerTest, PlainServerReportsNoTls) {
  LiveServer live(TestOptions(), EchoHandler);
  Client client(live.port());
  client.Send(Get("/whoami"));
  EXPECT_EQ(client.Read()->body, "tls=0 remote=127.0.0.1");
}

TEST(ServerTest, ConstructorThrowsForMissingOrMismatchedTlsFiles) {
  TlsFiles files;
  TlsFiles other;
  ServerOptions missing = TestOptions();
  missing.tls = TlsOptions{files.cert_path() + ".nope", files.key_path()};
  EXPECT_THROW(Server(missing, EchoHandler), std::runtime_error);
  ServerOptions mismatched = TestOptions();
  mismatched.tls = TlsOptions{files.cert_path(), other.key_path()};
  EXPECT_THROW(Server(mismatched, EchoHandler), std::runtime_error);
}

// The answer a connection refused at a cap gets before the server closes it.
void ExpectRefused(Client& client) {
  const auto reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(reply->headers.Get("Connection"), "close");
  EXPECT_EQ(reply->headers.Get("Retry-After"), "1");
  EXPECT_EQ(reply->headers.Get("Content-Type"), "application/problem+json");
  const auto body = boost::json::parse(reply->body).as_object();
  EXPECT_EQ(body.at("status").as_int64(), 503);
  EXPECT_TRUE(client.ClosedByPeer());
}

void ExpectServed(Client& client, std::string_view target) {
  client.Send(Get(target));
  const auto reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
}

TEST(ServerTest, ConnectionsBeyondMaxConnectionsAreRefusedUntilOneCloses) {
  ServerOptions options = TestOptions();
  options.max_connections = 3;
  LiveServer live(options, EchoHandler);
  Server& server = live.server();

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<Client>(live.port()));
  ASSERT_TRUE(Eventually([&] { return server.open_connections() == 3; }));

  Client fourth(live.port());
  ExpectRefused(fourth);
  EXPECT_EQ(server.refused_connections(), 1U);
  EXPECT_EQ(server.open_connections(), 3U);
  for (auto& client : clients) ExpectServed(*client, "/still-open");

  clients.pop_back();
  ASSERT_TRUE(Eventually([&] { return server.open_connections() == 2; }));
  clients.push_back(std::make_unique<Client>(live.port()));
  ExpectServed(*clients.back(), "/after-a-slot-was-freed");
  EXPECT_EQ(server.open_connections(), 3U);
  EXPECT_EQ(server.refused_connections(), 1U);

  clients.clear();
  EXPECT_TRUE(Eventually([&] { return server.open_connections() == 0; }));
}

TEST(ServerTest, ConnectionsBeyondThePerAddressCapAreRefusedAndCountsEndAtZeroAfterStop) {
  ServerOptions options = TestOptions();
  options.max_connections = 10;
  options.max_connections_per_address = 2;
  LiveServer live(options, EchoHandler);
  Server& server = live.server();

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 2; ++i) clients.push_back(std::make_unique<Client>(live.port()));
  ASSERT_TRUE(Eventually([&] { return server.open_connections() == 2; }));

  Client third(live.port());
  ExpectRefused(third);
  EXPECT_EQ(server.refused_connections(), 1U);
  EXPECT_EQ(server.open_connections(), 2U);

  clients.erase(clients.begin());
  ASSERT_TRUE(Eventually([&] { return server.open_connections() == 1; }));
  clients.push_back(std::make_unique<Client>(live.port()));
  ExpectServed(*clients.back(), "/after-a-slot-was-freed");
  EXPECT_EQ(server.open_connections(), 2U);

  server.Stop();
  live.Join();
  EXPECT_EQ(server.open_connections(), 0U);
  for (auto& client : clients) EXPECT_TRUE(client->ClosedByPeer());
}

TEST(ServerTest, DrainTimeoutFreesTheSlotsOfTheConnectionsItCuts) {
  ServerOptions options = TestOptions();
  options.drain_timeout = std::chrono::seconds(1);
  options.read_timeout = std::chrono::seconds(3600);
  LiveServer live(options, EchoHandler);
  Client client(live.port());
  client.Send(Get("/y") + "GET /x HTTP/1.1\r\nHost:");
  ASSERT_EQ(client.Read()->status, 200);
  EXPECT_EQ(live.server().open_connections(), 1U);

  live.server().Stop();
  live.Join();
  EXPECT_EQ(live.server().open_connections(), 0U);
}

TEST(ServerTest, ReadTimeoutFreesTheSlot) {
  ServerOptions options = TestOptions();
  options.max_connections = 1;
  options.read_timeout = std::chrono::seconds(1);
  LiveServer live(options, EchoHandler);
  Client idle(live.port());
  EXPECT_TRUE(idle.ClosedByPeer());
  ASSERT_TRUE(Eventually([&] { return live.server().open_connections() == 0; }));
  Client next(live.port());
  ExpectServed(next, "/after-timeout");
}

TEST(ServerTest, FailedTlsHandshakeFreesTheSlotAndTlsRefusalsGetNoPlaintext) {
  TlsFiles files;
  ServerOptions options = TestOptions();
  options.tls = TlsOptions{files.cert_path(), files.key_path()};
  options.max_connections = 1;
  LiveServer live(options, EchoHandler);
  Server& server = live.server();

  {
    Client plain(live.port());
    plain.Send("this is not a TLS ClientHello\r\n\r\n");
    EXPECT_FALSE(plain.Read().has_value());
  }
  ASSERT_TRUE(Eventually([&] { return server.open_connections() == 0; }));

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_EQ(SSL_CTX_load_verify_locations(ctx, files.cert_path().c_str(), nullptr), 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  {
    Client tls(live.port(), ctx);
    ExpectServed(tls, "/after-a-failed-handshake");
    EXPECT_EQ(server.open_connections(), 1U);

    Client refused(live.port());
    EXPECT_TRUE(refused.ClosedByPeer());
    EXPECT_EQ(server.refused_connections(), 1U);
  }
  SSL_CTX_free(ctx);
  EXPECT_TRUE(Eventually([&] { return server.open_connections() == 0; }));
}

TEST(ServerTest, ConstructorThrowsForZeroConnectionCaps) {
  ServerOptions no_total = TestOptions();
  no_total.max_connections = 0;
  EXPECT_THROW(Server(no_total, EchoHandler), std::invalid_argument);
  ServerOptions no_per_address = TestOptions();
  no_per_address.max_connections_per_address = 0;
  EXPECT_THROW(Server(no_per_address, EchoHandler), std::invalid_argument);
}

}  // namespace
}  // namespace caduceus::http
