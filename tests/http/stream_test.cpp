// Streamed responses (Response::stream) on a live server on 127.0.0.1, read with a raw socket so
// that the chunked framing and the connection's end are seen byte for byte.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/http.h"
#include "http/server.h"

namespace caduceus::http {
namespace {

// Guards against a hung test; no assertion depends on it.
constexpr int kSocketTimeoutSeconds = 30;
constexpr auto kHangGuard = std::chrono::seconds(30);

// A source the test feeds; records when the server closes it.
class QueueSource final : public StreamSource {
 public:
  void Push(std::string data) {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(data));
  }
  void End() {
    std::lock_guard lock(mu_);
    ended_ = true;
  }
  Status Poll(std::string& out) override {
    std::lock_guard lock(mu_);
    if (closed_) throw std::logic_error("Poll after Close");
    if (!queue_.empty()) {
      out += queue_.front();
      queue_.pop_front();
      return Status::kData;
    }
    return ended_ ? Status::kEnd : Status::kPending;
  }
  void Close() override {
    std::lock_guard lock(mu_);
    ++close_calls_;
    closed_ = true;
    cv_.notify_all();
  }
  // Waits for Close(); false only when the hang guard expires.
  bool WaitClosed() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kHangGuard, [&] { return closed_; });
  }
  int close_calls() {
    std::lock_guard lock(mu_);
    return close_calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool ended_ = false;
  bool closed_ = false;
  int close_calls_ = 0;
};

