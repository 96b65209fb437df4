#include "advisories/delivery.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "advisories/events.h"
#include "advisories/names.h"
#include "advisories/visibility.h"
#include "client/addresses.h"
#include "client/http_client.h"
#include "core/random.h"
#include "identity/crypto.h"
#include "identity/model.h"
#include "identity/policy.h"
#include "storage/database.h"

namespace caduceus::advisories {

namespace json = boost::json;
using identity::Principal;
using storage::Int;
using storage::Null;
using storage::Text;
using storage::Value;

namespace {

// Shared cursor, digests and leases are created by the first module migration; times are
// microseconds since the Unix epoch.
constexpr storage::Migration kMigrations[] = {
    {1, "delivery: cursor, subscriptions, inbox, webhooks, e-mail", R"sql(
CREATE TABLE adv_delivery_state (
  id BIGINT PRIMARY KEY,
  last_event_id BIGINT NOT NULL
);
INSERT INTO adv_delivery_state (id, last_event_id) VALUES (1, 0);
CREATE TABLE adv_subscriptions (
  id {{id}},
  org_id BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('vendor', 'product', 'keyword', 'severity', 'kev')),
  value TEXT NOT NULL,
  min_severity TEXT NOT NULL,
  created_by BIGINT NOT NULL,
  created_at_us BIGINT NOT NULL,
  UNIQUE (org_id, kind, value, min_severity)
);
CREATE TABLE adv_notifications (
  id {{id}},
  org_id BIGINT NOT NULL,
  event_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  alert_id BIGINT NOT NULL,
  advisory_id BIGINT NOT NULL,
  severity TEXT NOT NULL,
  title TEXT NOT NULL,
  payload TEXT NOT NULL,
  subscription_id BIGINT,
  created_at_us BIGINT NOT NULL,
  UNIQUE (org_id, event_id)
);
CREATE INDEX adv_notifications_org ON adv_notifications (org_id, id);
CREATE TABLE adv_notification_reads (
  notification_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  read_at_us BIGINT NOT NULL,
  PRIMARY KEY (notification_id, user_id)
);
CREATE TABLE adv_webhooks (
  id {{id}},
  org_id BIGINT NOT NULL,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  secret TEXT NOT NULL,
  min_severity TEXT NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  created_by BIGINT NOT NULL,
  created_at_us BIGINT NOT NULL,
  updated_at_us BIGINT NOT NULL
);
CREATE INDEX adv_webhooks_org ON adv_webhooks (org_id);
CREATE TABLE adv_deliveries (
  id {{id}},
  webhook_id BIGINT NOT NULL,
  org_id BIGINT NOT NULL,
  event_id BIGINT,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL,
  next_attempt_us BIGINT,
  lease_owner TEXT,
  lease_until_us BIGINT,
  last_http_status INTEGER,
  last_error TEXT NOT NULL,
  created_at_us BIGINT NOT NULL,
  updated_at_us BIGINT NOT NULL,
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX adv_deliveries_due ON adv_deliveries (status, next_attempt_us);
CREATE INDEX adv_deliveries_webhook ON adv_deliveries (webhook_id, id);
CREATE TABLE adv_delivery_attempts (
  id {{id}},
  delivery_id BIGINT NOT NULL,
  attempt INTEGER NOT NULL,
  at_us BIGINT NOT NULL,
  http_status INTEGER,
  error TEXT NOT NULL
);
CREATE INDEX adv_delivery_attempts_delivery ON adv_delivery_attempts (delivery_id);
CREATE TABLE adv_email_recipients (
  id {{id}},
  org_id BIGINT NOT NULL,
  address TEXT NOT NULL,
  min_severity TEXT NOT NULL,
  digest INTEGER NOT NULL CHECK (digest IN (0, 1)),
  created_by BIGINT NOT NULL,
  created_at_us BIGINT NOT NULL,
  UNIQUE (org_id, address)
);
CREATE TABLE adv_email_outbox (
  id {{id}},
  recipient_id BIGINT NOT NULL,
  org_id BIGINT NOT NULL,
  event_id BIGINT,
  digest_day TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('immediate', 'digest_item', 'digest')),
  address TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('held', 'digested', 'pending', 'sent', 'failed')),
  attempts INTEGER NOT NULL,
  next_attempt_us BIGINT,
  lease_owner TEXT,
  lease_until_us BIGINT,
  last_error TEXT NOT NULL,
  sent_at_us BIGINT,
  created_at_us BIGINT NOT NULL,
  UNIQUE (recipient_id, event_id),
  UNIQUE (recipient_id, digest_day)
);
CREATE INDEX adv_email_outbox_due ON adv_email_outbox (status, next_attempt_us);
CREATE INDEX adv_email_outbox_held ON adv_email_outbox (kind, status, recipient_id);
)sql"},
    // A digested item names its digest, so that a digest still waiting to be sent can drop the
    // items whose advisory its organisation may no longer see. Items digested before: none.
    {2, "delivery: the digest of each digested item", R"sql(
ALTER TABLE adv_email_outbox ADD COLUMN digest_id BIGINT;
CREATE INDEX adv_email_outbox_digest ON adv_email_outbox (digest_id);
)sql"},
};

// Serialises fan-out across hubs sharing one PostgreSQL.
constexpr std::int64_t kFanoutLock = 0x41647644656c6976;  // "AdvDeliv"
constexpr std::size_t kEventBatch = 500;
constexpr std::size_t kRingSize = 2048;
constexpr std::size_t kMaxStreams = 2000;
constexpr std::size_t kMaxStreamsPerUser = 8;
constexpr std::size_t kSendBatch = 20;
constexpr std::size_t kMaxDigestItems = 500;
constexpr std::int64_t kLeaseUs = 2 * 60 * 1'000'000;
constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxValueBytes = 200;
constexpr std::size_t kMaxDescriptionBytes = 500;
constexpr std::size_t kMaxAddressBytes = 254;
constexpr std::string_view kWithheld =
    "withheld: the advisory's TLP no longer lets this organisation see it";
constexpr std::size_t kMaxPerOrg = 50;  // subscriptions, webhooks, recipients (each)
constexpr std::size_t kMaxTitleBytes = 300;
constexpr std::size_t kSmtpMaxReplyBytes = 64 * 1024;

