// Delivery routes: the JSON routes in-process, and GET /alerts/stream through a live server on
// 127.0.0.1 read with a raw socket.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "advisories/events.h"
#include "api_fixture.h"
#include "http/server.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using identity::OrgKind;
using identity::Role;

constexpr std::string_view kPassword = "a long password for delivery tests";
constexpr int kSocketTimeoutSeconds = 20;
constexpr std::chrono::seconds kReadLimit{40};

// A raw HTTP/1.1 client reading a chunked event stream.
class StreamClient {
 public:
  explicit StreamClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{kSocketTimeoutSeconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~StreamClient() { ::close(fd_); }
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  void Send(const std::string& data) { ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  std::string ReadHead() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) throw std::runtime_error("no header");
    }
    std::string head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    return head;
  }
  // The body text (chunk framing removed) until it holds `needle`; what was read so far when the
  // connection ends first, or after kReadLimit (heartbeats would otherwise keep it reading).
  std::string ReadBodyUntil(std::string_view needle) {
    const auto give_up = std::chrono::steady_clock::now() + kReadLimit;
    while (body_.find(needle) == std::string::npos && std::chrono::steady_clock::now() < give_up) {
      if (!NextChunk()) break;
    }
    return body_;
  }
  // Whether the server ended the response (the last, empty chunk came).
  bool ended() const { return ended_; }

 private:
  bool NextChunk() {
    std::size_t line_end;
    while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    const std::size_t size = std::stoul(buffer_.substr(0, line_end), nullptr, 16);
    if (size == 0) {
      ended_ = true;
      return false;
    }
    while (buffer_.size() < line_end + 2 + size + 2) {
      if (!Fill()) return false;
    }
    body_ += buffer_.substr(line_end + 2, size);
    buffer_.erase(0, line_end + 2 + size + 2);
    return true;
  }
  bool Fill() {
    char chunk[4096];
    const long n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  std::string body_;
  bool ended_ = false;
};

class DeliveryRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, centre_id_, "FR");
    charite_ = Org("Charite", OrgKind::kProvider, de_, {}, "hospital", "large");
    aphp_ = Org("AP-HP", OrgKind::kProvider, fr_, {}, "hospital", "large");
    User("canalyst", charite_, Role::kAnalyst);
    User("cviewer", charite_, Role::kViewer);
    User("aphp", aphp_, Role::kAnalyst);
    User("bsi", de_, Role::kAnalyst);
  }

  std::int64_t Org(const std::string& name,
                   OrgKind kind,
                   std::int64_t parent,
                   std::optional<std::string> country,
                   std::optional<std::string> type = {},
                   std::optional<std::string> size = {}) {
    auto o = ids_->CreateOrganisation(Actor::System(), {name, kind, parent, country, type, size});
    if (!o) throw std::runtime_error(o.error().message);
    return o->id;
  }

  void User(const std::string& name, std::int64_t org, Role role) {
    identity::NewUser u;
    u.username = name;
    u.display_name = name;
    u.organisation_id = org;
    u.role = role;
    u.password = std::string(kPassword);
    if (auto r = ids_->CreateUser(Actor::System(), u); !r) {
      throw std::runtime_error(r.error().message);
    }
  }

  Browser Login(const std::string& name) { return LogIn(name, kPassword); }

  http::Response Post(const Browser& b, const std::string& target, const json::value& body) {
    return Send(As(b, Method::kPost, target, json::serialize(body)));
  }

  std::int64_t AlertCreated(std::int64_t org, std::int64_t parent, const std::string& title) {
    advisories::NewEvent e;
    e.org_id = org;
    e.org_parent_id = parent;
    e.kind = "alert.created";
    e.alert_id = 42;
    e.advisory_id = 5;
    e.severity = "high";
    e.payload = json::serialize(json::object{{"alert_id", 42}, {"title", title}});
    return db_->Transact(
        [&](storage::Tx& tx) { return advisories::AppendEvent(tx, e, clock_.Now()); });
  }

  // The API served on 127.0.0.1 (a port the system picks) with the delivery reader running,
  // until destroyed.
  class LiveHub {
   public:
    explicit LiveHub(DeliveryRoutesTest& test)
        : test_(test),
          server_(Options(), [&test](http::Request& r) { return test.api_->Handle(r); }) {
      runner_ = std::thread([this] { server_.Run(); });
      test_.delivery_->Start();
    }
    ~LiveHub() {
      test_.delivery_->Stop();
      server_.Stop();
      runner_.join();
    }
    LiveHub(const LiveHub&) = delete;
    LiveHub& operator=(const LiveHub&) = delete;
    std::uint16_t port() const { return server_.port(); }

   private:
    static http::ServerOptions Options() {
      http::ServerOptions options;
      options.address = "127.0.0.1";
      options.port = 0;
      options.handle_signals = false;
      return options;
    }

    DeliveryRoutesTest& test_;
    http::Server server_;
    std::thread runner_;
  };

  std::int64_t de_ = 0;
  std::int64_t fr_ = 0;
  std::int64_t charite_ = 0;
  std::int64_t aphp_ = 0;
};

