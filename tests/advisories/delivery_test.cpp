// DeliveryService on both backends: fan-out of the event log to inboxes and live streams,
// subscriptions, signed webhooks to a local receiver, e-mail to a local SMTP sink, digests,
// retries. Events are appended with AppendEvent as the alert engine does.
#include "advisories/delivery.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <arpa/inet.h>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "advisories/alerts.h"
#include "advisories/events.h"
#include "advisories/service.h"
#include "client/addresses.h"
#include "client/http_client.h"
#include "core/clock.h"
#include "core/random.h"
#include "identity/crypto.h"
#include "identity/model.h"
#include "identity/service.h"
#include "storage/database.h"
#include "support/test_db.h"

namespace caduceus::advisories {
namespace {

using identity::OrgKind;
using identity::Principal;
using identity::Role;
using testing::Backend;
using testing::ScratchDatabase;

constexpr int kSocketTimeoutSeconds = 20;

// A TCP server on 127.0.0.1 that serves each connection with `serve` on its own thread, one at a
// time. The socket times out so that a broken exchange cannot hang a test.
class LocalServer {
 public:
  explicit LocalServer(std::function<void(int)> serve) : serve_(std::move(serve)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0) {
      throw std::runtime_error("cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        if (stopping_) {
          ::close(client);
          return;
        }
        timeval tv{kSocketTimeoutSeconds, 0};
        ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        serve_(client);
        ::close(client);
      }
    });
  }
  ~LocalServer() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  std::function<void(int)> serve_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// One accepted connection, upgraded to TLS once `ssl` is set.
struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;
  long Read(char* out, std::size_t n) const {
    return ssl != nullptr ? SSL_read(ssl, out, static_cast<int>(n)) : ::recv(fd, out, n, 0);
  }
};

void SendAll(const Conn& c, const std::string& data) {
  if (c.ssl != nullptr) {
    SSL_write(c.ssl, data.data(), static_cast<int>(data.size()));
  } else {
    ::send(c.fd, data.data(), data.size(), MSG_NOSIGNAL);
  }
}