std::int64_t Us(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

TimePoint FromUs(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

int SeverityRank(std::string_view s) {
  if (s == "low") return 1;
  if (s == "medium") return 2;
  if (s == "high") return 3;
  if (s == "critical") return 4;
  return 0;
}

bool ValidMinSeverity(std::string_view s) { return s.empty() || SeverityRank(s) > 0; }

bool SeverityAtLeast(std::string_view severity, std::string_view min) {
  return min.empty() || SeverityRank(severity) >= SeverityRank(min);
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

// Cuts at kMaxTitleBytes on a UTF-8 boundary.
std::string CutUtf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string StringField(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<std::string> StringList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : v->as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

std::string Envelope(const Event& e) {
  json::object o;
  o["id"] = e.id;
  o["kind"] = e.kind;
  o["org_id"] = e.org_id;
  o["alert_id"] = e.alert_id;
  o["advisory_id"] = e.advisory_id;
  o["severity"] = e.severity;
  o["created_at"] = FormatRfc3339(e.created_at);
  if (auto payload = ParseObject(e.payload)) {
    o["data"] = std::move(*payload);
  } else {
    o["data"] = json::object();
  }
  return json::serialize(o);
}

std::string EventTitle(const Event& e, const json::object& payload) {
  std::string title = StringField(payload, "title");
  if (e.kind == "alert.state") {
    title = fmt::format("Alert {} {} -> {}", e.alert_id, StringField(payload, "from"),
                        StringField(payload, "to"));
  }
  if (e.kind == "alert.overdue") {
    title = fmt::format("Alert {} overdue ({}){}", e.alert_id, StringField(payload, "which"),
                        title.empty() ? "" : ": " + title);
  }
  if (title.empty()) title = fmt::format("{} {}", e.kind, e.alert_id != 0 ? e.alert_id : e.id);
  // A title becomes a header line: no control characters (no header injection).
  for (char& c : title) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  return CutUtf8(title, kMaxTitleBytes);
}

// What an advisory.published event says, for subscriptions.
struct Published {
  std::string title_lc;
  std::vector<std::string> vendors;
  std::vector<std::string> products;
  std::vector<std::string> cves_lc;
  bool kev = false;
  std::string severity;
};

Published ReadPublished(const Event& e) {
  Published p;
  p.severity = e.severity;
  const auto payload = ParseObject(e.payload);
  if (!payload) return p;
  p.title_lc = Lower(StringField(*payload, "title"));
  p.vendors = StringList(*payload, "vendors");
  p.products = StringList(*payload, "products");
  for (auto& cve : StringList(*payload, "cves")) p.cves_lc.push_back(Lower(cve));
  if (const auto* kev = payload->if_contains("kev"); kev != nullptr && kev->is_bool()) {
    p.kev = kev->as_bool();
  }
  if (p.severity.empty()) p.severity = StringField(*payload, "severity");
  return p;
}

struct SubscriptionRow {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string kind;
  std::string value;
  std::string min_severity;
};

bool SubscriptionMatches(const SubscriptionRow& s, const Published& p) {
  if (!SeverityAtLeast(p.severity, s.min_severity)) return false;
  if (s.kind == "kev") return p.kev;
  if (s.kind == "severity") return SeverityAtLeast(p.severity, s.value);
  if (s.kind == "vendor") {
    return std::any_of(p.vendors.begin(), p.vendors.end(),
                       [&](const std::string& v) { return CompareVendors(v, s.value).matched; });
  }
  if (s.kind == "product") {
    return std::any_of(p.products.begin(), p.products.end(),
                       [&](const std::string& v) { return CompareProducts(v, s.value).matched; });
  }
  if (s.kind == "keyword") {
    const std::string k = Lower(s.value);
    const auto has = [&](const std::string& text) {
      return Lower(text).find(k) != std::string::npos;
    };
    return p.title_lc.find(k) != std::string::npos ||
           std::any_of(p.vendors.begin(), p.vendors.end(), has) ||
           std::any_of(p.products.begin(), p.products.end(), has) ||
           std::any_of(p.cves_lc.begin(), p.cves_lc.end(),
                       [&](const std::string& c) { return c == k; });
  }
  return false;
}

// The organisations (first matching subscription each) an advisory.published event concerns.
std::vector<std::pair<std::int64_t, std::int64_t>> MatchSubscriptions(
    const std::vector<SubscriptionRow>& subscriptions, const Event& e) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  const Published p = ReadPublished(e);
  std::set<std::int64_t> seen;
  for (const auto& s : subscriptions) {
    if (seen.count(s.org_id) != 0 || !SubscriptionMatches(s, p)) continue;
    seen.insert(s.org_id);
    out.emplace_back(s.org_id, s.id);
  }
  return out;
}

identity::OrgRef OwnOrg(const Principal& p) {
  return identity::OrgRef{p.organisation_id, p.org_kind, p.org_parent_id};
}

// The inbox and subscriptions are the organisation's own: any member reads them.
bool MayReadOwn(const Principal& p) {
  return identity::Allowed(p, identity::Permission::kReadAlerts, OwnOrg(p)) ||
         identity::Allowed(p, identity::Permission::kReadOrganisation, OwnOrg(p));
}

bool MayReadEvent(const Principal& p, const Event& e) {
  identity::OrgRef target{
      e.org_id, identity::OrgKind::kProvider,
      e.org_parent_id != 0 ? std::optional<std::int64_t>(e.org_parent_id) : std::nullopt};
  return identity::Allowed(p, identity::Permission::kReadAlerts, target);
}

// The SQL condition (on alias n) for the inbox entries about an advisory the principal's
// organisation may still see, or about none the store holds.
std::string VisibleNotifications(const Principal& p, std::vector<Value>& params) {
  AdvisoryPredicate visible = VisiblePredicate(ViewerOf(identity::Actor::Of(p)), "adv");
  params.insert(params.end(), visible.params.begin(), visible.params.end());
  return fmt::format(
      "(NOT EXISTS (SELECT 1 FROM adv_advisories adv WHERE adv.id = n.advisory_id) OR EXISTS "
      "(SELECT 1 FROM adv_advisories adv WHERE adv.id = n.advisory_id AND {}))",
      visible.sql);
}

// --- Crypto and encodings ---

std::string Hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0x0F];
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

// RFC 2047 encoded words for a UTF-8 header value, folded; ASCII text as is. Control characters
// become spaces first: a CR or LF in an advisory's title would otherwise start a header (a Bcc:,
// say) of the advisory author's choosing.
std::string EncodeHeaderValue(std::string_view raw) {
  std::string text(raw);
  std::replace_if(
      text.begin(), text.end(),
      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }, ' ');
  if (IsAscii(text)) return text;
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t n = std::min<std::size_t>(45, text.size() - pos);
    while (pos + n < text.size() && n > 0 &&
           (static_cast<unsigned char>(text[pos + n]) & 0xC0) == 0x80) {
      --n;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(std::string_view(text).substr(pos, n)) + "?=";
    pos += n;
  }
  return out;
}

std::string MailDate(TimePoint t) {
  static constexpr std::array<std::string_view, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays.at(tm.tm_wday), tm.tm_mday,
                     kMonths.at(tm.tm_mon), tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string UtcDay(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

TimePoint StartOfUtcDay(TimePoint t) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return TimePoint(std::chrono::seconds(secs - ((secs % 86400) + 86400) % 86400));
}

bool ValidMailbox(std::string_view address) {
  if (address.empty() || address.size() > kMaxAddressBytes || HasControl(address)) return false;
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  return std::none_of(address.begin(), address.end(), [](char c) {
    return c == ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' ||
           c == ':' || c == '\\' || c == '"' || c == '[' || c == ']';
  });
}

}  // namespace

std::string SmtpDotStuff(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 64);
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') continue;
    if (line_start && c == '.') out += '.';
    if (c == '\n') {
      out += "\r\n";
      line_start = true;
      continue;
    }
    out += c;
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  return out;
}

namespace {

// --- URLs and the SSRF guard ---

struct WebUrl {
  std::string scheme;
  std::string host;
};

std::optional<WebUrl> ParseWebUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes || HasControl(url) || url.find(' ') != std::string_view::npos) {
    return std::nullopt;
  }
  WebUrl out;
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    out.scheme = "https";
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    out.scheme = "http";
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
  } else {
    out.host = std::string(authority.substr(0, authority.find(':')));
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

// The SSRF guard for webhook targets, with the webhook's own messages.
Status CheckWebhookHost(const std::string& host) {
  auto s = client::CheckPublicHost(host);
  if (s) return {};
  if (s.error().code == Errc::kUnavailable) {
    return Error{Errc::kUnavailable, "the webhook's host name does not resolve", "url"};
  }
  return Error::Invalid(
      "the webhook's host is a loopback, private or link-local address, which this hub does not "
      "deliver to",
      "url");
}

// --- SMTP (RFC 5321) over a blocking socket, optionally upgraded with STARTTLS ---

struct MailMessage {
  std::string to;
  std::string subject;
  std::string body;
  std::string message_id;  // without angle brackets
  TimePoint date;
};

class SmtpSession {
 public:
  SmtpSession(const SmtpOptions& options, const std::string& ca_file)
      : options_(options), ca_file_(ca_file) {}
  ~SmtpSession() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  Status Send(const MailMessage& m) {
    if (auto s = Connect(); !s) return s;
    if (auto r = Expect(220); !r) return r.error();
    auto caps = Ehlo();
    if (!caps) return caps.error();
    if (options_.starttls) {
      if (!Has(*caps, "STARTTLS")) return Fail("the SMTP server does not offer STARTTLS");
      if (auto r = Command("STARTTLS", 220); !r) return r.error();
      if (auto s = StartTls(); !s) return s;
      caps = Ehlo();
      if (!caps) return caps.error();
    }
    if (!options_.username.empty()) {
      if (auto s = Authenticate(*caps); !s) return s;
    }
    const bool eight_bit = !IsAscii(m.body);
    const bool has_8bitmime = Has(*caps, "8BITMIME");
    if (auto r = Command(fmt::format("MAIL FROM:<{}>{}", options_.from,
                                     eight_bit && has_8bitmime ? " BODY=8BITMIME" : ""),
                         250);
        !r) {
      return r.error();
    }
    if (auto r = Command(fmt::format("RCPT TO:<{}>", m.to), 250, 251); !r) return r.error();
    if (auto r = Command("DATA", 354); !r) return r.error();
    if (auto s = Write(Compose(m, eight_bit, has_8bitmime) + ".\r\n"); !s) return s;
    if (auto r = Expect(250); !r) return r.error();
    (void)Command("QUIT", 221);
    return {};
  }

 private:
  struct Reply {
    int code = 0;
    std::vector<std::string> lines;
  };

  std::string Compose(const MailMessage& m, bool eight_bit, bool has_8bitmime) const {
    const auto at = options_.from.rfind('@');
    const std::string domain =
        at == std::string::npos ? std::string("localhost") : options_.from.substr(at + 1);
    std::string head;
    head += "Date: " + MailDate(m.date) + "\r\n";
    head += "From: " + options_.from + "\r\n";
    head += "To: " + m.to + "\r\n";
    head += "Subject: " + EncodeHeaderValue(m.subject) + "\r\n";
    head += fmt::format("Message-ID: <{}@{}>\r\n", m.message_id, domain);
    head += "MIME-Version: 1.0\r\n";
    head += "Content-Type: text/plain; charset=UTF-8\r\n";
    head += "Auto-Submitted: auto-generated\r\n";
    std::string body;
    if (!eight_bit) {
      head += "Content-Transfer-Encoding: 7bit\r\n";
      body = m.body;
    } else if (has_8bitmime) {
      head += "Content-Transfer-Encoding: 8bit\r\n";
      body = m.body;
    } else {
      head += "Content-Transfer-Encoding: base64\r\n";
      const std::string encoded = Base64(m.body);
      for (std::size_t i = 0; i < encoded.size(); i += 76) body += encoded.substr(i, 76) + "\n";
    }
    return head + "\r\n" + SmtpDotStuff(body);
  }

  static Error Fail(std::string message) {
    return Error{Errc::kUnavailable, std::move(message), {}};
  }

  static bool Has(const std::vector<std::string>& caps, std::string_view name) {
    return std::any_of(caps.begin(), caps.end(), [&](const std::string& c) {
      const std::string upper = [&] {
        std::string u = c;
        for (char& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        return u;
      }();
      return upper == name || upper.rfind(std::string(name) + " ", 0) == 0;
    });
  }

  Status Connect() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(options_.port);
    if (getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
      return Fail("the SMTP host does not resolve");
    }
    for (const addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      timeval tv{static_cast<time_t>(options_.timeout.count()), 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
      } else {
        ::close(fd);
      }
    }
    freeaddrinfo(found);
    if (fd_ < 0)
      return Fail(
          fmt::format("cannot connect to the SMTP server {}:{}", options_.host, options_.port));
    return {};
  }

  Status StartTls() {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr) return Fail("cannot create a TLS context");
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (!ca_file_.empty()) {
      if (SSL_CTX_load_verify_locations(ctx_, ca_file_.c_str(), nullptr) != 1) {
        return Fail("cannot load the CA file");
      }
    } else {
      SSL_CTX_set_default_verify_paths(ctx_);
    }
    ssl_ = SSL_new(ctx_);
    if (ssl_ == nullptr) return Fail("cannot create a TLS session");
    SSL_set_fd(ssl_, fd_);
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(options_.host.c_str()));
    SSL_set1_host(ssl_, options_.host.c_str());
    if (SSL_connect(ssl_) != 1) {
      ERR_clear_error();
      return Fail(
          "the TLS handshake with the SMTP server failed (or its certificate is not "
          "trusted)");
    }
    buffer_.clear();
    return {};
  }

  Status Write(std::string_view data) {
    while (!data.empty()) {
      const long n = ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                     : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return Fail("the SMTP connection failed while sending");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
  }

  Result<std::string> ReadLine() {
    while (true) {
      const auto end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      if (buffer_.size() > kSmtpMaxReplyBytes) return Fail("the SMTP reply is too long");
      char chunk[4096];
      const long n = ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk)
                                     : ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return Fail("the SMTP connection ended or timed out");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  Result<Reply> ReadReply() {
    Reply reply;
    std::size_t total = 0;
    while (true) {
      auto line = ReadLine();
      if (!line) return line.error();
      total += line->size();
      if (line->size() < 3 || total > kSmtpMaxReplyBytes ||
          !std::all_of(line->begin(), line->begin() + 3,
                       [](char c) { return c >= '0' && c <= '9'; })) {
        return Fail("the SMTP server sent a malformed reply");
      }
      const int code = std::stoi(line->substr(0, 3));
      if (reply.code != 0 && code != reply.code) return Fail("the SMTP reply is inconsistent");
      reply.code = code;
      reply.lines.push_back(line->size() > 4 ? line->substr(4) : std::string());
      if (line->size() == 3 || (*line)[3] == ' ') return reply;
      if ((*line)[3] != '-') return Fail("the SMTP server sent a malformed reply");
    }
  }

  Result<Reply> Expect(int code, int alternative = 0) {
    auto reply = ReadReply();
    if (!reply) return reply.error();
    if (reply->code != code && (alternative == 0 || reply->code != alternative)) {
      return Error{Errc::kUnavailable,
                   fmt::format("the SMTP server answered {} {}", reply->code,
                               CutUtf8(reply->lines.empty() ? "" : reply->lines.back(), 200)),
                   {}};
    }
    return reply;
  }

  Result<Reply> Command(const std::string& line, int code, int alternative = 0) {
    if (auto s = Write(line + "\r\n"); !s) return s.error();
    return Expect(code, alternative);
  }

  Result<std::vector<std::string>> Ehlo() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
      std::strcpy(name, "localhost");
    }
    std::string host(name);
    if (HasControl(host) || host.find(' ') != std::string::npos) host = "localhost";
    auto reply = Command("EHLO " + host, 250);
    if (!reply) return reply.error();
    std::vector<std::string> caps(reply->lines.begin() + (reply->lines.empty() ? 0 : 1),
                                  reply->lines.end());
    return caps;
  }

  Status Authenticate(const std::vector<std::string>& caps) {
    std::string auth_line;
    for (const auto& c : caps) {
      if (Lower(c).rfind("auth ", 0) == 0 || Lower(c).rfind("auth=", 0) == 0) auth_line = Lower(c);
    }
    const auto offers = [&](std::string_view mech) {
      return auth_line.find(" " + Lower(mech)) != std::string::npos ||
             auth_line.find("=" + Lower(mech)) != std::string::npos;
    };
    if (offers("PLAIN")) {
      std::string token;
      token += '\0';
      token += options_.username;
      token += '\0';
      token += options_.password;
      if (auto r = Command("AUTH PLAIN " + Base64(token), 235); !r) return r.error();
      return {};
    }
    if (offers("LOGIN")) {
      if (auto r = Command("AUTH LOGIN", 334); !r) return r.error();
      if (auto r = Command(Base64(options_.username), 334); !r) return r.error();
      if (auto r = Command(Base64(options_.password), 235); !r) return r.error();
      return {};
    }
    return Fail("the SMTP server offers neither AUTH PLAIN nor AUTH LOGIN");
  }

  const SmtpOptions& options_;
  const std::string& ca_file_;
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