TEST_P(DeliveryRoutesTest, StreamDeliversAnAppendedAlertOverServerSentEvents) {
  const Browser analyst = Login("canalyst");
  const Browser other = Login("aphp");
  LiveHub hub(*this);

  StreamClient client(hub.port());
  client.Send(fmt::format(
      "GET /api/v1/alerts/stream HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n"
      "Cookie: caduceus_session={}\r\n\r\n",
      analyst.cookie));
  const std::string head = client.ReadHead();
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_NE(client.ReadBodyUntil(": connected\n\n").find("retry: 3000"), std::string::npos);

  StreamClient outsider(hub.port());
  outsider.Send(fmt::format(
      "GET /api/v1/alerts/stream HTTP/1.1\r\nHost: test\r\nCookie: caduceus_session={}\r\n\r\n",
      other.cookie));
  outsider.ReadHead();
  outsider.ReadBodyUntil(": connected\n\n");

  AlertCreated(aphp_, fr_, "Not for Charite");
  const std::int64_t id = AlertCreated(charite_, de_, "Pump firmware");
  const std::string body = client.ReadBodyUntil("\n\n" + std::string("id: ") + std::to_string(id));
  const std::string frame_end = client.ReadBodyUntil("Pump firmware\"");
  EXPECT_NE(frame_end.find(fmt::format("id: {}\nevent: alert.created\ndata: {{", id)),
            std::string::npos)
      << frame_end;
  EXPECT_EQ(frame_end.find("Not for Charite"), std::string::npos);
  EXPECT_NE(outsider.ReadBodyUntil("Not for Charite").find("Not for Charite"), std::string::npos);

  // Resuming with Last-Event-ID replays what came after it.
  StreamClient resumed(hub.port());
  resumed.Send(
      fmt::format("GET /api/v1/alerts/stream HTTP/1.1\r\nHost: test\r\nLast-Event-ID: {}\r\n"
                  "Cookie: caduceus_session={}\r\n\r\n",
                  id - 2, analyst.cookie));
  resumed.ReadHead();
  EXPECT_NE(resumed.ReadBodyUntil("Pump firmware").find("Pump firmware"), std::string::npos);
}