// Reads up to and including `delimiter`; empty on EOF.
std::string ReadUntil(const Conn& c, std::string& buffer, std::string_view delimiter) {
  while (buffer.find(delimiter) == std::string::npos) {
    char chunk[4096];
    const long n = c.Read(chunk, sizeof chunk);
    if (n <= 0) return {};
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  const auto end = buffer.find(delimiter) + delimiter.size();
  std::string out = buffer.substr(0, end);
  buffer.erase(0, end);
  return out;
}

std::string Base64Decode(const std::string& text) {
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return {};
  out.resize(static_cast<std::size_t>(n));
  while (!text.empty() && text.back() == '=' && !out.empty() && out.back() == '\0') {
    out.pop_back();
    break;
  }
  return out;
}

struct ReceivedMail {
  bool tls = false;  // the message came after STARTTLS
  std::string auth;  // decoded AUTH PLAIN token
  std::string from;
  std::string to;
  std::string data;  // after un-dot-stuffing, without the final ".\r\n"
};

// A self-signed P-256 certificate for CN=localhost in a temporary directory.
class TlsFiles {
 public:
  TlsFiles() {
    char pattern[] = "/tmp/caduceus-smtp-tls-XXXXXX";
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
  ~TlsFiles() { std::filesystem::remove_all(dir_); }
  std::string cert_path() const { return (dir_ / "cert.pem").string(); }
  std::string key_path() const { return (dir_ / "key.pem").string(); }

 private:
  std::filesystem::path dir_;
};

// A minimal SMTP server: EHLO with AUTH PLAIN, STARTTLS when given a certificate, MAIL, RCPT,
// DATA, QUIT. `reject_rcpt` answers RCPT with 550.
class SmtpSink {
 public:
  explicit SmtpSink(const TlsFiles* tls = nullptr) : server_([this](int fd) { Serve(fd); }) {
    if (tls != nullptr) {
      ctx_ = SSL_CTX_new(TLS_server_method());
      SSL_CTX_use_certificate_file(ctx_, tls->cert_path().c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, tls->key_path().c_str(), SSL_FILETYPE_PEM);
    }
  }
  ~SmtpSink() {
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const { return server_.port(); }
  std::vector<ReceivedMail> mails() {
    std::lock_guard lock(mu_);
    return mails_;
  }
  void set_reject_rcpt(bool reject) { reject_rcpt_ = reject; }

 private:
  void Serve(int socket) {
    Conn c{socket, nullptr};
    Session(c);
    if (c.ssl != nullptr) SSL_free(c.ssl);
  }

  void Session(Conn& fd) {
    std::string buffer;
    ReceivedMail mail;
    SendAll(fd, "220 sink.test ESMTP\r\n");
    while (true) {
      const std::string line = ReadUntil(fd, buffer, "\r\n");
      if (line.empty()) return;
      const std::string command = line.substr(0, line.size() - 2);
      if (command.rfind("EHLO ", 0) == 0) {
        SendAll(fd, std::string("250-sink.test\r\n250-8BITMIME\r\n") +
                        (ctx_ != nullptr && fd.ssl == nullptr ? "250-STARTTLS\r\n" : "") +
                        "250 AUTH PLAIN LOGIN\r\n");
      } else if (command == "STARTTLS" && ctx_ != nullptr && fd.ssl == nullptr) {
        SendAll(fd, "220 ready\r\n");
        fd.ssl = SSL_new(ctx_);
        SSL_set_fd(fd.ssl, fd.fd);
        if (SSL_accept(fd.ssl) != 1) return;
        buffer.clear();
        mail.tls = true;
      } else if (command.rfind("AUTH PLAIN ", 0) == 0) {
        mail.auth = Base64Decode(command.substr(11));
        SendAll(fd, "235 ok\r\n");
      } else if (command.rfind("MAIL FROM:", 0) == 0) {
        mail.from = command.substr(10);
        SendAll(fd, "250 ok\r\n");
      } else if (command.rfind("RCPT TO:", 0) == 0) {
        if (reject_rcpt_) {
          SendAll(fd, "550 no such user\r\n");
          continue;
        }
        mail.to = command.substr(8);
        SendAll(fd, "250 ok\r\n");
      } else if (command == "DATA") {
        SendAll(fd, "354 go ahead\r\n");
        std::string data = ReadUntil(fd, buffer, "\r\n.\r\n");
        data.resize(data.size() - 3);
        std::string unstuffed;
        std::size_t pos = 0;
        while (pos < data.size()) {
          auto end = data.find("\r\n", pos);
          end = end == std::string::npos ? data.size() : end + 2;
          std::string_view l(data.data() + pos, end - pos);
          if (l.rfind("..", 0) == 0) l.remove_prefix(1);
          unstuffed.append(l);
          pos = end;
        }
        mail.data = unstuffed;
        {
          std::lock_guard lock(mu_);
          mails_.push_back(mail);
        }
        SendAll(fd, "250 queued\r\n");
      } else if (command == "QUIT") {
        SendAll(fd, "221 bye\r\n");
        return;
      } else {
        SendAll(fd, "502 unknown\r\n");
      }
    }
  }

  std::mutex mu_;
  std::vector<ReceivedMail> mails_;
  std::atomic<bool> reject_rcpt_{false};
  SSL_CTX* ctx_ = nullptr;
  LocalServer server_;
};

struct ReceivedPost {
  std::string head;
  std::string body;
  std::string Header(std::string_view name) const {
    const std::string needle = "\r\n" + std::string(name) + ": ";
    const auto at = head.find(needle);
    if (at == std::string::npos) return {};
    const auto start = at + needle.size();
    return head.substr(start, head.find("\r\n", start) - start);
  }
};

// Answers every POST with `status` and records it.
class WebhookReceiver {
 public:
  WebhookReceiver() : server_([this](int fd) { Serve(fd); }) {}
  std::uint16_t port() const { return server_.port(); }
  std::string url() const { return fmt::format("http://127.0.0.1:{}/hook", port()); }
  std::vector<ReceivedPost> posts() {
    std::lock_guard lock(mu_);
    return posts_;
  }
  void set_status(int status) { status_ = status; }

 private:
  void Serve(int socket) {
    const Conn fd{socket, nullptr};
    std::string buffer;
    ReceivedPost post;
    post.head = ReadUntil(fd, buffer, "\r\n\r\n");
    if (post.head.empty()) return;
    std::size_t length = 0;
    for (const std::string name : {"Content-Length: ", "content-length: "}) {
      const auto at = post.head.find(name);
      if (at != std::string::npos) length = std::stoul(post.head.substr(at + name.size()));
    }
    while (buffer.size() < length) {
      char chunk[4096];
      const long n = fd.Read(chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    post.body = buffer.substr(0, length);
    {
      std::lock_guard lock(mu_);
      posts_.push_back(post);
    }
    SendAll(fd, fmt::format("HTTP/1.1 {} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            status_.load()));
  }

  std::mutex mu_;
  std::vector<ReceivedPost> posts_;
  std::atomic<int> status_{200};
  LocalServer server_;
};

// What a receiver computes to check a delivery, independently of the hub's code.
std::string ExpectedSignature(const std::string& secret,
                              const std::string& timestamp,
                              const std::string& body) {
  const std::string message = timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", mac[i]);
  return "v1=" + hex;
}

Principal Member(std::int64_t user,
                 std::int64_t org,
                 OrgKind kind,
                 std::optional<std::int64_t> parent,
                 Role role = Role::kAnalyst) {
  Principal p;
  p.user_id = user;
  p.username = fmt::format("user{}", user);
  p.organisation_id = org;
  p.org_kind = kind;
  p.org_parent_id = parent;
  p.role = role;
  return p;
}

// The organisation tree: support centre 1; authorities 2 (DE) and 3 (FR); providers 10, 11
// under 2 and 20 under 3.
constexpr std::int64_t kCentre = 1;
constexpr std::int64_t kBsi = 2;
constexpr std::int64_t kAnssi = 3;
constexpr std::int64_t kCharite = 10;
constexpr std::int64_t kLabor = 11;
constexpr std::int64_t kAphp = 20;

class DeliveryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    InitCrypto();
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    auto db = storage::Database::Open(scratch_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    storage::ApplyMigrations(*db_, "identity", identity::IdentityService::Migrations());
    storage::ApplyMigrations(*db_, "advisories", AdvisoryService::Migrations());
    storage::ApplyMigrations(*db_, "advisories_inventory", AlertService::InventoryMigrations());
    storage::ApplyMigrations(*db_, "advisories_alerts", AlertService::Migrations());
    storage::ApplyMigrations(*db_, "advisories_delivery", DeliveryService::Migrations());
    identity::IdentityOptions options;
    options.password_hash = {1, 8 * 1024 * 1024};
    options.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options);
  }

  DeliveryService& Service(bool allow_private = true,
                           SmtpOptions smtp = {},
                           std::string ca_file = {}) {
    DeliveryOptions options;
    options.ca_file = std::move(ca_file);
    options.secret_key = identity::SecretBox::GenerateKey();
    options.allow_private_addresses = allow_private;
    options.poll_interval = std::chrono::milliseconds(10);
    options.hub_url = "https://hub.test";
    options.smtp = std::move(smtp);
    svc_ = std::make_unique<DeliveryService>(*db_, clock_, *ids_, std::move(options));
    return *svc_;
  }

  SmtpOptions Smtp(std::uint16_t port) {
    SmtpOptions smtp;
    smtp.host = "127.0.0.1";
    smtp.port = port;
    smtp.from = "alerts@hub.test";
    smtp.username = "hub";
    smtp.password = "s3cret";
    smtp.timeout = std::chrono::seconds(kSocketTimeoutSeconds);
    return smtp;
  }

  std::int64_t Append(std::int64_t org,
                      std::int64_t parent,
                      std::string kind,
                      std::string severity,
                      boost::json::object payload,
                      std::int64_t alert_id = 7,
                      std::int64_t advisory_id = 3) {
    NewEvent e;
    e.org_id = org;
    e.org_parent_id = parent;
    e.kind = std::move(kind);
    e.alert_id = org == 0 ? 0 : alert_id;
    e.advisory_id = advisory_id;
    e.severity = std::move(severity);
    e.payload = boost::json::serialize(payload);
    return db_->Transact([&](storage::Tx& tx) { return AppendEvent(tx, e, clock_.Now()); });
  }

  std::int64_t AlertCreated(std::int64_t org,
                            std::int64_t parent,
                            std::string severity = "high",
                            std::string title = "Infusion pump firmware flaw",
                            std::int64_t advisory_id = 3) {
    return Append(org, parent, "alert.created", severity,
                  {{"alert_id", 7},
                   {"advisory_key", "cisa:icsma-24-1"},
                   {"title", title},
                   {"severity", severity},
                   {"assets", 3},
                   {"cves", boost::json::array{"CVE-2024-0001"}}},
                  7, advisory_id);
  }

  // The organisation tree above, as rows.
  void Organisations() {
    for (const auto& [id, name, kind, parent] :
         {std::tuple{kCentre, "Centre", "support_centre", std::int64_t{0}},
          std::tuple{kBsi, "BSI", "authority", kCentre},
          std::tuple{kAnssi, "ANSSI", "authority", kCentre},
          std::tuple{kCharite, "Charite", "provider", kBsi},
          std::tuple{kLabor, "Labor", "provider", kBsi},
          std::tuple{kAphp, "AP-HP", "provider", kAnssi}}) {
      db_->Query(
          "INSERT INTO organisations (id, name, kind, parent_id, created_at) VALUES (?, ?, ?, ?, "
          "0)",
          {storage::Int(id), storage::Text(name), storage::Text(kind),
           parent == 0 ? storage::Null() : storage::Int(parent)});
    }
  }

  // An advisory of TLP `tlp` held by BSI.
  void Advisory(std::int64_t id, std::string_view tlp) {
    db_->Query(
        "INSERT INTO adv_advisories (id, key, publisher_name, publisher_namespace, tracking_id, "
        "title, category, tlp, current_version, revision, initial_release_us, "
        "current_release_us, severity, cve_count, product_count, source, created_at_us, "
        "updated_at_us, holder_org_id) VALUES (?, ?, 'BSI', 'https://bsi', ?, 'IntelliVue', "
        "'csaf_security_advisory', ?, '1', 1, 0, 0, 'high', 1, 1, 'upload', 0, 0, ?)",
        {storage::Int(id), storage::Text(fmt::format("k{}", id)),
         storage::Text(fmt::format("BSI-{}", id)), storage::Text(std::string(tlp)),
         storage::Int(kBsi)});
  }

  std::int64_t Published(std::string title,
                         boost::json::array vendors,
                         bool kev,
                         std::string severity = "high") {
    return Append(0, 0, "advisory.published", severity,
                  {{"advisory_id", 3},
                   {"advisory_key", "cisa:x"},
                   {"title", title},
                   {"severity", severity},
                   {"vendors", vendors},
                   {"products", boost::json::array{"IntelliVue MX40"}},
                   {"cves", boost::json::array{"CVE-2024-1234"}},
                   {"kev", kev}});
  }

  static std::vector<std::int64_t> Ids(const std::vector<LiveEvent>& events) {
    std::vector<std::int64_t> out;
    for (const auto& e : events) out.push_back(e.id);
    return out;
  }

  ManualClock clock_{FromUnixMillis(1'790'000'000'000)};  // 2026-09-21, mid-morning UTC
  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<DeliveryService> svc_;

  const Principal charite_ = Member(100, kCharite, OrgKind::kProvider, kBsi);
  const Principal charite_viewer_ = Member(101, kCharite, OrgKind::kProvider, kBsi, Role::kViewer);
  const Principal labor_ = Member(110, kLabor, OrgKind::kProvider, kBsi);
  const Principal aphp_ = Member(200, kAphp, OrgKind::kProvider, kAnssi);
  const Principal bsi_ = Member(20, kBsi, OrgKind::kAuthority, kCentre);
  const Principal anssi_ = Member(30, kAnssi, OrgKind::kAuthority, kCentre);
  const Principal centre_ = Member(1, kCentre, OrgKind::kSupportCentre, std::nullopt);
};

TEST_P(DeliveryTest, AlertEventLandsInTheProviderInboxOnceAndNowhereElse) {
  auto& svc = Service();
  AlertCreated(kCharite, kBsi);
  const DeliveryPass pass = svc.RunOnce();
  EXPECT_EQ(pass.events, 1u);
  EXPECT_EQ(pass.notifications, 1u);
  EXPECT_EQ(svc.RunOnce().notifications, 0u);  // the cursor moved on: no duplicate

  auto inbox = svc.Inbox(charite_, {});
  ASSERT_TRUE(inbox) << inbox.error().message;
  ASSERT_EQ(inbox->items.size(), 1u);
  EXPECT_EQ(inbox->unread, 1);
  EXPECT_EQ(inbox->items[0].kind, "alert.created");
  EXPECT_EQ(inbox->items[0].title, "Infusion pump firmware flaw");
  EXPECT_EQ(inbox->items[0].severity, "high");
  EXPECT_FALSE(inbox->items[0].read);

  EXPECT_TRUE(svc.Inbox(labor_, {})->items.empty());
  EXPECT_TRUE(svc.Inbox(bsi_, {})->items.empty());  // the authority watches via alerts/streams
}

TEST_P(DeliveryTest, OverdueAlertAlsoReachesTheAuthorityInbox) {
  auto& svc = Service();
  Append(kCharite, kBsi, "alert.overdue", "critical",
         {{"alert_id", 7}, {"which", "acknowledge"}, {"due", "2026-09-20T00:00:00Z"}});
  svc.RunOnce();
  ASSERT_EQ(svc.Inbox(bsi_, {})->items.size(), 1u);
  EXPECT_EQ(svc.Inbox(charite_, {})->items.size(), 1u);
  EXPECT_TRUE(svc.Inbox(anssi_, {})->items.empty());
}

TEST_P(DeliveryTest, ReadMarkersArePerUser) {
  auto& svc = Service();
  AlertCreated(kCharite, kBsi);
  AlertCreated(kCharite, kBsi, "critical", "Second");
  svc.RunOnce();
  const auto items = svc.Inbox(charite_, {})->items;
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].title, "Second");  // newest first

  const std::vector<std::int64_t> first{items[1].id};
  EXPECT_EQ(*svc.MarkRead(charite_, first, false), 1);
  EXPECT_EQ(*svc.MarkRead(charite_, first, false), 0);  // already read
  EXPECT_EQ(svc.Inbox(charite_, {})->unread, 1);
  EXPECT_EQ(svc.Inbox(charite_viewer_, {})->unread, 2);

  InboxQuery unread;
  unread.unread_only = true;
  const auto page = svc.Inbox(charite_, unread);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].title, "Second");

  // Another organisation's entry cannot be marked.
  EXPECT_EQ(*svc.MarkRead(labor_, std::vector<std::int64_t>{items[0].id}, false), 0);
  EXPECT_EQ(*svc.MarkRead(charite_viewer_, {}, true), 2);
  EXPECT_EQ(svc.Inbox(charite_viewer_, {})->unread, 0);
}

TEST_P(DeliveryTest, LiveStreamsShowOnlyEventsThePrincipalMayRead) {
  auto& svc = Service();
  auto charite = svc.OpenStream(charite_, std::nullopt);
  auto labor = svc.OpenStream(labor_, std::nullopt);
  auto bsi = svc.OpenStream(bsi_, std::nullopt);
  auto anssi = svc.OpenStream(anssi_, std::nullopt);
  auto centre = svc.OpenStream(centre_, std::nullopt);
  ASSERT_TRUE(charite && labor && bsi && anssi && centre);

  const std::int64_t id = AlertCreated(kCharite, kBsi);
  svc.RunOnce();
  const auto seen = (*charite)->Take(10);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].id, id);
  EXPECT_EQ(seen[0].kind, "alert.created");
  const auto envelope = boost::json::parse(seen[0].envelope).as_object();
  EXPECT_EQ(envelope.at("org_id").as_int64(), kCharite);
  EXPECT_EQ(envelope.at("data").at("title").as_string(), "Infusion pump firmware flaw");

  EXPECT_EQ(Ids((*bsi)->Take(10)), std::vector<std::int64_t>{id});
  EXPECT_EQ(Ids((*centre)->Take(10)), std::vector<std::int64_t>{id});
  EXPECT_TRUE((*labor)->Take(10).empty());
  EXPECT_TRUE((*anssi)->Take(10).empty());
}