std::string MailBody(const Event& e, const json::object& payload, const std::string& hub_url) {
  std::string body;
  const std::string title = EventTitle(e, payload);
  if (e.kind == "alert.created") {
    body += "A new security alert concerns your organisation.\n\n";
  } else if (e.kind == "alert.updated") {
    body += "A security alert of your organisation has changed.\n\n";
  } else if (e.kind == "alert.overdue") {
    body += "A security alert is overdue.\n\n";
  } else if (e.kind == "advisory.published") {
    body += "A new advisory matches one of your subscriptions.\n\n";
  } else {
    body += "Early-warning event.\n\n";
  }
  body += "Title: " + title + "\n";
  if (!e.severity.empty()) body += "Severity: " + e.severity + "\n";
  const std::string key = StringField(payload, "advisory_key");
  if (!key.empty()) body += "Advisory: " + key + "\n";
  const auto cves = StringList(payload, "cves");
  if (!cves.empty()) {
    std::string joined;
    for (std::size_t i = 0; i < cves.size() && i < 20; ++i) {
      joined += (i == 0 ? "" : ", ") + cves[i];
    }
    body += "CVEs: " + joined + "\n";
  }
  if (const auto* assets = payload.if_contains("assets"); assets != nullptr && assets->is_int64()) {
    body += fmt::format("Affected assets: {}\n", assets->as_int64());
  }
  const std::string ack_due = StringField(payload, "ack_due");
  if (!ack_due.empty()) body += "Acknowledge by: " + ack_due + "\n";
  const std::string remediate_due = StringField(payload, "remediate_due");
  if (!remediate_due.empty()) body += "Remediate by: " + remediate_due + "\n";
  if (!hub_url.empty()) {
    if (e.alert_id != 0) {
      body += fmt::format("\n{}/alerts/{}\n", hub_url, e.alert_id);
    } else if (e.advisory_id != 0) {
      body += fmt::format("\n{}/advisories/{}\n", hub_url, e.advisory_id);
    }
  }
  body += fmt::format("\n(event {} {}, {})\n", e.id, e.kind, FormatRfc3339(e.created_at));
  return body;
}

Subscription ToSubscription(const storage::Row& r) {
  Subscription s;
  s.id = r.Int(0);
  s.org_id = r.Int(1);
  s.kind = r.Text(2);
  s.value = r.Text(3);
  s.min_severity = r.Text(4);
  s.created_at = FromUs(r.Int(5));
  return s;
}

constexpr std::string_view kWebhookColumns =
    "id, org_id, url, description, min_severity, enabled, created_at_us";

Webhook ToWebhook(const storage::Row& r) {
  Webhook w;
  w.id = r.Int(0);
  w.org_id = r.Int(1);
  w.url = r.Text(2);
  w.description = r.Text(3);
  w.min_severity = r.Text(4);
  w.enabled = r.Int(5) != 0;
  w.created_at = FromUs(r.Int(6));
  return w;
}

constexpr std::string_view kDeliveryColumns =
    "id, event_id, kind, status, attempts, last_http_status, last_error, next_attempt_us, "
    "created_at_us, updated_at_us";

WebhookDelivery ToDelivery(const storage::Row& r) {
  WebhookDelivery d;
  d.id = r.Int(0);
  d.event_id = r.OptInt(1);
  d.kind = r.Text(2);
  d.status = r.Text(3);
  d.attempts = static_cast<int>(r.Int(4));
  if (auto s = r.OptInt(5)) d.http_status = static_cast<int>(*s);
  d.error = r.Text(6);
  if (auto n = r.OptInt(7); n && d.status == "pending") d.next_attempt = FromUs(*n);
  d.created_at = FromUs(r.Int(8));
  d.updated_at = FromUs(r.Int(9));
  return d;
}

EmailRecipient ToRecipient(const storage::Row& r) {
  EmailRecipient e;
  e.id = r.Int(0);
  e.org_id = r.Int(1);
  e.address = r.Text(2);
  e.min_severity = r.Text(3);
  e.digest = r.Int(4) != 0;
  e.created_at = FromUs(r.Int(5));
  return e;
}

}  // namespace

std::chrono::microseconds RetryDelay(int attempts) {
  const int exponent = std::clamp(attempts - 1, 0, 20);
  const auto delay = std::chrono::duration_cast<std::chrono::microseconds>(kRetryBase) *
                     (std::int64_t{1} << exponent);
  return std::min(delay, std::chrono::duration_cast<std::chrono::microseconds>(kRetryCap));
}

std::string WebhookSignature(std::string_view secret,
                             std::string_view timestamp,
                             std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_size);
  return "v1=" + Hex(mac, mac_size);
}

// --- LiveStream ---

std::vector<LiveEvent> LiveStream::Take(std::size_t max) {
  std::lock_guard lock(mu_);
  std::vector<LiveEvent> out;
  while (!queue_.empty() && out.size() < max) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return out;
}

bool LiveStream::ended() const {
  std::lock_guard lock(mu_);
  return ended_;
}

void LiveStream::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  queue_.clear();
}

void LiveStream::Push(LiveEvent event) {
  std::lock_guard lock(mu_);
  if (ended_ || closed_) return;
  if (queue_.size() >= kLiveQueueLimit) {
    ended_ = true;
    return;
  }
  queue_.push_back(std::move(event));
}

void LiveStream::End() {
  std::lock_guard lock(mu_);
  ended_ = true;
}

bool LiveStream::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

// --- DeliveryService ---

class DeliveryService::Impl {
 public:
  Impl(storage::Database& db, const Clock& clock, DeliveryOptions options)
      : db_(db), clock_(clock), options_(std::move(options)) {
    if (options_.secret_key.size() == 32) box_.emplace(options_.secret_key);
    hub_id_ = options_.hub_id.empty() ? "hub-" + RandomToken(8) : options_.hub_id;
  }

  ~Impl() { Stop(); }

  void Start() {
    std::lock_guard lock(run_mu_);
    if (running_) return;
    running_ = true;
    stopped_ = false;
    // A reader pass that read a whole batch has more waiting: it runs again at once, so a
    // backlog (the alerts of a first bulk import) drains at the database's speed.
    reader_ = std::thread([this] { Loop([this] { return ReaderPass().events >= kEventBatch; }); });
    sender_ = std::thread([this] {
      Loop([this] {
        SenderPass();
        return false;
      });
    });
  }