// A stream re-checks its credentials (every 5 s): logging out elsewhere ends it, while a stream
// whose session still holds goes on.
TEST_P(DeliveryRoutesTest, StreamEndsWhenItsSessionIsLoggedOut) {
  const Browser analyst = Login("canalyst");
  const Browser other = Login("aphp");
  LiveHub hub(*this);
  const auto open = [&](StreamClient& client, const Browser& b) {
    client.Send(fmt::format(
        "GET /api/v1/alerts/stream HTTP/1.1\r\nHost: test\r\nCookie: caduceus_session={}\r\n\r\n",
        b.cookie));
    client.ReadHead();
    client.ReadBodyUntil(": connected\n\n");
  };
  StreamClient client(hub.port());
  open(client, analyst);
  StreamClient still(hub.port());
  open(still, other);

  ids_->Logout(analyst.cookie);
  client.ReadBodyUntil("the stream ends first");
  EXPECT_TRUE(client.ended());

  AlertCreated(aphp_, fr_, "Still listening");
  EXPECT_NE(still.ReadBodyUntil("Still listening").find("Still listening"), std::string::npos);
  EXPECT_FALSE(still.ended());
}

TEST_P(DeliveryRoutesTest, StreamNeedsAuthenticationAndAValidLastEventId) {
  const Browser analyst = Login("canalyst");
  EXPECT_EQ(Send(Make(Method::kGet, "/api/v1/alerts/stream")).status, 401);
  auto bad = As(analyst, Method::kGet, "/api/v1/alerts/stream");
  bad.headers.Add("Last-Event-ID", "abc");
  EXPECT_EQ(Send(bad).status, 400);
  const auto ok = Send(As(analyst, Method::kGet, "/api/v1/alerts/stream"));
  EXPECT_EQ(ok.status, 200);
  ASSERT_TRUE(ok.stream);
  ok.stream->Close();
}

TEST_P(DeliveryRoutesTest, InboxListsAndMarksRead) {
  const Browser analyst = Login("canalyst");
  AlertCreated(charite_, de_, "First");
  AlertCreated(charite_, de_, "Second");
  delivery_->RunOnce();
  auto list = Send(As(analyst, Method::kGet, "/api/v1/inbox?unread=true"));
  ASSERT_EQ(list.status, 200) << list.body;
  auto json = Json(list);
  EXPECT_EQ(json.at("unread").as_int64(), 2);
  const auto& items = json.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("title").as_string(), "Second");
  EXPECT_EQ(items[0].at("data").at("title").as_string(), "Second");
  const std::int64_t first = items[1].at("id").as_int64();

  auto marked = Post(analyst, "/api/v1/inbox/read", json::object{{"ids", json::array{first}}});
  ASSERT_EQ(marked.status, 200) << marked.body;
  EXPECT_EQ(Json(marked).at("marked").as_int64(), 1);
  EXPECT_EQ(Json(Send(As(analyst, Method::kGet, "/api/v1/inbox"))).at("unread").as_int64(), 1);
  EXPECT_EQ(Post(analyst, "/api/v1/inbox/read", json::object{}).status, 400);
  EXPECT_EQ(Post(analyst, "/api/v1/inbox/read", json::object{{"all", true}}).status, 200);
  EXPECT_EQ(Json(Send(As(analyst, Method::kGet, "/api/v1/inbox"))).at("unread").as_int64(), 0);
  EXPECT_EQ(Send(As(analyst, Method::kGet, "/api/v1/inbox?limit=0")).status, 400);
}