TEST_P(DeliveryTest, StreamResumesAfterLastEventId) {
  auto& svc = Service();
  const std::int64_t first = AlertCreated(kCharite, kBsi);
  const std::int64_t other = AlertCreated(kLabor, kBsi);
  const std::int64_t second = AlertCreated(kCharite, kBsi, "low");
  svc.RunOnce();
  auto resumed = svc.OpenStream(charite_, first);
  ASSERT_TRUE(resumed);
  EXPECT_EQ(Ids((*resumed)->Take(10)), std::vector<std::int64_t>{second});

  // Without Last-Event-ID a stream starts at the present.
  auto fresh = svc.OpenStream(charite_, std::nullopt);
  EXPECT_TRUE((*fresh)->Take(10).empty());
  const std::int64_t third = AlertCreated(kCharite, kBsi);
  svc.RunOnce();
  EXPECT_EQ(Ids((*fresh)->Take(10)), std::vector<std::int64_t>{third});
  EXPECT_EQ(Ids((*resumed)->Take(10)), std::vector<std::int64_t>{third});
  EXPECT_GT(other, first);
}

TEST_P(DeliveryTest, ALiveStreamDoesNotWaitForTheFanOutBacklog) {
  auto& svc = Service();
  // A bulk import left more events than one pass reads, none fanned out to inboxes yet.
  constexpr int kBacklog = 600;
  for (int i = 0; i < kBacklog; ++i) AlertCreated(kLabor, kBsi);
  auto stream = svc.OpenStream(charite_, std::nullopt);
  ASSERT_TRUE(stream);
  const std::int64_t fresh = AlertCreated(kCharite, kBsi);

  svc.RunOnce();
  EXPECT_EQ(Ids((*stream)->Take(10)), std::vector<std::int64_t>{fresh});

  // The fan-out still works through the backlog, in order, and ends with the new event.
  for (int pass = 0; pass < 10 && svc.RunOnce().events > 0; ++pass) {
  }
  EXPECT_EQ(db_->QueryOne("SELECT COUNT(*) FROM adv_notifications")->Int(0), kBacklog + 1);
  EXPECT_EQ(db_->QueryOne("SELECT last_event_id FROM adv_delivery_state WHERE id = 1")->Int(0),
            fresh);
  EXPECT_TRUE((*stream)->Take(10).empty());
}