  void Stop() {
    {
      std::lock_guard lock(run_mu_);
      stopped_ = true;
      run_cv_.notify_all();
    }
    if (reader_.joinable()) reader_.join();
    if (sender_.joinable()) sender_.join();
    {
      std::lock_guard lock(run_mu_);
      running_ = false;
    }
    std::lock_guard lock(live_mu_);
    for (auto& s : streams_) s.stream->End();
    streams_.clear();
  }

  DeliveryPass RunOnce() {
    DeliveryPass pass = ReaderPass();
    const DeliveryPass sent = SenderPass();
    pass.webhook_attempts = sent.webhook_attempts;
    pass.emails_sent = sent.emails_sent;
    pass.digests = sent.digests;
    return pass;
  }

  // --- Live streams ---

  Result<std::shared_ptr<LiveStream>> OpenStream(const Principal& principal,
                                                 std::optional<std::int64_t> last_event_id) {
    {
      std::lock_guard lock(run_mu_);
      if (stopped_) return Error{Errc::kUnavailable, "the hub is stopping", {}};
    }
    EnsureLivePosition();
    std::vector<Event> backfill;
    std::vector<SubscriptionRow> subscriptions;
    std::map<std::int64_t, identity::AdvisoryScope> scopes;
    if (last_event_id) {
      auto events = EventsAfter(db_, std::max<std::int64_t>(0, *last_event_id), kBackfillLimit);
      if (!events) return events.error();
      backfill = std::move(*events);
      subscriptions = LoadSubscriptions(principal.organisation_id);
      scopes = LoadAdvisoryScopes(backfill);
    }
    auto stream = std::make_shared<LiveStream>();
    std::lock_guard lock(live_mu_);
    Prune();
    const auto per_user = std::count_if(streams_.begin(), streams_.end(), [&](const Entry& e) {
      return e.principal.user_id == principal.user_id;
    });
    if (streams_.size() >= kMaxStreams ||
        static_cast<std::size_t>(per_user) >= kMaxStreamsPerUser) {
      return Error{Errc::kUnavailable, "too many live streams are open", {}};
    }
    Entry entry{principal, stream, live_position_};
    if (last_event_id) {
      entry.cursor = std::max<std::int64_t>(0, *last_event_id);
      for (auto& e : backfill) {
        RingItem item;
        item.envelope = Envelope(e);
        if (e.org_id == 0) item.orgs = MatchSubscriptions(subscriptions, e);
        const auto scope = scopes.find(e.advisory_id);
        if (scope != scopes.end()) item.advisory = scope->second;
        item.event = std::move(e);
        Offer(entry, item);
      }
      for (const auto& item : ring_) Offer(entry, item);
    }
    streams_.push_back(std::move(entry));
    return stream;
  }

  // --- Inbox ---

  Result<InboxPage> Inbox(const Principal& p, const InboxQuery& q) {
    if (!MayReadOwn(p)) return Error::Denied("you may not read this inbox");
    const std::size_t limit = std::clamp<std::size_t>(q.limit, 1, 200);
    std::string sql =
        "SELECT n.id, n.event_id, n.kind, n.alert_id, n.advisory_id, n.severity, n.title, "
        "n.payload, n.subscription_id, n.created_at_us, r.user_id FROM adv_notifications n "
        "LEFT JOIN adv_notification_reads r ON r.notification_id = n.id AND r.user_id = ? "
        "WHERE n.org_id = ?";
    std::vector<Value> params{Int(p.user_id), Int(p.organisation_id)};
    const std::string visible = VisibleNotifications(p, params);
    sql += " AND " + visible;
    if (q.before_id > 0) {
      sql += " AND n.id < ?";
      params.push_back(Int(q.before_id));
    }
    if (q.unread_only) sql += " AND r.user_id IS NULL";
    sql += " ORDER BY n.id DESC LIMIT ?";
    params.push_back(Int(static_cast<std::int64_t>(limit)));
    InboxPage page;
    for (const auto& r : db_.Query(sql, params).rows) {
      Notification n;
      n.id = r.Int(0);
      n.event_id = r.Int(1);
      n.kind = r.Text(2);
      n.alert_id = r.Int(3);
      n.advisory_id = r.Int(4);
      n.severity = r.Text(5);
      n.title = r.Text(6);
      n.payload = r.Text(7);
      n.subscription_id = r.OptInt(8);
      n.created_at = FromUs(r.Int(9));
      n.read = !r.IsNull(10);
      page.items.push_back(std::move(n));
    }
    std::vector<Value> unread_params{Int(p.organisation_id), Int(p.user_id)};
    const std::string unread_visible = VisibleNotifications(p, unread_params);
    const auto unread = db_.Query(
        "SELECT COUNT(*) FROM adv_notifications n WHERE n.org_id = ? AND NOT EXISTS (SELECT 1 "
        "FROM adv_notification_reads r WHERE r.notification_id = n.id AND r.user_id = ?) AND " +
            unread_visible,
        unread_params);
    page.unread = unread.rows.empty() ? 0 : unread.rows.front().Int(0);
    return page;
  }

  Result<std::int64_t> MarkRead(const Principal& p, std::span<const std::int64_t> ids, bool all) {
    if (!MayReadOwn(p)) return Error::Denied("you may not read this inbox");
    if (ids.size() > 1000) return Error::Invalid("at most 1000 ids at once", "ids");
    const std::int64_t now = Us(clock_.Now());
    if (all) {
      return db_
          .Query(
              "INSERT INTO adv_notification_reads (notification_id, user_id, read_at_us) "
              "SELECT n.id, ?, ? FROM adv_notifications n WHERE n.org_id = ? "
              "ON CONFLICT (notification_id, user_id) DO NOTHING",
              {Int(p.user_id), Int(now), Int(p.organisation_id)})
          .affected_rows;
    }
    return db_.Transact([&](storage::Tx& tx) {
      std::int64_t marked = 0;
      for (const std::int64_t id : ids) {
        marked += tx.Exec(
                        "INSERT INTO adv_notification_reads (notification_id, user_id, "
                        "read_at_us) SELECT n.id, ?, ? FROM adv_notifications n WHERE n.id = ? "
                        "AND n.org_id = ? ON CONFLICT (notification_id, user_id) DO NOTHING",
                        {Int(p.user_id), Int(now), Int(id), Int(p.organisation_id)})
                      .affected_rows;
      }
      return marked;
    });
  }

  // --- Subscriptions ---

  Result<std::vector<Subscription>> Subscriptions(const Principal& p) {
    if (!MayReadOwn(p)) return Error::Denied("you may not read the subscriptions");
    std::vector<Subscription> out;
    for (const auto& r :
         db_.Query("SELECT id, org_id, kind, value, min_severity, created_at_us FROM "
                   "adv_subscriptions WHERE org_id = ? ORDER BY id",
                   {Int(p.organisation_id)})
             .rows) {
      out.push_back(ToSubscription(r));
    }
    return out;
  }