class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    timeval tv{kSocketTimeoutSeconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
  }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void Send(const std::string& data) {
    if (::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) != static_cast<long>(data.size())) {
      throw std::runtime_error("send failed");
    }
  }
  void Close() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

  // The status line and header fields, lower-cased names joined as "name: value\n".
  std::string ReadHead() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) throw std::runtime_error("connection ended in the header");
    }
    std::string head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    std::string lowered;
    for (char c : head) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lowered;
  }

  // The data of the next chunk ("" for the last chunk); nullopt when the connection ends first.
  std::optional<std::string> ReadChunk() {
    std::size_t line_end;
    while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    const std::size_t size = std::stoul(buffer_.substr(0, line_end), nullptr, 16);
    while (buffer_.size() < line_end + 2 + size + 2) {
      if (!Fill()) return std::nullopt;
    }
    std::string data = buffer_.substr(line_end + 2, size);
    if (buffer_.compare(line_end + 2 + size, 2, "\r\n") != 0) {
      throw std::runtime_error("chunk not followed by CRLF");
    }
    buffer_.erase(0, line_end + 2 + size + 2);
    return data;
  }

  // Everything up to the end of the connection.
  std::string ReadToEnd() {
    while (Fill()) {
    }
    return std::exchange(buffer_, {});
  }

  // At least `n` bytes beyond the header.
  std::string ReadAtLeast(std::size_t n) {
    while (buffer_.size() < n) {
      if (!Fill()) break;
    }
    return buffer_;
  }

 private:
  bool Fill() {
    char chunk[4096];
    const long n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

ServerOptions TestOptions() {
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.handle_signals = false;
  return options;
}

// A server whose /stream route returns `source` as an event stream and whose other routes answer
// plainly; runs on a background thread until Stop().
class StreamServer {
 public:
  explicit StreamServer(std::shared_ptr<QueueSource> source)
      : server_(TestOptions(),
                [source](Request& request) {
                  if (request.path == "/stream") {
                    Response r = Response::Stream(200, source, "text/event-stream");
                    r.headers.Set("Cache-Control", "no-store");
                    r.headers.Set("Content-Length", "99");
                    return r;
                  }
                  return Response::Text(200, "plain");
                }),
        thread_([this] { server_.Run(); }) {}
  ~StreamServer() { Stop(); }

  std::uint16_t port() const { return server_.port(); }
  void Stop() {
    server_.Stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Server server_;
  std::thread thread_;
};

const std::string kStreamRequest = "GET /stream HTTP/1.1\r\nHost: test\r\n\r\n";

TEST(StreamResponseTest, ChunkedBodyCarriesWhatTheSourceYieldsUntilItEnds) {
  auto source = std::make_shared<QueueSource>();
  StreamServer server(source);
  RawClient client(server.port());
  client.Send(kStreamRequest);

  const std::string head = client.ReadHead();
  EXPECT_EQ(head.rfind("http/1.1 200", 0), 0u) << head;
  EXPECT_NE(head.find("transfer-encoding: chunked"), std::string::npos) << head;
  EXPECT_NE(head.find("content-type: text/event-stream"), std::string::npos) << head;
  EXPECT_NE(head.find("cache-control: no-store"), std::string::npos) << head;
  EXPECT_EQ(head.find("content-length"), std::string::npos) << head;

  // Each piece is pushed only after the previous one was read: the stream is live.
  source->Push("data: one\n\n");
  EXPECT_EQ(client.ReadChunk(), "data: one\n\n");
  source->Push("data: two\n\n");
  EXPECT_EQ(client.ReadChunk(), "data: two\n\n");
  source->End();
  EXPECT_EQ(client.ReadChunk(), "");  // the last chunk
  EXPECT_TRUE(source->WaitClosed());
  EXPECT_EQ(client.ReadToEnd(), "");  // then the server closes the connection
  EXPECT_EQ(source->close_calls(), 1);
}

TEST(StreamResponseTest, ClientDisconnectClosesTheSource) {
  auto source = std::make_shared<QueueSource>();
  StreamServer server(source);
  RawClient client(server.port());
  client.Send(kStreamRequest);
  client.ReadHead();
  source->Push("x");
  EXPECT_EQ(client.ReadChunk(), "x");
  client.Close();
  EXPECT_TRUE(source->WaitClosed());
  EXPECT_EQ(source->close_calls(), 1);
}

TEST(StreamResponseTest, ServerStopEndsOpenStreamsAndRunReturns) {
  auto source = std::make_shared<QueueSource>();
  StreamServer server(source);
  RawClient client(server.port());
  client.Send(kStreamRequest);
  client.ReadHead();
  source->Push("before stop");
  EXPECT_EQ(client.ReadChunk(), "before stop");

  server.Stop();  // returns only once Run() did: the open stream did not hold the shutdown
  EXPECT_TRUE(source->WaitClosed());
  EXPECT_EQ(client.ReadChunk(), "");
  EXPECT_EQ(client.ReadToEnd(), "");
}

TEST(StreamResponseTest, Http10StreamIsDelimitedByClosingTheConnection) {
  auto source = std::make_shared<QueueSource>();
  StreamServer server(source);
  RawClient client(server.port());
  client.Send("GET /stream HTTP/1.0\r\n\r\n");
  const std::string head = client.ReadHead();
  EXPECT_EQ(head.rfind("http/1.0 200", 0), 0u) << head;
  EXPECT_EQ(head.find("transfer-encoding"), std::string::npos) << head;
  EXPECT_EQ(head.find("content-length"), std::string::npos) << head;
  source->Push("abc");
  EXPECT_EQ(client.ReadAtLeast(3), "abc");
  source->Push("def");
  source->End();
  EXPECT_EQ(client.ReadToEnd(), "abcdef");
  EXPECT_TRUE(source->WaitClosed());
}

TEST(StreamResponseTest, HeadGetsTheHeaderOnlyAndClosesTheSource) {
  auto source = std::make_shared<QueueSource>();
  StreamServer server(source);
  RawClient client(server.port());
  client.Send("HEAD /stream HTTP/1.1\r\nHost: test\r\n\r\n");
  const std::string head = client.ReadHead();
  EXPECT_EQ(head.rfind("http/1.1 200", 0), 0u) << head;
  EXPECT_TRUE(source->WaitClosed());
  // The connection stays usable for a plain request.
  client.Send("GET /plain HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  const std::string rest = client.ReadToEnd();
  EXPECT_NE(rest.find("plain"), std::string::npos) << rest;
}

TEST(StreamResponseTest, LargeBurstArrivesComplete) {
  auto source = std::make_shared<QueueSource>();
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    std::string line = fmt::format("data: event {} {}\n\n", i, std::string(100, 'x'));
    expected += line;
    source->Push(std::move(line));
  }
  source->End();
  StreamServer server(source);
  RawClient client(server.port());
  client.Send(kStreamRequest);
  client.ReadHead();
  std::string received;
  while (auto chunk = client.ReadChunk()) {
    if (chunk->empty()) break;
    received += *chunk;
  }
  EXPECT_EQ(received, expected);
}

}  // namespace
}  // namespace caduceus::http