TEST_P(DeliveryTest, SubscriptionsSelectPublishedAdvisories) {
  auto& svc = Service();
  auto vendor = svc.Subscribe(labor_, {"vendor", "Philips", ""});
  ASSERT_TRUE(vendor) << vendor.error().message;
  ASSERT_TRUE(svc.Subscribe(aphp_, {"keyword", "insulin", ""}));
  ASSERT_TRUE(svc.Subscribe(bsi_, {"kev", "", ""}));
  ASSERT_TRUE(svc.Subscribe(charite_, {"vendor", "Philips", "critical"}));
  auto labor_stream = svc.OpenStream(labor_, std::nullopt);
  auto aphp_stream = svc.OpenStream(aphp_, std::nullopt);

  const std::int64_t id =
      Published("IntelliVue patient monitors", {"Koninklijke Philips N.V."}, false, "high");
  svc.RunOnce();
  const auto inbox = svc.Inbox(labor_, {})->items;
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].event_id, id);
  EXPECT_EQ(inbox[0].subscription_id, vendor->id);
  EXPECT_TRUE(svc.Inbox(aphp_, {})->items.empty());     // keyword absent
  EXPECT_TRUE(svc.Inbox(bsi_, {})->items.empty());      // not in KEV
  EXPECT_TRUE(svc.Inbox(charite_, {})->items.empty());  // below its min_severity
  EXPECT_EQ(Ids((*labor_stream)->Take(10)), std::vector<std::int64_t>{id});
  EXPECT_TRUE((*aphp_stream)->Take(10).empty());

  Published("Insulin pump ransomware", {"Medtronic"}, true, "critical");
  svc.RunOnce();
  EXPECT_EQ(svc.Inbox(aphp_, {})->items.size(), 1u);
  EXPECT_EQ(svc.Inbox(bsi_, {})->items.size(), 1u);
  EXPECT_EQ(svc.Inbox(labor_, {})->items.size(), 1u);
}