  Result<Subscription> Subscribe(const Principal& p, const NewSubscription& s) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the subscriptions");
    }
    static const std::set<std::string, std::less<>> kKinds{"vendor", "product", "keyword",
                                                           "severity", "kev"};
    if (kKinds.count(s.kind) == 0) {
      return Error::Invalid("kind must be vendor, product, keyword, severity or kev", "kind");
    }
    if (!ValidMinSeverity(s.min_severity)) {
      return Error::Invalid("min_severity must be low, medium, high or critical", "min_severity");
    }
    std::string value = s.value;
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    if (s.kind == "kev") {
      value.clear();
    } else if (s.kind == "severity") {
      if (SeverityRank(value) == 0) {
        return Error::Invalid("value must be low, medium, high or critical", "value");
      }
    } else if (value.empty() || value.size() > kMaxValueBytes || HasControl(value)) {
      return Error::Invalid(fmt::format("value must be 1 to {} characters", kMaxValueBytes),
                            "value");
    } else if (s.kind == "vendor" && NormaliseVendorName(value).empty()) {
      return Error::Invalid("the vendor name has no letters or digits", "value");
    } else if (s.kind == "product" && NormaliseProductName(value).empty()) {
      return Error::Invalid("the product name has no letters or digits", "value");
    }
    const std::int64_t now = Us(clock_.Now());
    try {
      return db_.Transact([&](storage::Tx& tx) -> Result<Subscription> {
        if (CountOf(tx, "adv_subscriptions", p.organisation_id) >= kMaxPerOrg) {
          return Error::Invalid(fmt::format("at most {} subscriptions", kMaxPerOrg));
        }
        const auto row = tx.One(
            "INSERT INTO adv_subscriptions (org_id, kind, value, min_severity, created_by, "
            "created_at_us) VALUES (?, ?, ?, ?, ?, ?) RETURNING id, org_id, kind, value, "
            "min_severity, created_at_us",
            {Int(p.organisation_id), Text(s.kind), Text(value), Text(s.min_severity),
             Int(p.user_id), Int(now)});
        return ToSubscription(*row);
      });
    } catch (const storage::StorageError& e) {
      if (e.kind() == storage::StorageError::Kind::kUniqueViolation) {
        return Error::Conflict("this subscription exists already");
      }
      throw;
    }
  }

  Status Unsubscribe(const Principal& p, std::int64_t id) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the subscriptions");
    }
    const auto r = db_.Query("DELETE FROM adv_subscriptions WHERE id = ? AND org_id = ?",
                             {Int(id), Int(p.organisation_id)});
    if (r.affected_rows == 0) return Error::NotFound("no such subscription");
    return {};
  }

  // --- Webhooks ---

  Result<std::vector<Webhook>> Webhooks(const Principal& p) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the webhooks");
    }
    std::vector<Webhook> out;
    for (const auto& r :
         db_.Query(fmt::format("SELECT {} FROM adv_webhooks WHERE org_id = ? ORDER BY id",
                               kWebhookColumns),
                   {Int(p.organisation_id)})
             .rows) {
      out.push_back(ToWebhook(r));
    }
    return out;
  }

  Status CheckWebhookUrl(const std::string& url) const {
    const auto parsed = ParseWebUrl(url);
    if (!parsed) {
      return Error::Invalid(
          fmt::format("url must be an http(s) URL without credentials, at most {} characters",
                      kMaxUrlBytes),
          "url");
    }
    if (!options_.allow_private_addresses) return CheckWebhookHost(parsed->host);
    return {};
  }

  Result<CreatedWebhook> CreateWebhook(const Principal& p, const NewWebhook& w) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the webhooks");
    }
    if (auto s = CheckWebhookUrl(w.url); !s) return s.error();
    if (w.description.size() > kMaxDescriptionBytes || HasControl(w.description)) {
      return Error::Invalid(
          fmt::format("description must be at most {} characters", kMaxDescriptionBytes),
          "description");
    }
    if (!ValidMinSeverity(w.min_severity)) {
      return Error::Invalid("min_severity must be low, medium, high or critical", "min_severity");
    }
    CreatedWebhook out;
    out.secret = "whsec_" + RandomToken(32);
    const std::string sealed = Seal(out.secret);
    const std::int64_t now = Us(clock_.Now());
    auto created = db_.Transact([&](storage::Tx& tx) -> Result<Webhook> {
      if (CountOf(tx, "adv_webhooks", p.organisation_id) >= kMaxPerOrg) {
        return Error::Invalid(fmt::format("at most {} webhooks", kMaxPerOrg));
      }
      const auto row = tx.One(
          fmt::format("INSERT INTO adv_webhooks (org_id, url, description, secret, "
                      "min_severity, enabled, created_by, created_at_us, updated_at_us) VALUES "
                      "(?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING {}",
                      kWebhookColumns),
          {Int(p.organisation_id), Text(w.url), Text(w.description), Text(sealed),
           Text(w.min_severity), Int(p.user_id), Int(now), Int(now)});
      return ToWebhook(*row);
    });
    if (!created) return created.error();
    out.webhook = std::move(*created);
    return out;
  }

  Result<Webhook> UpdateWebhook(const Principal& p, std::int64_t id, const WebhookPatch& patch) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the webhooks");
    }
    if (patch.url) {
      if (auto s = CheckWebhookUrl(*patch.url); !s) return s.error();
    }
    if (patch.description &&
        (patch.description->size() > kMaxDescriptionBytes || HasControl(*patch.description))) {
      return Error::Invalid(
          fmt::format("description must be at most {} characters", kMaxDescriptionBytes),
          "description");
    }
    if (patch.min_severity && !ValidMinSeverity(*patch.min_severity)) {
      return Error::Invalid("min_severity must be low, medium, high or critical", "min_severity");
    }
    return db_.Transact([&](storage::Tx& tx) -> Result<Webhook> {
      const auto current = tx.One(
          fmt::format("SELECT {} FROM adv_webhooks WHERE id = ? AND org_id = ?", kWebhookColumns),
          {Int(id), Int(p.organisation_id)});
      if (!current) return Error::NotFound("no such webhook");
      Webhook w = ToWebhook(*current);
      if (patch.url) w.url = *patch.url;
      if (patch.description) w.description = *patch.description;
      if (patch.min_severity) w.min_severity = *patch.min_severity;
      if (patch.enabled) w.enabled = *patch.enabled;
      tx.Exec(
          "UPDATE adv_webhooks SET url = ?, description = ?, min_severity = ?, enabled = ?, "
          "updated_at_us = ? WHERE id = ?",
          {Text(w.url), Text(w.description), Text(w.min_severity), Int(w.enabled ? 1 : 0),
           Int(Us(clock_.Now())), Int(id)});
      return w;
    });
  }

  Status DeleteWebhook(const Principal& p, std::int64_t id) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the webhooks");
    }
    return db_.Transact([&](storage::Tx& tx) -> Status {
      const auto r = tx.Exec("DELETE FROM adv_webhooks WHERE id = ? AND org_id = ?",
                             {Int(id), Int(p.organisation_id)});
      if (r.affected_rows == 0) return Error::NotFound("no such webhook");
      tx.Exec(
          "DELETE FROM adv_delivery_attempts WHERE delivery_id IN (SELECT id FROM "
          "adv_deliveries WHERE webhook_id = ?)",
          {Int(id)});
      tx.Exec("DELETE FROM adv_deliveries WHERE webhook_id = ?", {Int(id)});
      return {};
    });
  }

  Result<std::vector<WebhookDelivery>> WebhookDeliveries(const Principal& p,
                                                         std::int64_t id,
                                                         std::size_t limit) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the webhooks");
    }
    if (!db_.QueryOne("SELECT id FROM adv_webhooks WHERE id = ? AND org_id = ?",
                      {Int(id), Int(p.organisation_id)})) {
      return Error::NotFound("no such webhook");
    }
    std::vector<WebhookDelivery> out;
    for (const auto& r :
         db_.Query(
                fmt::format("SELECT {} FROM adv_deliveries WHERE webhook_id = ? ORDER BY id "
                            "DESC LIMIT ?",
                            kDeliveryColumns),
                {Int(id), Int(static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, 200)))})
             .rows) {
      out.push_back(ToDelivery(r));
    }
    return out;
  }

  Result<WebhookDelivery> PingWebhook(const Principal& p, std::int64_t id) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the webhooks");
    }
    const auto hook =
        db_.QueryOne("SELECT url, secret FROM adv_webhooks WHERE id = ? AND org_id = ?",
                     {Int(id), Int(p.organisation_id)});
    if (!hook) return Error::NotFound("no such webhook");
    const TimePoint now = clock_.Now();
    json::object body;
    body["id"] = 0;
    body["kind"] = "ping";
    body["org_id"] = p.organisation_id;
    body["created_at"] = FormatRfc3339(now);
    body["data"] = json::object{{"webhook_id", id}};
    const std::string text = json::serialize(body);
    const auto row = db_.QueryOne(
        "INSERT INTO adv_deliveries (webhook_id, org_id, event_id, kind, body, status, attempts, "
        "next_attempt_us, lease_owner, lease_until_us, last_error, created_at_us, updated_at_us) "
        "VALUES (?, ?, NULL, 'ping', ?, 'pending', 0, NULL, ?, ?, '', ?, ?) RETURNING id",
        {Int(id), Int(p.organisation_id), Text(text), Text(hub_id_), Int(Us(now) + kLeaseUs),
         Int(Us(now)), Int(Us(now))});
    Attempt(DueDelivery{row->Int(0), "ping", text, 0, hook->Text(0), hook->Text(1)},
            /*final_attempt=*/true);
    const auto done =
        db_.QueryOne(fmt::format("SELECT {} FROM adv_deliveries WHERE id = ?", kDeliveryColumns),
                     {Int(row->Int(0))});
    return ToDelivery(*done);
  }

  // --- E-mail recipients ---

  Result<std::vector<EmailRecipient>> EmailRecipients(const Principal& p) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the e-mail recipients");
    }
    std::vector<EmailRecipient> out;
    for (const auto& r :
         db_.Query("SELECT id, org_id, address, min_severity, digest, created_at_us FROM "
                   "adv_email_recipients WHERE org_id = ? ORDER BY id",
                   {Int(p.organisation_id)})
             .rows) {
      out.push_back(ToRecipient(r));
    }
    return out;
  }

  Result<EmailRecipient> AddEmailRecipient(const Principal& p, const NewEmailRecipient& r) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the e-mail recipients");
    }
    if (!ValidMailbox(r.address)) {
      return Error::Invalid("address must be a plain e-mail address (local@domain)", "address");
    }
    if (!ValidMinSeverity(r.min_severity)) {
      return Error::Invalid("min_severity must be low, medium, high or critical", "min_severity");
    }
    const std::int64_t now = Us(clock_.Now());
    try {
      return db_.Transact([&](storage::Tx& tx) -> Result<EmailRecipient> {
        if (CountOf(tx, "adv_email_recipients", p.organisation_id) >= kMaxPerOrg) {
          return Error::Invalid(fmt::format("at most {} e-mail recipients", kMaxPerOrg));
        }
        const auto row = tx.One(
            "INSERT INTO adv_email_recipients (org_id, address, min_severity, digest, "
            "created_by, created_at_us) VALUES (?, ?, ?, ?, ?, ?) RETURNING id, org_id, address, "
            "min_severity, digest, created_at_us",
            {Int(p.organisation_id), Text(r.address), Text(r.min_severity), Int(r.digest ? 1 : 0),
             Int(p.user_id), Int(now)});
        return ToRecipient(*row);
      });
    } catch (const storage::StorageError& e) {
      if (e.kind() == storage::StorageError::Kind::kUniqueViolation) {
        return Error::Conflict("this address is a recipient already");
      }
      throw;
    }
  }

  Status DeleteEmailRecipient(const Principal& p, std::int64_t id) {
    if (!identity::Allowed(p, identity::Permission::kManageDelivery, OwnOrg(p))) {
      return Error::Denied("you may not manage the e-mail recipients");
    }
    return db_.Transact([&](storage::Tx& tx) -> Status {
      const auto r = tx.Exec("DELETE FROM adv_email_recipients WHERE id = ? AND org_id = ?",
                             {Int(id), Int(p.organisation_id)});
      if (r.affected_rows == 0) return Error::NotFound("no such e-mail recipient");
      tx.Exec(
          "UPDATE adv_email_outbox SET status = 'failed', last_error = 'recipient removed' "
          "WHERE recipient_id = ? AND status IN ('held', 'pending')",
          {Int(id)});
      return {};
    });
  }

 private:
  struct Entry {
    Principal principal;
    std::shared_ptr<LiveStream> stream;
    std::int64_t cursor = 0;
  };
  struct RingItem {
    Event event;
    std::string envelope;
    std::vector<std::pair<std::int64_t, std::int64_t>> orgs;  // advisory.published: subscribers
    // What decides who may see the advisory the event concerns; nullopt when it concerns none the
    // store holds.
    std::optional<identity::AdvisoryScope> advisory;
  };
  struct DueDelivery {
    std::int64_t id = 0;
    std::string kind;
    std::string body;
    int attempts = 0;
    std::string url;
    std::string sealed_secret;
  };

  // Runs `pass` every poll interval, or again at once while it answers that more is waiting.
  void Loop(const std::function<bool()>& pass) {
    while (true) {
      bool more = false;
      try {
        more = pass();
      } catch (const std::exception& e) {
        spdlog::error("early-warning delivery: {}", e.what());
      }
      std::unique_lock lock(run_mu_);
      if (more) {
        if (stopped_) return;
        continue;
      }
      if (run_cv_.wait_for(lock, options_.poll_interval, [&] { return stopped_; })) return;
    }
  }

  static std::size_t CountOf(storage::Tx& tx, std::string_view table, std::int64_t org_id) {
    const auto row =
        tx.One(fmt::format("SELECT COUNT(*) FROM {} WHERE org_id = ?", table), {Int(org_id)});
    return row ? static_cast<std::size_t>(row->Int(0)) : 0;
  }

  std::string Seal(const std::string& secret) const {
    if (box_) return "box:" + box_->Seal(secret);
    return "plain:" + secret;
  }

  std::optional<std::string> Unseal(std::string_view stored) const {
    if (stored.rfind("box:", 0) == 0) {
      if (!box_) return std::nullopt;
      return box_->Open(stored.substr(4));
    }
    if (stored.rfind("plain:", 0) == 0) return std::string(stored.substr(6));
    return std::nullopt;
  }

  std::vector<SubscriptionRow> LoadSubscriptions(std::optional<std::int64_t> org_id) {
    std::vector<SubscriptionRow> out;
    const auto result =
        org_id ? db_.Query(
                     "SELECT id, org_id, kind, value, min_severity FROM adv_subscriptions "
                     "WHERE org_id = ? ORDER BY id",
                     {Int(*org_id)})
               : db_.Query(
                     "SELECT id, org_id, kind, value, min_severity FROM adv_subscriptions "
                     "ORDER BY id");
    for (const auto& r : result.rows) {
      out.push_back({r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4)});
    }
    return out;
  }

  void EnsureLivePosition() {
    std::lock_guard lock(live_mu_);
    if (live_initialised_) return;
    auto last = LastEventId(db_);
    if (!last) throw ErrorException(last.error());
    live_position_ = *last;
    live_initialised_ = true;
  }

  // Queues the event for the stream when it is new to it and visible: about a provider the user
  // may read (or matching its organisation's subscriptions), and about an advisory its
  // organisation may see (identity::AllowedToSeeAdvisory). Holds live_mu_.
  static void Offer(Entry& entry, const RingItem& item) {
    const Event& e = item.event;
    if (e.id <= entry.cursor) return;
    entry.cursor = e.id;
    const bool visible =
        e.org_id == 0
            ? std::any_of(item.orgs.begin(), item.orgs.end(),
                          [&](const auto& o) { return o.first == entry.principal.organisation_id; })
            : MayReadEvent(entry.principal, e);
    if (!visible) return;
    if (item.advisory && !identity::AllowedToSeeAdvisory(OwnOrg(entry.principal), *item.advisory)) {
      return;
    }
    entry.stream->Push({e.id, e.kind, item.envelope});
  }

  // The TLP and holder of the advisories `events` concern, by advisory id (those the store holds).
  std::map<std::int64_t, identity::AdvisoryScope> LoadAdvisoryScopes(
      const std::vector<Event>& events) {
    std::set<std::int64_t> ids;
    for (const auto& e : events) {
      if (e.advisory_id != 0) ids.insert(e.advisory_id);
    }
    const std::vector<std::int64_t> list(ids.begin(), ids.end());
    std::map<std::int64_t, identity::AdvisoryScope> out;
    constexpr std::size_t kPerQuery = 200;
    for (std::size_t start = 0; start < list.size(); start += kPerQuery) {
      const std::size_t end = std::min(list.size(), start + kPerQuery);
      std::vector<Value> params;
      std::string in;
      for (std::size_t i = start; i < end; ++i) {
        in += i == start ? "?" : ", ?";
        params.push_back(Int(list[i]));
      }
      for (const auto& r :
           db_.Query("SELECT adv.id, adv.tlp, adv.holder_org_id, ho.kind, ho.parent_id FROM "
                     "adv_advisories adv LEFT JOIN organisations ho ON ho.id = adv.holder_org_id "
                     "WHERE adv.id IN (" +
                         in + ")",
                     params)
               .rows) {
        identity::AdvisoryScope scope;
        scope.tlp = AdvisoryTlp(r.OptText(1));
        if (const auto holder = r.OptInt(2)) {
          const auto kind = r.OptText(3);
          scope.holder = identity::OrgRef{
              *holder,
              kind ? identity::ParseOrgKind(*kind).value_or(identity::OrgKind::kProvider)
                   : identity::OrgKind::kProvider,
              r.OptInt(4)};
        }
        out[r.Int(0)] = scope;
      }
    }
    return out;
  }

  // Whether an organisation may not see the advisory an event concerns (the policy's rule as
  // visibility.h writes it in SQL). An advisory the store does not hold hides nothing.
  static bool Hidden(storage::Tx& tx, std::int64_t org, std::int64_t advisory_id) {
    if (advisory_id == 0) return false;
    const auto row = tx.One(
        fmt::format("SELECT (SELECT COUNT(*) FROM organisations vo WHERE vo.id = ? AND {}) FROM "
                    "adv_advisories adv WHERE adv.id = ?",
                    VisibleToOrgSql("adv", "vo")),
        {Int(org), Int(advisory_id)});
    return row && row->Int(0) == 0;
  }

  // Drops streams whose client went away. Holds live_mu_.
  void Prune() {
    streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                  [](const Entry& e) { return e.stream->closed(); }),
                   streams_.end());
  }

  // The log's events as the live streams and the fan-out use them: envelopes, and for
  // advisory.published the organisations whose subscriptions it matches.
  std::vector<RingItem> ItemsOf(std::vector<Event> events) {
    std::vector<SubscriptionRow> subscriptions;
    if (std::any_of(events.begin(), events.end(),
                    [](const Event& e) { return e.kind == "advisory.published"; })) {
      subscriptions = LoadSubscriptions(std::nullopt);
    }
    const auto scopes = LoadAdvisoryScopes(events);
    std::vector<RingItem> items;
    items.reserve(events.size());
    for (auto& e : events) {
      RingItem item;
      item.envelope = Envelope(e);
      if (e.org_id == 0 && e.kind == "advisory.published") {
        item.orgs = MatchSubscriptions(subscriptions, e);
      }
      const auto scope = scopes.find(e.advisory_id);
      if (scope != scopes.end()) item.advisory = scope->second;
      item.event = std::move(e);
      items.push_back(std::move(item));
    }
    return items;
  }

  std::vector<RingItem> ReadItems(std::int64_t after) {
    auto events = EventsAfter(db_, after, kEventBatch);
    if (!events) throw ErrorException(events.error());
    return ItemsOf(std::move(*events));
  }

  // Live streams and the fan-out each read the log from their own position: connected clients
  // get a new event on the next pass however far the fan-out to inboxes, webhooks and e-mail
  // lags behind (after a bulk import it works through a backlog of thousands).
  DeliveryPass ReaderPass() {
    DeliveryPass pass;
    EnsureLivePosition();
    const auto state = db_.QueryOne("SELECT last_event_id FROM adv_delivery_state WHERE id = 1");
    const std::int64_t fanout_position = state ? state->Int(0) : 0;
    std::int64_t live_position = 0;
    {
      std::lock_guard lock(live_mu_);
      live_position = live_position_;
    }

    const std::vector<RingItem> fresh = ReadItems(live_position);
    if (!fresh.empty()) {
      std::lock_guard lock(live_mu_);
      Prune();
      for (const auto& item : fresh) {
        if (item.event.id <= live_position_) continue;
        for (auto& entry : streams_) Offer(entry, item);
        ring_.push_back(item);
        if (ring_.size() > kRingSize) ring_.pop_front();
        live_position_ = item.event.id;
      }
    }

    std::vector<RingItem> backlog;
    if (fanout_position != live_position) backlog = ReadItems(fanout_position);
    const std::vector<RingItem>& fan = fanout_position == live_position ? fresh : backlog;
    pass.events = std::max(fresh.size(), fan.size());
    if (!fan.empty() && fan.back().event.id > fanout_position) pass.notifications = FanOut(fan);
    return pass;
  }

  std::size_t FanOut(const std::vector<RingItem>& items) {
    const std::int64_t now = Us(clock_.Now());
    return db_.Transact([&](storage::Tx& tx) {
      tx.LockExclusive(kFanoutLock);
      const auto state = tx.One("SELECT last_event_id FROM adv_delivery_state WHERE id = 1");
      const std::int64_t cursor = state ? state->Int(0) : 0;
      std::size_t created = 0;
      std::int64_t last = cursor;
      for (const auto& item : items) {
        const Event& e = item.event;
        if (e.id <= cursor) continue;
        last = e.id;
        std::vector<std::pair<std::int64_t, std::optional<std::int64_t>>> targets;
        if (e.org_id != 0) {
          targets.emplace_back(e.org_id, std::nullopt);
          if (e.kind == "alert.overdue" && e.org_parent_id != 0) {
            targets.emplace_back(e.org_parent_id, std::nullopt);
          }
        } else {
          for (const auto& [org, sub] : item.orgs) targets.emplace_back(org, sub);
        }
        if (targets.empty()) continue;
        const json::object payload = ParseObject(e.payload).value_or(json::object());
        const std::string title = EventTitle(e, payload);
        for (const auto& [org, sub] : targets) {
          if (Hidden(tx, org, e.advisory_id)) continue;
          const auto inserted = tx.One(
              "INSERT INTO adv_notifications (org_id, event_id, kind, alert_id, advisory_id, "
              "severity, title, payload, subscription_id, created_at_us) VALUES (?, ?, ?, ?, ?, "
              "?, ?, ?, ?, ?) ON CONFLICT (org_id, event_id) DO NOTHING RETURNING id",
              {Int(org), Int(e.id), Text(e.kind), Int(e.alert_id), Int(e.advisory_id),
               Text(e.severity), Text(title), Text(e.payload), sub ? Int(*sub) : Null(),
               Int(Us(e.created_at))});
          if (!inserted) continue;
          ++created;
          QueueWebhooks(tx, org, e, item.envelope, now);
          if (e.kind != "alert.state") QueueEmails(tx, org, e, payload, title, now);
        }
      }
      tx.Exec("UPDATE adv_delivery_state SET last_event_id = ? WHERE id = 1 AND last_event_id < ?",
              {Int(last), Int(last)});
      return created;
    });
  }

  void QueueWebhooks(storage::Tx& tx,
                     std::int64_t org,
                     const Event& e,
                     const std::string& envelope,
                     std::int64_t now) {
    const auto hooks = tx.Exec(
        "SELECT id, min_severity FROM adv_webhooks WHERE org_id = ? AND enabled = 1", {Int(org)});
    for (const auto& h : hooks.rows) {
      if (!SeverityAtLeast(e.severity, h.Text(1))) continue;
      tx.Exec(
          "INSERT INTO adv_deliveries (webhook_id, org_id, event_id, kind, body, status, "
          "attempts, next_attempt_us, last_error, created_at_us, updated_at_us) VALUES (?, ?, ?, "
          "?, ?, 'pending', 0, ?, '', ?, ?) ON CONFLICT (webhook_id, event_id) DO NOTHING",
          {Int(h.Int(0)), Int(org), Int(e.id), Text(e.kind), Text(envelope), Int(now), Int(now),
           Int(now)});
    }
  }

  void QueueEmails(storage::Tx& tx,
                   std::int64_t org,
                   const Event& e,
                   const json::object& payload,
                   const std::string& title,
                   std::int64_t now) {
    const auto recipients = tx.Exec(
        "SELECT id, address, min_severity, digest FROM adv_email_recipients WHERE org_id = ?",
        {Int(org)});
    if (recipients.rows.empty()) return;
    const std::string subject = e.severity.empty()
                                    ? fmt::format("[Caduceus] {}", title)
                                    : fmt::format("[Caduceus] {}: {}", e.severity, title);
    const std::string body = MailBody(e, payload, options_.hub_url);
    const bool low = e.severity == "low";
    for (const auto& r : recipients.rows) {
      if (!SeverityAtLeast(e.severity, r.Text(2))) continue;
      if (low && r.Int(3) == 0) continue;
      tx.Exec(
          "INSERT INTO adv_email_outbox (recipient_id, org_id, event_id, kind, address, subject, "
          "body, status, attempts, next_attempt_us, last_error, created_at_us) VALUES (?, ?, ?, "
          "?, ?, ?, ?, ?, 0, ?, '', ?) ON CONFLICT (recipient_id, event_id) DO NOTHING",
          {Int(r.Int(0)), Int(org), Int(e.id), Text(low ? "digest_item" : "immediate"),
           Text(r.Text(1)), Text(subject), Text(body), Text(low ? "held" : "pending"),
           low ? Null() : Int(now), Int(now)});
    }
  }

  // --- Sending ---

  DeliveryPass SenderPass() {
    DeliveryPass pass;
    Withhold();
    pass.digests = ComposeDigests();
    pass.webhook_attempts = SendDueWebhooks();
    pass.emails_sent = SendDueEmails();
    return pass;
  }

  // Claims a row of `table` for this hub; false when another hub holds it or it is done.
  bool Claim(std::string_view table, std::int64_t id, std::int64_t now) {
    return db_.Query(fmt::format("UPDATE {} SET lease_owner = ?, lease_until_us = ? WHERE id = ? "
                                 "AND status = 'pending' AND (lease_until_us IS NULL OR "
                                 "lease_until_us < ?)",
                                 table),
                     {Text(hub_id_), Int(now + kLeaseUs), Int(id), Int(now)})
               .affected_rows == 1;
  }

  std::size_t SendDueWebhooks() {
    const std::int64_t now = Us(clock_.Now());
    const auto due = db_.Query(
        "SELECT d.id, d.kind, d.body, d.attempts, w.url, w.secret FROM adv_deliveries d JOIN "
        "adv_webhooks w ON w.id = d.webhook_id WHERE d.status = 'pending' AND d.next_attempt_us "
        "<= ? AND (d.lease_until_us IS NULL OR d.lease_until_us < ?) ORDER BY d.next_attempt_us, "
        "d.id LIMIT ?",
        {Int(now), Int(now), Int(static_cast<std::int64_t>(kSendBatch))});
    std::size_t attempted = 0;
    for (const auto& r : due.rows) {
      if (StopRequested()) break;
      if (!Claim("adv_deliveries", r.Int(0), now)) continue;
      Attempt(DueDelivery{r.Int(0), r.Text(1), r.Text(2), static_cast<int>(r.Int(3)), r.Text(4),
                          r.Text(5)},
              false);
      ++attempted;
    }
    return attempted;
  }

  // One attempt of a claimed delivery; records it and releases the lease.
  void Attempt(const DueDelivery& d, bool final_attempt) {
    std::optional<int> http_status;
    std::string error;
    const auto secret = Unseal(d.sealed_secret);
    const auto parsed = ParseWebUrl(d.url);
    if (!secret) {
      error = "the webhook secret cannot be decrypted with this hub's key";
    } else if (!parsed) {
      error = "the webhook URL is not valid";
    } else if (auto s =
                   options_.allow_private_addresses ? Status{} : CheckWebhookHost(parsed->host);
               !s) {
      error = s.error().message;
    } else {
      const std::string timestamp = std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch())
              .count());
      client::ClientRequest request;
      request.method = "POST";
      request.url = d.url;
      request.body = d.body;
      request.headers = {{"Content-Type", "application/json"},
                         {"User-Agent", "caduceus-hub"},
                         {"X-Caduceus-Event", d.kind},
                         {"X-Caduceus-Delivery", std::to_string(d.id)},
                         {"X-Caduceus-Timestamp", timestamp},
                         {"X-Caduceus-Signature", WebhookSignature(*secret, timestamp, d.body)}};
      client::ClientOptions client_options;
      client_options.public_addresses_only = !options_.allow_private_addresses;
      client_options.timeout = options_.webhook_timeout;
      client_options.ca_file = options_.ca_file;
      client_options.max_body_bytes = 64 * 1024;
      auto response = client::Send(request, client_options);
      if (!response) {
        error = response.error().message;
      } else {
        http_status = response->status;
        if (response->status < 200 || response->status > 299) {
          error = fmt::format("the receiver answered HTTP {}", response->status);
        }
      }
    }
    const int attempts = d.attempts + 1;
    const std::int64_t now = Us(clock_.Now());
    std::string status = "delivered";
    std::optional<std::int64_t> next;
    if (!error.empty()) {
      if (final_attempt || attempts >= kMaxAttempts) {
        status = "failed";
      } else {
        status = "pending";
        next = now + RetryDelay(attempts).count();
      }
    }
    db_.Transact([&](storage::Tx& tx) {
      tx.Exec(
          "INSERT INTO adv_delivery_attempts (delivery_id, attempt, at_us, http_status, error) "
          "VALUES (?, ?, ?, ?, ?)",
          {Int(d.id), Int(attempts), Int(now), http_status ? Int(*http_status) : Null(),
           Text(CutUtf8(error, 500))});
      tx.Exec(
          "UPDATE adv_deliveries SET status = ?, attempts = ?, next_attempt_us = ?, "
          "last_http_status = ?, last_error = ?, lease_owner = NULL, lease_until_us = NULL, "
          "updated_at_us = ? WHERE id = ?",
          {Text(status), Int(attempts), next ? Int(*next) : Null(),
           http_status ? Int(*http_status) : Null(), Text(CutUtf8(error, 500)), Int(now),
           Int(d.id)});
    });
    if (!error.empty()) {
      spdlog::warn("webhook delivery {} attempt {} failed: {}", d.id, attempts, error);
    }
  }

  // True (in SQL) when the event of the row `table` names concerns an advisory the row's
  // organisation may no longer see (its TLP narrowed after the fan-out).
  static std::string HiddenSql(std::string_view table) {
    return fmt::format(
        "EXISTS (SELECT 1 FROM adv_events ev JOIN adv_advisories adv ON adv.id = "
        "ev.advisory_id WHERE ev.id = {0}.event_id AND NOT EXISTS (SELECT 1 FROM organisations "
        "vo WHERE vo.id = {0}.org_id AND {1}))",
        table, VisibleToOrgSql("adv", "vo"));
  }

  // Fails, unsent, the webhook deliveries and e-mails still waiting whose event concerns an
  // advisory the receiving organisation may no longer see, and takes such items out of the
  // digests still waiting (a digest left with none is failed).
  void Withhold() {
    const std::int64_t now = Us(clock_.Now());
    db_.Query(fmt::format("UPDATE adv_deliveries SET status = 'failed', last_error = ?, "
                          "updated_at_us = ? WHERE status = 'pending' AND {}",
                          HiddenSql("adv_deliveries")),
              {Text(std::string(kWithheld)), Int(now)});
    db_.Query(fmt::format("UPDATE adv_email_outbox SET status = 'failed', last_error = ? WHERE "
                          "status IN ('held', 'pending') AND {}",
                          HiddenSql("adv_email_outbox")),
              {Text(std::string(kWithheld))});
    // From the few digests waiting, not the digested items, which accumulate.
    const auto digests = db_.Query(fmt::format(
        "SELECT d.id FROM adv_email_outbox d WHERE d.status = 'pending' AND d.kind = 'digest' AND "
        "EXISTS (SELECT 1 FROM adv_email_outbox i WHERE i.digest_id = d.id AND i.status = "
        "'digested' AND {})",
        HiddenSql("i")));
    for (const auto& r : digests.rows) Recompose(r.Int(0));
  }

  // Rewrites a digest still waiting to be sent without its items that are now hidden.
  void Recompose(std::int64_t digest_id) {
    db_.Transact([&](storage::Tx& tx) {
      const auto digest =
          tx.One("SELECT digest_day FROM adv_email_outbox WHERE id = ? AND status = 'pending'",
                 {Int(digest_id)});
      if (!digest) return;
      tx.Exec(fmt::format("UPDATE adv_email_outbox SET status = 'failed', last_error = ? WHERE "
                          "digest_id = ? AND status = 'digested' AND {}",
                          HiddenSql("adv_email_outbox")),
              {Text(std::string(kWithheld)), Int(digest_id)});
      const auto items = tx.Exec(
          "SELECT subject, body FROM adv_email_outbox WHERE digest_id = ? AND status = "
          "'digested' ORDER BY id",
          {Int(digest_id)});
      if (items.rows.empty()) {
        tx.Exec("UPDATE adv_email_outbox SET status = 'failed', last_error = ? WHERE id = ?",
                {Text(std::string(kWithheld)), Int(digest_id)});
        return;
      }
      const auto [subject, body] = DigestText(digest->Text(0), items.rows, 0);
      tx.Exec("UPDATE adv_email_outbox SET subject = ?, body = ? WHERE id = ?",
              {Text(subject), Text(body), Int(digest_id)});
    });
  }

  // The subject and body of the digest of `day` listing `items` (their subject and body from
  // column `first` on).
  static std::pair<std::string, std::string> DigestText(std::string_view day,
                                                        const std::vector<storage::Row>& items,
                                                        std::size_t first) {
    std::string body =
        fmt::format("Low-severity early-warning items up to {} ({}):\n", day, items.size());
    for (const auto& item : items) {
      body += "\n----\n" + item.Text(first) + "\n\n" + item.Text(first + 1);
    }
    return {fmt::format("[Caduceus] Daily digest {}: {} low-severity item(s)", day, items.size()),
            std::move(body)};
  }

  std::size_t ComposeDigests() {
    const TimePoint now = clock_.Now();
    const std::int64_t day_start = Us(StartOfUtcDay(now));
    const std::string day = UtcDay(now);
    const auto recipients = db_.Query(
        "SELECT DISTINCT recipient_id FROM adv_email_outbox WHERE kind = 'digest_item' AND "
        "status = 'held' AND created_at_us < ?",
        {Int(day_start)});
    std::size_t composed = 0;
    for (const auto& r : recipients.rows) {
      const std::int64_t recipient = r.Int(0);
      composed += db_.Transact([&](storage::Tx& tx) -> std::size_t {
        const auto items = tx.Exec(
            "SELECT id, org_id, address, subject, body FROM adv_email_outbox WHERE "
            "recipient_id = ? AND kind = 'digest_item' AND status = 'held' AND created_at_us < ? "
            "ORDER BY id LIMIT ?",
            {Int(recipient), Int(day_start), Int(static_cast<std::int64_t>(kMaxDigestItems))});
        if (items.rows.empty()) return 0;
        const auto [subject, body] = DigestText(day, items.rows, 3);
        const auto inserted = tx.One(
            "INSERT INTO adv_email_outbox (recipient_id, org_id, event_id, digest_day, kind, "
            "address, subject, body, status, attempts, next_attempt_us, last_error, "
            "created_at_us) VALUES (?, ?, NULL, ?, 'digest', ?, ?, ?, 'pending', 0, ?, '', ?) "
            "ON CONFLICT (recipient_id, digest_day) DO NOTHING RETURNING id",
            {Int(recipient), Int(items.rows.front().Int(1)), Text(day),
             Text(items.rows.front().Text(2)), Text(subject), Text(body), Int(Us(now)),
             Int(Us(now))});
        if (!inserted) return 0;
        for (const auto& item : items.rows) {
          tx.Exec("UPDATE adv_email_outbox SET status = 'digested', digest_id = ? WHERE id = ?",
                  {Int(inserted->Int(0)), Int(item.Int(0))});
        }
        return 1;
      });
    }
    return composed;
  }

  std::size_t SendDueEmails() {
    if (options_.smtp.host.empty()) return 0;
    const std::int64_t now = Us(clock_.Now());
    const auto due = db_.Query(
        "SELECT id, address, subject, body, attempts, created_at_us FROM adv_email_outbox WHERE "
        "status = 'pending' AND next_attempt_us <= ? AND (lease_until_us IS NULL OR "
        "lease_until_us < ?) ORDER BY next_attempt_us, id LIMIT ?",
        {Int(now), Int(now), Int(static_cast<std::int64_t>(kSendBatch))});
    std::size_t sent = 0;
    for (const auto& r : due.rows) {
      if (StopRequested()) break;
      const std::int64_t id = r.Int(0);
      if (!Claim("adv_email_outbox", id, now)) continue;
      MailMessage m;
      m.to = r.Text(1);
      m.subject = r.Text(2);
      m.body = r.Text(3);
      m.message_id = fmt::format("caduceus.{}.{}", id, r.Int(5));
      m.date = clock_.Now();
      SmtpSession session(options_.smtp, options_.ca_file);
      const Status result = session.Send(m);
      const int attempts = static_cast<int>(r.Int(4)) + 1;
      const std::int64_t after = Us(clock_.Now());
      if (result) {
        ++sent;
        db_.Query(
            "UPDATE adv_email_outbox SET status = 'sent', attempts = ?, sent_at_us = ?, "
            "last_error = '', lease_owner = NULL, lease_until_us = NULL WHERE id = ?",
            {Int(attempts), Int(after), Int(id)});
      } else {
        spdlog::warn("e-mail {} attempt {} failed: {}", id, attempts, result.error().message);
        const bool give_up = attempts >= kMaxAttempts;
        db_.Query(
            "UPDATE adv_email_outbox SET status = ?, attempts = ?, next_attempt_us = ?, "
            "last_error = ?, lease_owner = NULL, lease_until_us = NULL WHERE id = ?",
            {Text(give_up ? "failed" : "pending"), Int(attempts),
             give_up ? Null() : Int(after + RetryDelay(attempts).count()),
             Text(CutUtf8(result.error().message, 500)), Int(id)});
      }
    }
    return sent;
  }

  bool StopRequested() {
    std::lock_guard lock(run_mu_);
    return stopped_;
  }

  storage::Database& db_;
  const Clock& clock_;
  const DeliveryOptions options_;
  std::optional<identity::SecretBox> box_;
  std::string hub_id_;

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool running_ = false;  // guarded by run_mu_
  bool stopped_ = false;  // guarded by run_mu_
  std::thread reader_;
  std::thread sender_;

  std::mutex live_mu_;
  bool live_initialised_ = false;   // guarded by live_mu_
  std::int64_t live_position_ = 0;  // guarded by live_mu_: the last event offered to streams
  std::vector<Entry> streams_;      // guarded by live_mu_
  std::deque<RingItem> ring_;       // guarded by live_mu_: the latest events offered
};