TEST_P(DeliveryRoutesTest, SubscriptionsAreCreatedListedAndDeleted) {
  const Browser analyst = Login("canalyst");
  const Browser viewer = Login("cviewer");
  auto created =
      Post(analyst, "/api/v1/subscriptions",
           json::object{{"kind", "vendor"}, {"value", "Philips"}, {"min_severity", "high"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::int64_t id = Json(created).at("id").as_int64();
  EXPECT_EQ(LastAudit().action, "subscription.create");
  EXPECT_EQ(Post(analyst, "/api/v1/subscriptions", json::object{{"kind", "colour"}, {"value", "x"}})
                .status,
            400);
  EXPECT_EQ(
      Post(analyst, "/api/v1/subscriptions", json::object{{"kind", "kev"}, {"unknown", 1}}).status,
      400);
  EXPECT_EQ(Post(viewer, "/api/v1/subscriptions", json::object{{"kind", "kev"}}).status, 403);
  const auto list = Json(Send(As(viewer, Method::kGet, "/api/v1/subscriptions")));
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  EXPECT_EQ(list.at("items").as_array()[0].at("value").as_string(), "Philips");

  const Browser other = Login("aphp");
  EXPECT_EQ(Send(As(other, Method::kDelete, "/api/v1/subscriptions/" + std::to_string(id))).status,
            404);
  EXPECT_EQ(
      Send(As(analyst, Method::kDelete, "/api/v1/subscriptions/" + std::to_string(id))).status,
      204);
}

TEST_P(DeliveryRoutesTest, WebhookSecretIsShownOnceAndPingIsLogged) {
  const Browser analyst = Login("canalyst");
  // Nothing listens on this loopback port: the ping fails and the log says so.
  auto created = Post(analyst, "/api/v1/webhooks",
                      json::object{{"url", "http://127.0.0.1:9/hook"}, {"description", "SOC"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const auto hook = Json(created);
  EXPECT_EQ(std::string(hook.at("secret").as_string()).rfind("whsec_", 0), 0u);
  const std::string path = "/api/v1/webhooks/" + std::to_string(hook.at("id").as_int64());

  const auto list = Json(Send(As(analyst, Method::kGet, "/api/v1/webhooks")));
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  EXPECT_FALSE(list.at("items").as_array()[0].as_object().contains("secret"));

  auto ping = Send(As(analyst, Method::kPost, path + "/ping"));
  ASSERT_EQ(ping.status, 200) << ping.body;
  EXPECT_EQ(Json(ping).at("status").as_string(), "failed");
  EXPECT_EQ(Json(ping).at("kind").as_string(), "ping");
  const auto log = Json(Send(As(analyst, Method::kGet, path + "/deliveries")));
  EXPECT_EQ(log.at("items").as_array().size(), 1u);

  auto patched =
      Send(As(analyst, Method::kPatch, path,
              json::serialize(json::object{{"enabled", false}, {"min_severity", "critical"}})));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_FALSE(Json(patched).at("enabled").as_bool());
  EXPECT_EQ(Json(patched).at("min_severity").as_string(), "critical");
  EXPECT_EQ(Post(analyst, "/api/v1/webhooks", json::object{{"url", "ftp://x/"}}).status, 400);

  const Browser other = Login("aphp");
  EXPECT_EQ(Send(As(other, Method::kGet, path + "/deliveries")).status, 404);
  EXPECT_EQ(Send(As(other, Method::kDelete, path)).status, 404);
  EXPECT_EQ(Send(As(analyst, Method::kDelete, path)).status, 204);
}

TEST_P(DeliveryRoutesTest, EmailRecipientsAreManagedByStaff) {
  const Browser analyst = Login("canalyst");
  const Browser viewer = Login("cviewer");
  auto created = Post(analyst, "/api/v1/email-recipients",
                      json::object{{"address", "soc@charite.test"}, {"digest", false}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_FALSE(Json(created).at("digest").as_bool());
  EXPECT_EQ(Post(analyst, "/api/v1/email-recipients", json::object{{"address", "bad"}}).status,
            400);
  EXPECT_EQ(Post(analyst, "/api/v1/email-recipients", json::object{{"address", "soc@charite.test"}})
                .status,
            409);
  EXPECT_EQ(Send(As(viewer, Method::kGet, "/api/v1/email-recipients")).status, 403);
  const auto list = Json(Send(As(analyst, Method::kGet, "/api/v1/email-recipients")));
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  EXPECT_EQ(
      Send(As(analyst, Method::kDelete,
              "/api/v1/email-recipients/" + std::to_string(Json(created).at("id").as_int64())))
          .status,
      204);
}

CADUCEUS_API_TEST_BACKENDS(DeliveryRoutesTest);

}  // namespace
}  // namespace caduceus::api