TEST_P(DeliveryTest, NoChannelCarriesAnAdvisoryTheReceivingOrganisationMayNotSee) {
  Organisations();
  Advisory(3, "AMBER");  // which the events name
  auto& svc = Service();
  ASSERT_TRUE(svc.Subscribe(labor_, {"vendor", "Philips", ""}));
  ASSERT_TRUE(svc.Subscribe(aphp_, {"vendor", "Philips", ""}));
  // Nothing listens there and no SMTP server is configured: both wait, for a retry or a sender.
  ASSERT_TRUE(svc.CreateWebhook(labor_, {"http://127.0.0.1:9/hook", "", ""}));
  ASSERT_TRUE(svc.AddEmailRecipient(labor_, {"soc@labor.example", "", true}));
  ASSERT_TRUE(svc.AddEmailRecipient(aphp_, {"soc@aphp.example", "", true}));
  auto labor_stream = svc.OpenStream(labor_, std::nullopt);
  auto aphp_stream = svc.OpenStream(aphp_, std::nullopt);
  auto anssi_stream = svc.OpenStream(anssi_, std::nullopt);
  ASSERT_TRUE(labor_stream && aphp_stream && anssi_stream);

  const std::int64_t published = Published("IntelliVue patient monitors", {"Philips"}, false);
  AlertCreated(kAphp, kAnssi);
  svc.RunOnce();
  ASSERT_EQ(svc.Inbox(labor_, {})->items.size(), 1u);
  EXPECT_EQ(Ids((*labor_stream)->Take(10)), std::vector<std::int64_t>{published});
  EXPECT_TRUE(svc.Inbox(aphp_, {})->items.empty());
  EXPECT_TRUE((*aphp_stream)->Take(10).empty());
  EXPECT_TRUE((*anssi_stream)->Take(10).empty());
  for (const char* table : {"adv_notifications", "adv_email_outbox", "adv_deliveries"}) {
    EXPECT_EQ(db_->QueryOne(fmt::format("SELECT COUNT(*) FROM {} WHERE org_id = ?", table),
                            {storage::Int(kAphp)})
                  ->Int(0),
              0)
        << table;
  }
  EXPECT_EQ(db_->QueryOne("SELECT status FROM adv_deliveries")->Text(0), "pending");
  EXPECT_EQ(db_->QueryOne("SELECT status FROM adv_email_outbox")->Text(0), "pending");

  // The advisory becomes RED: what the inbox held about it is no longer shown, nor replayed.
  db_->Query("UPDATE adv_advisories SET tlp = 'RED' WHERE id = 3");
  const auto inbox = svc.Inbox(labor_, {});
  EXPECT_TRUE(inbox->items.empty());
  EXPECT_EQ(inbox->unread, 0);
  auto replay = svc.OpenStream(labor_, 0);
  ASSERT_TRUE(replay);
  EXPECT_TRUE((*replay)->Take(10).empty());
  // What waited to be sent is not sent.
  svc.RunOnce();
  for (const char* table : {"adv_deliveries", "adv_email_outbox"}) {
    const auto row = db_->QueryOne(fmt::format("SELECT status, last_error FROM {}", table));
    EXPECT_EQ(row->Text(0), "failed") << table;
    EXPECT_NE(row->Text(1).find("TLP"), std::string::npos) << table;
  }
}