DeliveryService::DeliveryService(storage::Database& db,
                                 const Clock& clock,
                                 identity::IdentityService&,
                                 DeliveryOptions options)
    : impl_(std::make_unique<Impl>(db, clock, std::move(options))) {}

DeliveryService::~DeliveryService() = default;

std::span<const storage::Migration> DeliveryService::Migrations() { return kMigrations; }
void DeliveryService::Start() { impl_->Start(); }
void DeliveryService::Stop() { impl_->Stop(); }
DeliveryPass DeliveryService::RunOnce() { return impl_->RunOnce(); }

Result<std::shared_ptr<LiveStream>> DeliveryService::OpenStream(
    const Principal& principal, std::optional<std::int64_t> last_event_id) {
  return impl_->OpenStream(principal, last_event_id);
}
Result<InboxPage> DeliveryService::Inbox(const Principal& principal, const InboxQuery& query) {
  return impl_->Inbox(principal, query);
}
Result<std::int64_t> DeliveryService::MarkRead(const Principal& principal,
                                               std::span<const std::int64_t> ids,
                                               bool all) {
  return impl_->MarkRead(principal, ids, all);
}
Result<std::vector<Subscription>> DeliveryService::Subscriptions(const Principal& principal) {
  return impl_->Subscriptions(principal);
}
Result<Subscription> DeliveryService::Subscribe(const Principal& principal,
                                                const NewSubscription& s) {
  return impl_->Subscribe(principal, s);
}
Status DeliveryService::Unsubscribe(const Principal& principal, std::int64_t id) {
  return impl_->Unsubscribe(principal, id);
}
Result<std::vector<Webhook>> DeliveryService::Webhooks(const Principal& principal) {
  return impl_->Webhooks(principal);
}
Result<CreatedWebhook> DeliveryService::CreateWebhook(const Principal& principal,
                                                      const NewWebhook& w) {
  return impl_->CreateWebhook(principal, w);
}
Result<Webhook> DeliveryService::UpdateWebhook(const Principal& principal,
                                               std::int64_t id,
                                               const WebhookPatch& patch) {
  return impl_->UpdateWebhook(principal, id, patch);
}
Status DeliveryService::DeleteWebhook(const Principal& principal, std::int64_t id) {
  return impl_->DeleteWebhook(principal, id);
}
Result<std::vector<WebhookDelivery>> DeliveryService::WebhookDeliveries(const Principal& principal,
                                                                        std::int64_t id,
                                                                        std::size_t limit) {
  return impl_->WebhookDeliveries(principal, id, limit);
}
Result<WebhookDelivery> DeliveryService::PingWebhook(const Principal& principal, std::int64_t id) {
  return impl_->PingWebhook(principal, id);
}
Result<std::vector<EmailRecipient>> DeliveryService::EmailRecipients(const Principal& principal) {
  return impl_->EmailRecipients(principal);
}
Result<EmailRecipient> DeliveryService::AddEmailRecipient(const Principal& principal,
                                                          const NewEmailRecipient& r) {
  return impl_->AddEmailRecipient(principal, r);
}
Status DeliveryService::DeleteEmailRecipient(const Principal& principal, std::int64_t id) {
  return impl_->DeleteEmailRecipient(principal, id);
}

}  // namespace caduceus::advisories