TEST_P(DeliveryTest, SubscriptionInputIsValidatedAndScopedToTheOrganisation) {
  auto& svc = Service();
  EXPECT_EQ(svc.Subscribe(labor_, {"colour", "red", ""}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(svc.Subscribe(labor_, {"severity", "urgent", ""}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(svc.Subscribe(labor_, {"vendor", "", ""}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(svc.Subscribe(labor_, {"vendor", "Philips", "huge"}).error().code,
            Errc::kInvalidArgument);
  const Principal viewer = Member(111, kLabor, OrgKind::kProvider, kBsi, Role::kViewer);
  EXPECT_EQ(svc.Subscribe(viewer, {"kev", "", ""}).error().code, Errc::kPermissionDenied);
  auto s = svc.Subscribe(labor_, {"severity", "high", ""});
  ASSERT_TRUE(s);
  EXPECT_EQ(svc.Subscribe(labor_, {"severity", "high", ""}).error().code, Errc::kConflict);
  EXPECT_EQ(svc.Unsubscribe(charite_, s->id).error().code, Errc::kNotFound);
  EXPECT_EQ(svc.Subscriptions(labor_)->size(), 1u);
  EXPECT_TRUE(svc.Unsubscribe(labor_, s->id));
  EXPECT_TRUE(svc.Subscriptions(labor_)->empty());
}

TEST_P(DeliveryTest, WebhookGetsSignedEventAndTheLogRecordsIt) {
  WebhookReceiver receiver;
  auto& svc = Service();
  auto hook = svc.CreateWebhook(charite_, {receiver.url(), "SOC", "medium"});
  ASSERT_TRUE(hook) << hook.error().message;
  EXPECT_EQ(hook->secret.rfind("whsec_", 0), 0u);

  // The secret is encrypted at rest.
  const auto stored = db_->QueryOne("SELECT secret FROM adv_webhooks WHERE id = ?",
                                    {storage::Int(hook->webhook.id)});
  EXPECT_EQ(stored->Text(0).rfind("box:", 0), 0u);
  EXPECT_EQ(stored->Text(0).find(hook->secret), std::string::npos);

  const std::int64_t id = AlertCreated(kCharite, kBsi);
  AlertCreated(kCharite, kBsi, "low", "below the webhook's minimum");
  EXPECT_EQ(svc.RunOnce().webhook_attempts, 1u);
  const auto posts = receiver.posts();
  ASSERT_EQ(posts.size(), 1u);
  const auto& post = posts[0];
  const std::string timestamp = post.Header("X-Caduceus-Timestamp");
  EXPECT_EQ(timestamp, std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                          clock_.Now().time_since_epoch())
                                          .count()));
  EXPECT_EQ(post.Header("X-Caduceus-Signature"),
            ExpectedSignature(hook->secret, timestamp, post.body));
  EXPECT_NE(post.Header("X-Caduceus-Signature"),
            ExpectedSignature("whsec_wrong", timestamp, post.body));
  EXPECT_EQ(post.Header("X-Caduceus-Event"), "alert.created");
  const auto body = boost::json::parse(post.body).as_object();
  EXPECT_EQ(body.at("id").as_int64(), id);
  EXPECT_EQ(body.at("data").at("advisory_key").as_string(), "cisa:icsma-24-1");

  auto log = svc.WebhookDeliveries(charite_, hook->webhook.id, 10);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].status, "delivered");
  EXPECT_EQ((*log)[0].http_status, 200);
  EXPECT_EQ((*log)[0].attempts, 1);
  EXPECT_EQ(svc.RunOnce().webhook_attempts, 0u);
  EXPECT_EQ(svc.WebhookDeliveries(labor_, hook->webhook.id, 10).error().code, Errc::kNotFound);
}

TEST_P(DeliveryTest, FailedWebhookIsRetriedWithExponentialBackoff) {
  WebhookReceiver receiver;
  receiver.set_status(503);
  auto& svc = Service();
  auto hook = svc.CreateWebhook(charite_, {receiver.url(), "", ""});
  ASSERT_TRUE(hook);
  AlertCreated(kCharite, kBsi);
  EXPECT_EQ(svc.RunOnce().webhook_attempts, 1u);
  auto log = *svc.WebhookDeliveries(charite_, hook->webhook.id, 10);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, "pending");
  EXPECT_EQ(log[0].http_status, 503);
  ASSERT_TRUE(log[0].next_attempt);
  EXPECT_EQ(*log[0].next_attempt - clock_.Now(), std::chrono::minutes(1));

  EXPECT_EQ(svc.RunOnce().webhook_attempts, 0u);  // not due yet
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(svc.RunOnce().webhook_attempts, 1u);
  log = *svc.WebhookDeliveries(charite_, hook->webhook.id, 10);
  EXPECT_EQ(log[0].attempts, 2);
  EXPECT_EQ(*log[0].next_attempt - clock_.Now(), std::chrono::minutes(2));

  receiver.set_status(204);
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_EQ(svc.RunOnce().webhook_attempts, 1u);
  log = *svc.WebhookDeliveries(charite_, hook->webhook.id, 10);
  EXPECT_EQ(log[0].status, "delivered");
  EXPECT_EQ(log[0].attempts, 3);
  EXPECT_EQ(receiver.posts().size(), 3u);
}

TEST(RetryDelayTest, DoublesFromOneMinuteAndStopsAtSixHours) {
  EXPECT_EQ(RetryDelay(1), std::chrono::minutes(1));
  EXPECT_EQ(RetryDelay(2), std::chrono::minutes(2));
  EXPECT_EQ(RetryDelay(5), std::chrono::minutes(16));
  EXPECT_EQ(RetryDelay(9), std::chrono::minutes(256));
  EXPECT_EQ(RetryDelay(10), std::chrono::hours(6));
  EXPECT_EQ(RetryDelay(kMaxAttempts), std::chrono::hours(6));
}

TEST(SmtpDotStuffTest, DoublesLeadingDotsAndEndsLinesWithCrlf) {
  EXPECT_EQ(SmtpDotStuff("a\n.b\n..c\r\nd."), "a\r\n..b\r\n...c\r\nd.\r\n");
  EXPECT_EQ(SmtpDotStuff(".\n"), "..\r\n");
}

TEST_P(DeliveryTest, WebhookTargetsOnPrivateAddressesAreRefused) {
  auto& svc = Service(/*allow_private=*/false);
  for (const std::string url : {"http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://[::1]/x",
                                "http://localhost/x", "http://192.168.0.1/x"}) {
    auto r = svc.CreateWebhook(charite_, {url, "", ""});
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << url;
    EXPECT_EQ(r.error().field, "url");
  }
  for (const std::string url : {"ftp://example.org/x", "https://user:pw@example.org/x",
                                "https://exa mple.org/", "/relative"}) {
    EXPECT_EQ(svc.CreateWebhook(charite_, {url, "", ""}).error().code, Errc::kInvalidArgument)
        << url;
  }
  EXPECT_EQ(svc.CreateWebhook(charite_viewer_, {"https://example.org/x", "", ""}).error().code,
            Errc::kPermissionDenied);
}

// The guard at connection time, which a DNS answer that changes after the check (rebinding)
// cannot get past: the client refuses to connect to what the name resolves to when it connects.
TEST(OutboundGuardTest, PublicOnlyRequestsNeverReachAPrivateAddress) {
  WebhookReceiver receiver;
  for (const std::string& url :
       {receiver.url(), fmt::format("http://localhost:{}/hook", receiver.port())}) {
    client::ClientRequest request{"POST", url, {}, "{}"};
    client::ClientOptions guarded;
    guarded.public_addresses_only = true;
    const auto refused = client::Send(request, guarded);
    ASSERT_FALSE(refused) << url;
    EXPECT_EQ(refused.error().code, Errc::kPermissionDenied) << url;
    EXPECT_TRUE(receiver.posts().empty()) << url;
  }
  const auto sent = client::Send({"POST", receiver.url(), {}, "{}"}, client::ClientOptions{});
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(receiver.posts().size(), 1u);
}

TEST(OutboundGuardTest, OnlyPublicAddressesArePublic) {
  const auto v4 = [](const char* text) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    EXPECT_EQ(inet_pton(AF_INET, text, &a.sin_addr), 1) << text;
    return client::IsPublicAddress(reinterpret_cast<const sockaddr&>(a));
  };
  const auto v6 = [](const char* text) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    EXPECT_EQ(inet_pton(AF_INET6, text, &a.sin6_addr), 1) << text;
    return client::IsPublicAddress(reinterpret_cast<const sockaddr&>(a));
  };
  for (const char* text :
       {"0.0.0.0", "10.1.2.3", "100.64.0.1", "127.0.0.1", "169.254.169.254", "172.16.0.1",
        "192.0.0.8", "192.168.1.1", "198.18.0.1", "224.0.0.1", "255.255.255.255"}) {
    EXPECT_FALSE(v4(text)) << text;
  }
  for (const char* text : {"8.8.8.8", "193.0.14.129", "172.32.0.1", "100.128.0.1"}) {
    EXPECT_TRUE(v4(text)) << text;
  }
  for (const char* text : {"::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "fc00::1",
                           "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1"}) {
    EXPECT_FALSE(v6(text)) << text;
  }
  for (const char* text : {"2001:4860:4860::8888", "::ffff:8.8.8.8"}) EXPECT_TRUE(v6(text)) << text;
}

TEST_P(DeliveryTest, PingSendsASignedPingAndLogsIt) {
  WebhookReceiver receiver;
  auto& svc = Service();
  auto hook = svc.CreateWebhook(charite_, {receiver.url(), "", ""});
  ASSERT_TRUE(hook);
  auto ping = svc.PingWebhook(charite_, hook->webhook.id);
  ASSERT_TRUE(ping) << ping.error().message;
  EXPECT_EQ(ping->status, "delivered");
  EXPECT_EQ(ping->kind, "ping");
  EXPECT_FALSE(ping->event_id);
  const auto posts = receiver.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].Header("X-Caduceus-Event"), "ping");
  EXPECT_EQ(
      posts[0].Header("X-Caduceus-Signature"),
      ExpectedSignature(hook->secret, posts[0].Header("X-Caduceus-Timestamp"), posts[0].body));

  receiver.set_status(500);
  EXPECT_EQ(svc.PingWebhook(charite_, hook->webhook.id)->status, "failed");
  EXPECT_EQ(svc.WebhookDeliveries(charite_, hook->webhook.id, 10)->size(), 2u);

  // A disabled webhook gets no events.
  WebhookPatch off;
  off.enabled = false;
  ASSERT_TRUE(svc.UpdateWebhook(charite_, hook->webhook.id, off));
  AlertCreated(kCharite, kBsi);
  EXPECT_EQ(svc.RunOnce().webhook_attempts, 0u);
  EXPECT_TRUE(svc.DeleteWebhook(charite_, hook->webhook.id));
  EXPECT_TRUE(svc.Webhooks(charite_)->empty());
}

TEST_P(DeliveryTest, MediumAndAboveAreMailedAtOnceThroughSmtp) {
  SmtpSink sink;
  auto& svc = Service(true, Smtp(sink.port()));
  ASSERT_TRUE(svc.AddEmailRecipient(charite_, {"soc@charite.test", "", true}));
  ASSERT_TRUE(svc.AddEmailRecipient(charite_, {"ciso@charite.test", "critical", true}));
  AlertCreated(kCharite, kBsi, "high", "Pompe à perfusion: faille critique");
  EXPECT_EQ(svc.RunOnce().emails_sent, 1u);
  const auto mails = sink.mails();
  ASSERT_EQ(mails.size(), 1u);
  const auto& m = mails[0];
  EXPECT_EQ(m.auth, std::string("\0hub\0s3cret", 11));
  EXPECT_EQ(m.from.rfind("<alerts@hub.test>", 0), 0u);
  EXPECT_EQ(m.to, "<soc@charite.test>");
  EXPECT_NE(m.data.find("\r\nTo: soc@charite.test\r\n"), std::string::npos);
  EXPECT_NE(m.data.find("Subject: =?UTF-8?B?"), std::string::npos);  // non-ASCII subject
  EXPECT_NE(m.data.find("Message-ID: <caduceus."), std::string::npos);
  EXPECT_NE(m.data.find("Date: "), std::string::npos);
  EXPECT_NE(m.data.find("https://hub.test/alerts/7"), std::string::npos);
  EXPECT_NE(m.data.find("CVE-2024-0001"), std::string::npos);
  EXPECT_EQ(svc.RunOnce().emails_sent, 0u);  // sent once
}

TEST_P(DeliveryTest, ALineBreakInAnAdvisoryTitleCannotAddAHeaderToTheMail) {
  SmtpSink sink;
  auto& svc = Service(true, Smtp(sink.port()));
  ASSERT_TRUE(svc.AddEmailRecipient(charite_, {"soc@charite.test", "", true}));
  AlertCreated(kCharite, kBsi, "high", "Pump flaw\r\nBcc: thief@evil.test\nX-Evil: 1");
  EXPECT_EQ(svc.RunOnce().emails_sent, 1u);
  const auto mails = sink.mails();
  ASSERT_EQ(mails.size(), 1u);
  const auto& m = mails[0];
  EXPECT_EQ(m.data.find("\r\nBcc:"), std::string::npos) << m.data;
  EXPECT_EQ(m.data.find("\nX-Evil:"), std::string::npos) << m.data;
  EXPECT_NE(m.data.find("Subject: [Caduceus] high: Pump flaw  Bcc: thief@evil.test X-Evil: 1\r\n"),
            std::string::npos)
      << m.data;
  EXPECT_EQ(m.to, "<soc@charite.test>");
}

TEST_P(DeliveryTest, StartTlsUpgradesTheSessionBeforeAuthentication) {
  TlsFiles tls;
  SmtpSink sink(&tls);
  SmtpOptions smtp = Smtp(sink.port());
  smtp.host = "localhost";  // the name the certificate is for
  smtp.starttls = true;
  auto& svc = Service(true, smtp, tls.cert_path());
  ASSERT_TRUE(svc.AddEmailRecipient(charite_, {"soc@charite.test", "", true}));
  AlertCreated(kCharite, kBsi, "critical");
  EXPECT_EQ(svc.RunOnce().emails_sent, 1u);
  const auto mails = sink.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0].tls);
  EXPECT_EQ(mails[0].auth, std::string("\0hub\0s3cret", 11));
}

TEST_P(DeliveryTest, StartTlsRequiredButNotOfferedOrUntrustedFails) {
  SmtpSink plain;
  SmtpOptions smtp = Smtp(plain.port());
  smtp.starttls = true;
  auto& svc = Service(true, smtp);
  ASSERT_TRUE(svc.AddEmailRecipient(charite_, {"soc@charite.test", "", true}));
  AlertCreated(kCharite, kBsi, "critical");
  EXPECT_EQ(svc.RunOnce().emails_sent, 0u);
  EXPECT_TRUE(plain.mails().empty());
  const auto row = db_->QueryOne("SELECT status, last_error FROM adv_email_outbox");
  EXPECT_EQ(row->Text(0), "pending");
  EXPECT_NE(row->Text(1).find("STARTTLS"), std::string::npos);

  TlsFiles tls;
  SmtpSink untrusted(&tls);  // its certificate is in no trust store the hub uses
  SmtpOptions other = Smtp(untrusted.port());
  other.host = "localhost";
  other.starttls = true;
  auto& svc2 = Service(true, other);
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(svc2.RunOnce().emails_sent, 0u);
  EXPECT_TRUE(untrusted.mails().empty());
  EXPECT_NE(db_->QueryOne("SELECT last_error FROM adv_email_outbox")->Text(0).find("TLS"),
            std::string::npos);
}

TEST_P(DeliveryTest, LowSeverityWaitsForTheDailyDigest) {
  SmtpSink sink;
  auto& svc = Service(true, Smtp(sink.port()));
  ASSERT_TRUE(svc.AddEmailRecipient(charite_, {"soc@charite.test", "", true}));
  ASSERT_TRUE(svc.AddEmailRecipient(charite_, {"nodigest@charite.test", "", false}));
  AlertCreated(kCharite, kBsi, "low", "First low");
  AlertCreated(kCharite, kBsi, "low", "Second low");
  const auto pass = svc.RunOnce();
  EXPECT_EQ(pass.emails_sent, 0u);
  EXPECT_EQ(pass.digests, 0u);
  EXPECT_TRUE(sink.mails().empty());

  clock_.Advance(std::chrono::hours(24));
  const auto next_day = svc.RunOnce();
  EXPECT_EQ(next_day.digests, 1u);
  EXPECT_EQ(next_day.emails_sent, 1u);
  const auto mails = sink.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "<soc@charite.test>");
  EXPECT_NE(mails[0].data.find("Daily digest"), std::string::npos);
  EXPECT_NE(mails[0].data.find("First low"), std::string::npos);
  EXPECT_NE(mails[0].data.find("Second low"), std::string::npos);
  const auto again = svc.RunOnce();
  EXPECT_EQ(again.digests, 0u);
  EXPECT_EQ(again.emails_sent, 0u);
}

TEST_P(DeliveryTest, ADigestWaitingToBeSentLosesTheItemsItsReceiverMayNoLongerSee) {
  Organisations();
  Advisory(3, "AMBER");
  Advisory(4, "AMBER");
  SmtpSink sink;
  sink.set_reject_rcpt(true);
  auto& svc = Service(true, Smtp(sink.port()));
  ASSERT_TRUE(svc.AddEmailRecipient(charite_, {"soc@charite.test", "", true}));
  AlertCreated(kCharite, kBsi, "low", "Pump low", 3);
  AlertCreated(kCharite, kBsi, "low", "Monitor low", 4);
  EXPECT_EQ(svc.RunOnce().digests, 0u);  // held for the next day's digest
  clock_.Advance(std::chrono::hours(24));
  const auto refused = svc.RunOnce();
  EXPECT_EQ(refused.digests, 1u);
  EXPECT_EQ(refused.emails_sent, 0u);

  // Advisory 4 becomes RED before the retry: the digest goes without its item.
  db_->Query("UPDATE adv_advisories SET tlp = 'RED' WHERE id = 4");
  sink.set_reject_rcpt(false);
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(svc.RunOnce().emails_sent, 1u);
  auto mails = sink.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].data.find("Pump low"), std::string::npos);
  EXPECT_EQ(mails[0].data.find("Monitor low"), std::string::npos);
  EXPECT_NE(mails[0].data.find("1 low-severity item(s)"), std::string::npos);
  const auto item = db_->QueryOne(
      "SELECT status, last_error FROM adv_email_outbox WHERE kind = 'digest_item' AND body LIKE "
      "'%Monitor low%'");
  EXPECT_EQ(item->Text(0), "failed");
  EXPECT_NE(item->Text(1).find("TLP"), std::string::npos);

  // A digest whose every item becomes hidden is not sent at all.
  AlertCreated(kCharite, kBsi, "low", "Pump low again", 3);
  sink.set_reject_rcpt(true);
  EXPECT_EQ(svc.RunOnce().digests, 0u);
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ(svc.RunOnce().digests, 1u);
  db_->Query("UPDATE adv_advisories SET tlp = 'RED' WHERE id = 3");
  sink.set_reject_rcpt(false);
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(svc.RunOnce().emails_sent, 0u);
  EXPECT_EQ(sink.mails().size(), 1u);
  const auto digests = db_->Query(
      "SELECT status, last_error FROM adv_email_outbox WHERE kind = 'digest' ORDER BY id");
  ASSERT_EQ(digests.rows.size(), 2u);
  EXPECT_EQ(digests.rows[0].Text(0), "sent");
  EXPECT_EQ(digests.rows[1].Text(0), "failed");
  EXPECT_NE(digests.rows[1].Text(1).find("TLP"), std::string::npos);
}

TEST_P(DeliveryTest, RefusedMailStaysInTheOutboxForARetry) {
  SmtpSink sink;
  sink.set_reject_rcpt(true);
  auto& svc = Service(true, Smtp(sink.port()));
  ASSERT_TRUE(svc.AddEmailRecipient(charite_, {"soc@charite.test", "", true}));
  AlertCreated(kCharite, kBsi, "critical");
  EXPECT_EQ(svc.RunOnce().emails_sent, 0u);
  const auto row = db_->QueryOne("SELECT status, attempts, last_error FROM adv_email_outbox");
  EXPECT_EQ(row->Text(0), "pending");
  EXPECT_EQ(row->Int(1), 1);
  EXPECT_NE(row->Text(2).find("550"), std::string::npos);

  sink.set_reject_rcpt(false);
  EXPECT_EQ(svc.RunOnce().emails_sent, 0u);  // backoff
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(svc.RunOnce().emails_sent, 1u);
  EXPECT_EQ(sink.mails().size(), 1u);
}

TEST_P(DeliveryTest, RecipientsAreValidated) {
  auto& svc = Service();
  for (const std::string bad : {"", "no-at-sign", "a@b\r\nBcc: x@y", "<a@b>", "a b@c"}) {
    EXPECT_EQ(svc.AddEmailRecipient(charite_, {bad, "", true}).error().code, Errc::kInvalidArgument)
        << bad;
  }
  auto r = svc.AddEmailRecipient(charite_, {"soc@charite.test", "high", false});
  ASSERT_TRUE(r);
  EXPECT_EQ(svc.AddEmailRecipient(charite_, {"soc@charite.test", "", true}).error().code,
            Errc::kConflict);
  EXPECT_EQ(svc.DeleteEmailRecipient(labor_, r->id).error().code, Errc::kNotFound);
  EXPECT_TRUE(svc.DeleteEmailRecipient(charite_, r->id));
}

TEST_P(DeliveryTest, StartedServiceFeedsStreamsAndStopEndsThem) {
  auto& svc = Service();
  svc.Start();
  auto stream = svc.OpenStream(charite_, std::nullopt);
  ASSERT_TRUE(stream);
  const std::int64_t id = AlertCreated(kCharite, kBsi);
  std::vector<LiveEvent> got;
  const auto guard = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (got.empty() && std::chrono::steady_clock::now() < guard) {
    got = (*stream)->Take(10);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Ids(got), std::vector<std::int64_t>{id});
  svc.Stop();
  EXPECT_TRUE((*stream)->ended());
  EXPECT_EQ(svc.OpenStream(charite_, std::nullopt).error().code, Errc::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         DeliveryTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::advisories
