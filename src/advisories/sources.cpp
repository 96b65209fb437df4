#include "advisories/sources.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <system_error>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gpgme.h>
#include <openssl/evp.h>

#include "advisories/service.h"
#include "client/fetcher.h"
#include "identity/policy.h"
#include "storage/database.h"

namespace caduceus::advisories {

namespace json = boost::json;
namespace fs = std::filesystem;
using identity::Actor;
using storage::Int;
using storage::Null;
using storage::Row;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

constexpr std::string_view kSourceColumns =
    "id, name, kind, url, enabled, interval_minutes, next_run_us, last_run_us, last_status, "
    "created_by_org, created_at_us, updated_at_us";
constexpr std::string_view kRunColumns =
    "id, source_id, started_at_us, finished_at_us, status, fetched, imported, unchanged, "
    "rejected, log";
constexpr std::size_t kMaxMetadataBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxKeys = 20;
constexpr std::size_t kMaxDistributions = 50;

std::int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
TimePoint FromMicros(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

std::string DigestHex(std::string_view bytes, const EVP_MD* md) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, md, nullptr);
  std::string out;
  for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "ABCD 1234 ..." or "abcd1234...": upper case hex without spaces.
std::string NormaliseFingerprint(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == ' ') continue;
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Unquote(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

// A relative path a provider lists (index.txt, changes.csv): no scheme, no "..", no leading '/'.
bool SafeRelativePath(std::string_view p) {
  if (p.empty() || p.size() > 1024 || p.front() == '/' || p.find("://") != std::string_view::npos) {
    return false;
  }
  if (p.find('\\') != std::string_view::npos) return false;
  std::size_t at = 0;
  while (at <= p.size()) {
    const std::size_t slash = std::min(p.find('/', at), p.size());
    if (p.substr(at, slash - at) == "..") return false;
    at = slash + 1;
  }
  return std::none_of(p.begin(), p.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == ' '; });
}

Source ReadSource(const Row& r) {
  Source s;
  s.id = r.Int(0);
  s.name = r.Text(1);
  s.kind = r.Text(2);
  s.url = r.Text(3);
  s.enabled = r.Int(4) != 0;
  s.interval_minutes = static_cast<int>(r.Int(5));
  s.next_run = FromMicros(r.Int(6));
  if (auto last = r.OptInt(7)) s.last_run = FromMicros(*last);
  s.last_status = r.OptText(8).value_or("");
  s.created_by_org = r.OptInt(9);
  s.created_at = FromMicros(r.Int(10));
  s.updated_at = FromMicros(r.Int(11));
  return s;
}

SourceRun ReadRun(const Row& r) {
  SourceRun run;
  run.id = r.Int(0);
  run.source_id = r.Int(1);
  run.started_at = FromMicros(r.Int(2));
  if (auto f = r.OptInt(3)) run.finished_at = FromMicros(*f);
  run.status = r.Text(4);
  run.fetched = r.Int(5);
  run.imported = r.Int(6);
  run.unchanged = r.Int(7);
  run.rejected = r.Int(8);
  std::string_view log = r.Text(9);
  while (!log.empty()) {
    const std::size_t nl = std::min(log.find('\n'), log.size());
    run.log.emplace_back(log.substr(0, nl));
    log.remove_prefix(std::min(nl + 1, log.size()));
  }
  return run;
}

// --- OpenPGP
// --------------------------------------------------------------------------------------

// A GnuPG home of its own for one run: the provider's keys are imported into it, and signatures
// are verified against it. Removed with everything in it when the run ends.
class Keyring {
 public:
  Keyring() {
    static std::once_flag once;
    std::call_once(once, [] { gpgme_check_version(nullptr); });
    std::string templ = (fs::temp_directory_path() / "caduceus-gpg-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) return;
    home_ = templ;
    if (gpgme_new(&ctx_) != 0) {
      ctx_ = nullptr;
      return;
    }
    gpgme_set_protocol(ctx_, GPGME_PROTOCOL_OpenPGP);
    gpgme_set_armor(ctx_, 1);
    if (gpgme_ctx_set_engine_info(ctx_, GPGME_PROTOCOL_OpenPGP, nullptr, home_.c_str()) != 0) {
      gpgme_release(ctx_);
      ctx_ = nullptr;
    }
  }
  ~Keyring() {
    if (ctx_ != nullptr) gpgme_release(ctx_);
    if (!home_.empty()) {
      std::error_code ec;
      fs::remove_all(home_, ec);
    }
  }
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  bool ready() const { return ctx_ != nullptr; }
  bool has_trusted() const { return !trusted_.empty(); }

  // Imports armored key material and trusts it when its primary fingerprint is `fingerprint`
  // (or, when the provider lists none, whatever it holds).
  Status Import(std::string_view armored, std::string_view fingerprint) {
    gpgme_data_t data = nullptr;
    if (gpgme_data_new_from_mem(&data, armored.data(), armored.size(), 1) != 0) {
      return Error::Invalid("the key cannot be read");
    }
    const gpgme_error_t err = gpgme_op_import(ctx_, data);
    gpgme_data_release(data);
    if (err != 0)
      return Error::Invalid(fmt::format("the key cannot be imported: {}", gpgme_strerror(err)));
    gpgme_import_result_t result = gpgme_op_import_result(ctx_);
    std::vector<std::string> imported;
    for (gpgme_import_status_t s = result != nullptr ? result->imports : nullptr; s != nullptr;
         s = s->next) {
      if (s->fpr != nullptr && s->result == 0) imported.push_back(NormaliseFingerprint(s->fpr));
    }
    if (imported.empty()) return Error::Invalid("the URL holds no OpenPGP public key");
    const std::string expected = NormaliseFingerprint(fingerprint);
    if (expected.empty()) {
      trusted_.insert(imported.begin(), imported.end());
      return {};
    }
    if (std::find(imported.begin(), imported.end(), expected) == imported.end()) {
      return Error::Invalid(fmt::format("the key's fingerprint is {}, not the listed {}",
                                        imported.front(), expected));
    }
    trusted_.insert(expected);
    return {};
  }

  // A good signature over `text`, made by a trusted key (or one of its subkeys).
  Status Verify(std::string_view text, std::string_view signature) {
    gpgme_data_t sig = nullptr;
    gpgme_data_t signed_text = nullptr;
    if (gpgme_data_new_from_mem(&sig, signature.data(), signature.size(), 1) != 0) {
      return Error::Invalid("the signature cannot be read");
    }
    if (gpgme_data_new_from_mem(&signed_text, text.data(), text.size(), 1) != 0) {
      gpgme_data_release(sig);
      return Error::Invalid("the document cannot be read");
    }
    const gpgme_error_t err = gpgme_op_verify(ctx_, sig, signed_text, nullptr);
    gpgme_data_release(sig);
    gpgme_data_release(signed_text);
    if (err != 0) {
      return Error::Invalid(
          fmt::format("the signature cannot be verified: {}", gpgme_strerror(err)));
    }
    gpgme_verify_result_t result = gpgme_op_verify_result(ctx_);
    if (result == nullptr || result->signatures == nullptr) {
      return Error::Invalid("the .asc file holds no signature");
    }
    const gpgme_signature_t s = result->signatures;
    const gpg_err_code_t code = gpgme_err_code(s->status);
    if (code == GPG_ERR_NO_PUBKEY) {
      return Error::Invalid(fmt::format("the signature was made by an unknown key {}",
                                        s->fpr != nullptr ? s->fpr : "?"));
    }
    if (code == GPG_ERR_BAD_SIGNATURE) {
      return Error::Invalid("the signature does not match the document (bad signature)");
    }
    if (code != GPG_ERR_NO_ERROR) {
      return Error::Invalid(
          fmt::format("the signature is not valid: {}", gpgme_strerror(s->status)));
    }
    gpgme_key_t key = nullptr;
    if (s->fpr == nullptr || gpgme_get_key(ctx_, s->fpr, &key, 0) != 0 || key == nullptr) {
      return Error::Invalid("the signing key cannot be found");
    }
    const std::string primary =
        key->subkeys != nullptr && key->subkeys->fpr != nullptr ? key->subkeys->fpr : "";
    gpgme_key_unref(key);
    if (trusted_.count(NormaliseFingerprint(primary)) == 0) {
      return Error::Invalid(fmt::format(
          "the signature was made by key {}, which the provider metadata does not list", primary));
    }
    return {};
  }

 private:
  std::string home_;
  gpgme_ctx_t ctx_ = nullptr;
  std::set<std::string> trusted_;
};

// A document a provider lists, with where its checksum and signature are.
struct Candidate {
  std::string url;
  std::string changed;  // changes.csv time or feed entry `updated`; empty when unknown
  std::vector<std::string> hash_urls;
  std::string signature_url;
};

struct StoredDoc {
  std::string sha256;
  std::string changed;
  std::string etag;
  std::string last_modified;
};

}  // namespace

class SourceService::Impl {
 public:
  Impl(storage::Database& db, const Clock& clock, AdvisoryService& advisories, SourceOptions o)
      : db_(db), clock_(clock), advisories_(advisories), options_(std::move(o)), fetcher_([&] {
          client::FetcherOptions f;
          f.allow_private_addresses = options_.allow_private_addresses;
          f.file_root = options_.file_root;
          f.ca_file = options_.ca_file;
          f.timeout = options_.timeout;
          f.max_body_bytes = options_.max_document_bytes;
          return f;
        }()) {}

  Status Authorise(Actor actor) {
    auto p = advisories_.CheckPublisher(actor);
    if (!p) return p.error();
    return {};
  }

  // The source, when the actor (a publisher) may see it, or manage it with `manage`; one it may
  // not see is missing, as one that does not exist. The system may do anything.
  Result<Source> Authorised(Actor actor, std::int64_t id, bool manage) {
    if (auto st = Authorise(actor); !st) return st.error();
    auto s = Load(id);
    if (!s || actor.principal == nullptr) return s;
    const identity::Principal& p = *actor.principal;
    if (!identity::AllowedOnAdvisorySource(p, false, s->created_by_org)) {
      return Error::NotFound("no such advisory source");
    }
    if (manage && !identity::AllowedOnAdvisorySource(p, true, s->created_by_org)) {
      return Error::Denied("only the organisation that set up an advisory source manages it");
    }
    return s;
  }

  std::optional<std::int64_t> OrgOf(Actor actor) {
    if (actor.principal == nullptr) return std::nullopt;
    return actor.principal->organisation_id;
  }

  Status CheckUrl(std::string_view kind, const std::string& url) const {
    const auto parsed = client::ParseFetchUrl(url);
    if (!parsed) {
      return Error::Invalid("url must be an http(s):// URL without credentials, or file:///",
                            "url");
    }
    if (parsed->scheme == "file") {
      if (!fetcher_.AllowedFile(parsed->path)) {
        return Error::Invalid("file:// sources must lie under the hub's advisory directory", "url");
      }
    } else if (kind == "directory") {
      return Error::Invalid("a directory source is a file:/// URL", "url");
    }
    return {};
  }

  static Status CheckName(const std::string& name) {
    if (name.empty() || name.size() > 200 || std::any_of(name.begin(), name.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20;
        })) {
      return Error::Invalid("name must be 1 to 200 characters on one line", "name");
    }
    return {};
  }

  static Status CheckInterval(int minutes) {
    if (minutes < 5 || minutes > 10080) {
      return Error::Invalid("interval_minutes must be 5 to 10080", "interval_minutes");
    }
    return {};
  }

  Result<Source> Load(std::int64_t id) {
    auto row = db_.QueryOne(fmt::format("SELECT {} FROM adv_sources WHERE id = ?", kSourceColumns),
                            {Int(id)});
    if (!row) return Error::NotFound("no such advisory source");
    return ReadSource(*row);
  }

  // --- Runs
  // ---------------------------------------------------------------------------------------

  struct RunState {
    SourceRun run;
    std::string kind;
    std::string url;

    void Log(std::string line) {
      if (run.log.size() < kMaxSourceLogLines) run.log.push_back(std::move(line));
    }
  };

  Result<SourceRun> RunSource(std::int64_t id) {
    auto source = Load(id);
    if (!source) return source.error();
    const std::int64_t now = Micros(clock_.Now());
    const std::int64_t until =
        now + std::chrono::duration_cast<std::chrono::microseconds>(options_.lease).count();
    const auto leased = db_.Query(
        "UPDATE adv_sources SET lease_owner = ?, lease_until_us = ? WHERE id = ? AND "
        "(lease_until_us IS NULL OR lease_until_us <= ?)",
        {Text(options_.hub_id), Int(until), Int(id), Int(now)});
    if (leased.affected_rows == 0) {
      return Error::Conflict("this source is being fetched by another run");
    }
    RunState state;
    state.kind = source->kind;
    state.url = source->url;
    state.run.source_id = id;
    state.run.started_at = FromMicros(now);
    state.run.status = "running";
    state.run.id = db_.QueryOne(
                          "INSERT INTO adv_source_runs (source_id, started_at_us, status, log) "
                          "VALUES (?, ?, 'running', '') RETURNING id",
                          {Int(id), Int(now)})
                       ->Int(0);
    try {
      Status done;
      if (state.kind == "provider") {
        done = RunProvider(state);
      } else if (state.kind == "directory") {
        done = RunDirectory(state);
      } else {
        done = RunKev(state);
      }
      if (!done) {
        state.Log("failed: " + done.error().message);
        state.run.status = "failed";
      } else {
        state.run.status = state.run.rejected > 0 ? "partial" : "ok";
      }
    } catch (const storage::StorageError& e) {
      state.run.status = "failed";
      state.Log("failed: storage error");
      Finish(state, source->interval_minutes);
      throw;
    }
    Finish(state, source->interval_minutes);
    return state.run;
  }

  void Finish(RunState& state, int interval_minutes) {
    const TimePoint now = clock_.Now();
    state.run.finished_at = now;
    std::string log;
    for (const auto& line : state.run.log) log += line + "\n";
    db_.Query(
        "UPDATE adv_source_runs SET finished_at_us = ?, status = ?, fetched = ?, imported = ?, "
        "unchanged = ?, rejected = ?, log = ? WHERE id = ?",
        {Int(Micros(now)), Text(state.run.status), Int(state.run.fetched), Int(state.run.imported),
         Int(state.run.unchanged), Int(state.run.rejected), Text(log), Int(state.run.id)});
    db_.Query(
        "UPDATE adv_sources SET lease_owner = NULL, lease_until_us = NULL, last_run_us = ?, "
        "last_status = ?, next_run_us = ? WHERE id = ?",
        {Int(Micros(now)), Text(state.run.status),
         Int(Micros(now + std::chrono::minutes(interval_minutes))), Int(state.run.source_id)});
  }

  std::optional<StoredDoc> Stored(std::int64_t source_id, const std::string& url) {
    auto row = db_.QueryOne(
        "SELECT sha256, changed, etag, last_modified FROM adv_source_documents WHERE source_id = ? "
        "AND url = ?",
        {Int(source_id), Text(url)});
    if (!row) return std::nullopt;
    return StoredDoc{row->Text(0), row->Text(1), row->Text(2), row->Text(3)};
  }

  void Remember(std::int64_t source_id, const std::string& url, const StoredDoc& d) {
    db_.Query(
        "INSERT INTO adv_source_documents (source_id, url, sha256, last_modified, etag, changed, "
        "fetched_at_us) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, url) DO UPDATE SET "
        "sha256 = excluded.sha256, last_modified = excluded.last_modified, etag = excluded.etag, "
        "changed = excluded.changed, fetched_at_us = excluded.fetched_at_us",
        {Int(source_id), Text(url.substr(0, 2048)), Text(d.sha256), Text(d.last_modified),
         Text(d.etag), Text(d.changed), Int(Micros(clock_.Now()))});
  }

  // Imports one accepted document and counts the outcome; false when it was refused.
  bool ImportDocument(RunState& s,
                      const std::string& where,
                      const std::string& body,
                      std::string_view source) {
    auto imported = advisories_.Import(Actor::System(), body, source, s.run.source_id);
    if (!imported) {
      ++s.run.rejected;
      s.Log(fmt::format("rejected {}: {}{}", where, imported.error().message,
                        imported.error().field.empty() ? "" : " at " + imported.error().field));
      return false;
    }
    if (imported->outcome == ImportOutcome::kCreated ||
        imported->outcome == ImportOutcome::kRevised) {
      ++s.run.imported;
      s.Log(fmt::format("{} {} ({})", ToString(imported->outcome), imported->key, where));
    } else {
      ++s.run.unchanged;
    }
    return true;
  }

  // --- Providers --------------------------------------------------------------------------------

  Status RunProvider(RunState& s) {
    auto meta = fetcher_.Get(s.url, {}, {}, "application/json");
    if (!meta)
      return Error{meta.error().code, "provider-metadata.json: " + meta.error().message, {}};
    ++s.run.fetched;
    if (meta->body.size() > kMaxMetadataBytes) {
      return Error::Invalid("provider-metadata.json is too large");
    }
    boost::system::error_code ec;
    const json::value doc = json::parse(meta->body, ec);
    if (ec || !doc.is_object())
      return Error::Invalid("provider-metadata.json is not a JSON object");
    const json::object& m = doc.as_object();

    Keyring keys;
    if (!keys.ready()) return Error{Errc::kUnavailable, "GnuPG is not available", {}};
    if (const auto* list = m.if_contains("public_openpgp_keys"); list && list->is_array()) {
      std::size_t n = 0;
      for (const json::value& k : list->as_array()) {
        if (++n > kMaxKeys || !k.is_object()) break;
        const auto* url = k.as_object().if_contains("url");
        const auto* fpr = k.as_object().if_contains("fingerprint");
        if (url == nullptr || !url->is_string()) continue;
        const std::string key_url(url->as_string());
        auto fetched = fetcher_.Get(key_url);
        if (!fetched) {
          s.Log(fmt::format("key {}: {}", key_url, fetched.error().message));
          continue;
        }
        const std::string expected =
            fpr != nullptr && fpr->is_string() ? std::string(fpr->as_string()) : "";
        if (auto st = keys.Import(fetched->body, expected); !st) {
          s.Log(fmt::format("key {} not trusted: {}", key_url, st.error().message));
        }
      }
    }
    if (!keys.has_trusted()) {
      s.Log("no usable OpenPGP key in provider-metadata.json: every signed document is rejected");
    }

    std::vector<Candidate> candidates;
    const auto* distributions = m.if_contains("distributions");
    if (distributions == nullptr || !distributions->is_array()) {
      return Error::Invalid("provider-metadata.json lists no distributions");
    }
    std::size_t d = 0;
    for (const json::value& dist : distributions->as_array()) {
      if (++d > kMaxDistributions || !dist.is_object()) break;
      if (const auto* dir = dist.as_object().if_contains("directory_url");
          dir && dir->is_string()) {
        ListDirectory(s, std::string(dir->as_string()), candidates);
      }
      if (const auto* rolie = dist.as_object().if_contains("rolie"); rolie && rolie->is_object()) {
        if (const auto* feeds = rolie->as_object().if_contains("feeds");
            feeds && feeds->is_array()) {
          for (const json::value& feed : feeds->as_array()) {
            if (!feed.is_object()) continue;
            const auto* url = feed.as_object().if_contains("url");
            if (url != nullptr && url->is_string()) {
              ListFeed(s, std::string(url->as_string()), candidates);
            }
          }
        }
      }
    }
    std::set<std::string> seen;
    std::size_t handled = 0;
    for (const Candidate& c : candidates) {
      if (!seen.insert(c.url).second) continue;
      if (++handled > options_.max_documents_per_run) {
        s.Log(fmt::format("stopped after {} documents; the rest waits for the next run",
                          options_.max_documents_per_run));
        break;
      }
      ProviderDocument(s, c, keys);
    }
    return {};
  }

  void ListDirectory(RunState& s, const std::string& dir, std::vector<Candidate>& out) {
    auto changes = fetcher_.Fetch(client::JoinUrl(dir, "changes.csv"));
    if (changes && changes->status == 200) {
      ++s.run.fetched;
      std::string_view text = changes->body;
      while (!text.empty()) {
        const std::size_t nl = std::min(text.find('\n'), text.size());
        const std::string_view line = Trim(text.substr(0, nl));
        text.remove_prefix(std::min(nl + 1, text.size()));
        if (line.empty()) continue;
        const std::size_t comma = line.rfind(',');
        if (comma == std::string_view::npos) continue;
        const std::string path = Unquote(line.substr(0, comma));
        if (!SafeRelativePath(path)) {
          s.Log(fmt::format("changes.csv: ignored path '{}'", path.substr(0, 200)));
          continue;
        }
        out.push_back({client::JoinUrl(dir, path), Unquote(line.substr(comma + 1)), {}, {}});
      }
      return;
    }
    auto index = fetcher_.Get(client::JoinUrl(dir, "index.txt"));
    if (!index) {
      s.Log(fmt::format("{}: neither changes.csv nor index.txt: {}", dir, index.error().message));
      return;
    }
    ++s.run.fetched;
    std::string_view text = index->body;
    while (!text.empty()) {
      const std::size_t nl = std::min(text.find('\n'), text.size());
      const std::string path(Trim(text.substr(0, nl)));
      text.remove_prefix(std::min(nl + 1, text.size()));
      if (path.empty()) continue;
      if (!SafeRelativePath(path)) {
        s.Log(fmt::format("index.txt: ignored path '{}'", path.substr(0, 200)));
        continue;
      }
      out.push_back({client::JoinUrl(dir, path), {}, {}, {}});
    }
  }

  void ListFeed(RunState& s, const std::string& url, std::vector<Candidate>& out) {
    const std::string key = "feed:" + url;
    const auto stored = Stored(s.run.source_id, key);
    client::Conditional conditional;
    if (stored) conditional = {stored->etag, stored->last_modified};
    auto feed = fetcher_.Get(url, conditional, {}, "application/json");
    if (!feed) {
      s.Log(fmt::format("ROLIE feed {}: {}", url, feed.error().message));
      return;
    }
    ++s.run.fetched;
    if (feed->not_modified) return;
    boost::system::error_code ec;
    const json::value doc = json::parse(feed->body, ec);
    const json::value* entries = nullptr;
    if (!ec && doc.is_object()) {
      if (const auto* f = doc.as_object().if_contains("feed"); f && f->is_object()) {
        entries = f->as_object().if_contains("entry");
      }
    }
    if (entries == nullptr || !entries->is_array()) {
      s.Log(fmt::format("ROLIE feed {}: not a ROLIE feed", url));
      return;
    }
    for (const json::value& e : entries->as_array()) {
      if (!e.is_object()) continue;
      Candidate c;
      if (const auto* u = e.as_object().if_contains("updated"); u && u->is_string()) {
        c.changed = std::string(u->as_string());
      }
      if (const auto* links = e.as_object().if_contains("link"); links && links->is_array()) {
        for (const json::value& l : links->as_array()) {
          if (!l.is_object()) continue;
          const auto* rel = l.as_object().if_contains("rel");
          const auto* href = l.as_object().if_contains("href");
          if (rel == nullptr || href == nullptr || !rel->is_string() || !href->is_string())
            continue;
          const std::string target(href->as_string());
          if (rel->as_string() == "self") c.url = target;
          if (rel->as_string() == "hash") c.hash_urls.push_back(target);
          if (rel->as_string() == "signature") c.signature_url = target;
        }
      }
      if (!c.url.empty()) out.push_back(std::move(c));
    }
    Remember(s.run.source_id, key, {"", "", feed->etag, feed->last_modified});
  }

  void ProviderDocument(RunState& s, const Candidate& c, Keyring& keys) {
    const auto stored = Stored(s.run.source_id, c.url);
    if (stored && !c.changed.empty() && stored->changed == c.changed) return;
    client::Conditional conditional;
    if (stored) conditional = {stored->etag, stored->last_modified};
    auto doc = fetcher_.Get(c.url, conditional, {}, "application/json");
    if (!doc) {
      ++s.run.rejected;
      s.Log(fmt::format("rejected {}: {}", c.url, doc.error().message));
      return;
    }
    ++s.run.fetched;
    if (doc->not_modified) {
      ++s.run.unchanged;
      if (stored)
        Remember(s.run.source_id, c.url,
                 {stored->sha256, c.changed, stored->etag, stored->last_modified});
      return;
    }
    const std::string sha256 = DigestHex(doc->body, EVP_sha256());
    StoredDoc record{sha256, c.changed, doc->etag, doc->last_modified};
    if (stored && stored->sha256 == sha256) {
      ++s.run.unchanged;
      Remember(s.run.source_id, c.url, record);
      return;
    }
    if (auto st = CheckChecksum(s, c, doc->body); !st) {
      ++s.run.rejected;
      s.Log(fmt::format("rejected {}: {}", c.url, st.error().message));
      return;
    }
    const std::string sig_url = c.signature_url.empty() ? c.url + ".asc" : c.signature_url;
    auto sig = fetcher_.Fetch(sig_url);
    if (!sig || sig->status != 200) {
      ++s.run.rejected;
      s.Log(fmt::format("rejected {}: no OpenPGP signature at {}", c.url, sig_url));
      return;
    }
    if (auto st = keys.Verify(doc->body, sig->body); !st) {
      ++s.run.rejected;
      s.Log(fmt::format("rejected {}: {}", c.url, st.error().message));
      return;
    }
    if (ImportDocument(s, c.url, doc->body, kSourceProvider))
      Remember(s.run.source_id, c.url, record);
  }

  // The document's .sha512 or .sha256 file (the feed's hash links first) must name its digest.
  Status CheckChecksum(RunState& s, const Candidate& c, const std::string& body) {
    std::vector<std::string> urls = c.hash_urls;
    if (urls.empty()) urls = {c.url + ".sha512", c.url + ".sha256"};
    for (const std::string& url : urls) {
      const bool is512 = url.size() > 7 && Lower(url.substr(url.size() - 7)) == ".sha512";
      const bool is256 = url.size() > 7 && Lower(url.substr(url.size() - 7)) == ".sha256";
      if (!is512 && !is256) continue;
      auto fetched = fetcher_.Fetch(url);
      if (!fetched || fetched->status != 200) continue;
      ++s.run.fetched;
      return Matches(fetched->body, body, is512, url);
    }
    return Error::Invalid("no .sha256 or .sha512 checksum file");
  }

  static Status Matches(std::string_view checksum_file,
                        const std::string& body,
                        bool is512,
                        std::string_view name) {
    const std::string_view first =
        Trim(checksum_file.substr(0, checksum_file.find_first_of(" \t\n")));
    const std::string actual = DigestHex(body, is512 ? EVP_sha512() : EVP_sha256());
    if (Lower(first) != actual) {
      return Error::Invalid(fmt::format("checksum mismatch: {} says {}, the document's is {}", name,
                                        std::string(first).substr(0, 128), actual));
    }
    return {};
  }

  // --- Directories
  // --------------------------------------------------------------------------------

  Status RunDirectory(RunState& s) {
    const auto parsed = client::ParseFetchUrl(s.url);
    if (!parsed || parsed->scheme != "file")
      return Error::Invalid("a directory source is file:///");
    const auto root = fetcher_.AllowedFile(parsed->path);
    if (!root) return Error::Denied("the directory is outside the hub's advisory directory");
    std::error_code ec;
    if (!fs::is_directory(*root, ec)) return Error::NotFound("the directory does not exist");
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(
             *root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec) || it->path().extension() != ".json") continue;
      const std::string name = it->path().filename().string();
      if (name.find("provider-metadata") != std::string::npos ||
          name.find("-feed-") != std::string::npos ||
          name.find("aggregator") != std::string::npos) {
        continue;
      }
      files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    std::size_t handled = 0;
    for (const fs::path& file : files) {
      if (++handled > options_.max_documents_per_run) {
        s.Log(fmt::format("stopped after {} documents; the rest waits for the next run",
                          options_.max_documents_per_run));
        break;
      }
      DirectoryDocument(s, file);
    }
    return {};
  }

  void DirectoryDocument(RunState& s, const fs::path& file) {
    const std::string key = file.string();
    const auto stored = Stored(s.run.source_id, key);
    auto doc = fetcher_.Get("file://" + key, {stored ? stored->etag : "", ""});
    if (!doc) {
      ++s.run.rejected;
      s.Log(fmt::format("rejected {}: {}", key, doc.error().message));
      return;
    }
    if (doc->not_modified) return;
    ++s.run.fetched;
    const std::string sha256 = DigestHex(doc->body, EVP_sha256());
    StoredDoc record{sha256, "", doc->etag, ""};
    if (stored && stored->sha256 == sha256) {
      ++s.run.unchanged;
      Remember(s.run.source_id, key, record);
      return;
    }
    for (const char* ext : {".sha512", ".sha256"}) {
      const fs::path sum = fs::path(key + ext);
      std::error_code ec;
      if (!fs::is_regular_file(sum, ec) || fs::file_size(sum, ec) > 4096) continue;
      std::ifstream in(sum, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (auto st =
              Matches(text, doc->body, std::string_view(ext) == ".sha512", sum.filename().string());
          !st) {
        ++s.run.rejected;
        s.Log(fmt::format("rejected {}: {}", key, st.error().message));
        return;
      }
      break;
    }
    if (ImportDocument(s, key, doc->body, kSourceDirectory)) Remember(s.run.source_id, key, record);
  }

  // --- KEV
  // ----------------------------------------------------------------------------------------

  Status RunKev(RunState& s) {
    const auto stored = Stored(s.run.source_id, s.url);
    client::Conditional conditional;
    if (stored) conditional = {stored->etag, stored->last_modified};
    auto fetched = fetcher_.Get(s.url, conditional, {}, "application/json");
    if (!fetched) return fetched.error();
    ++s.run.fetched;
    if (fetched->not_modified) {
      s.Log("the KEV catalogue has not changed");
      ++s.run.unchanged;
      return {};
    }
    const std::string sha256 = DigestHex(fetched->body, EVP_sha256());
    StoredDoc record{sha256, "", fetched->etag, fetched->last_modified};
    if (stored && stored->sha256 == sha256) {
      ++s.run.unchanged;
      Remember(s.run.source_id, s.url, record);
      return {};
    }
    auto meta = advisories_.ImportKev(Actor::System(), fetched->body);
    if (!meta) {
      ++s.run.rejected;
      s.Log(fmt::format("rejected the KEV catalogue: {}{}", meta.error().message,
                        meta.error().field.empty() ? "" : " at " + meta.error().field));
      return {};
    }
    ++s.run.imported;
    s.Log(fmt::format("KEV catalogue {} with {} entries", meta->catalog_version, meta->count));
    Remember(s.run.source_id, s.url, record);
    return {};
  }

  storage::Database& db_;
  const Clock& clock_;
  AdvisoryService& advisories_;
  SourceOptions options_;
  client::Fetcher fetcher_;
};

SourceService::SourceService(storage::Database& db,
                             const Clock& clock,
                             AdvisoryService& advisories,
                             SourceOptions options)
    : impl_(std::make_unique<Impl>(db, clock, advisories, std::move(options))) {}

SourceService::~SourceService() = default;

Result<std::vector<Source>> SourceService::List(Actor actor) {
  if (auto st = impl_->Authorise(actor); !st) return st.error();
  std::vector<Source> out;
  for (const Row& r :
       impl_->db_.Query(fmt::format("SELECT {} FROM adv_sources ORDER BY id", kSourceColumns))
           .rows) {
    Source s = ReadSource(r);
    if (actor.principal == nullptr ||
        identity::AllowedOnAdvisorySource(*actor.principal, false, s.created_by_org)) {
      out.push_back(std::move(s));
    }
  }
  return out;
}

Result<Source> SourceService::Get(Actor actor, std::int64_t id) {
  return impl_->Authorised(actor, id, false);
}

Result<Source> SourceService::Create(Actor actor, const NewSource& n) {
  if (auto st = impl_->Authorise(actor); !st) return st.error();
  if (auto st = Impl::CheckName(n.name); !st) return st.error();
  if (n.kind != "provider" && n.kind != "directory" && n.kind != "kev") {
    return Error::Invalid("kind must be provider, directory or kev", "kind");
  }
  if (auto st = impl_->CheckUrl(n.kind, n.url); !st) return st.error();
  if (auto st = Impl::CheckInterval(n.interval_minutes); !st) return st.error();
  const std::int64_t now = Micros(impl_->clock_.Now());
  const auto row = impl_->db_.QueryOne(
      "INSERT INTO adv_sources (name, kind, url, enabled, interval_minutes, next_run_us, "
      "created_by_org, created_at_us, updated_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "RETURNING id",
      {Text(n.name), Text(n.kind), Text(n.url), Int(n.enabled ? 1 : 0), Int(n.interval_minutes),
       Int(now), impl_->OrgOf(actor) ? Int(*impl_->OrgOf(actor)) : Null(), Int(now), Int(now)});
  return impl_->Load(row->Int(0));
}

Result<Source> SourceService::Update(Actor actor, std::int64_t id, const SourcePatch& patch) {
  auto current = impl_->Authorised(actor, id, true);
  if (!current) return current.error();
  Source s = *current;
  if (patch.name) {
    if (auto st = Impl::CheckName(*patch.name); !st) return st.error();
    s.name = *patch.name;
  }
  if (patch.url) {
    if (auto st = impl_->CheckUrl(s.kind, *patch.url); !st) return st.error();
    s.url = *patch.url;
  }
  if (patch.interval_minutes) {
    if (auto st = Impl::CheckInterval(*patch.interval_minutes); !st) return st.error();
    s.interval_minutes = *patch.interval_minutes;
  }
  if (patch.enabled) s.enabled = *patch.enabled;
  impl_->db_.Query(
      "UPDATE adv_sources SET name = ?, url = ?, enabled = ?, interval_minutes = ?, "
      "updated_at_us = ? WHERE id = ?",
      {Text(s.name), Text(s.url), Int(s.enabled ? 1 : 0), Int(s.interval_minutes),
       Int(Micros(impl_->clock_.Now())), Int(id)});
  return impl_->Load(id);
}

Status SourceService::Delete(Actor actor, std::int64_t id) {
  if (auto s = impl_->Authorised(actor, id, true); !s) return s.error();
  if (impl_->db_.Query("DELETE FROM adv_sources WHERE id = ?", {Int(id)}).affected_rows == 0) {
    return Error::NotFound("no such advisory source");
  }
  return {};
}

Result<std::vector<SourceRun>> SourceService::Runs(Actor actor,
                                                   std::int64_t id,
                                                   std::size_t limit) {
  if (auto s = impl_->Authorised(actor, id, false); !s) return s.error();
  std::vector<SourceRun> out;
  for (const Row& r :
       impl_->db_
           .Query(fmt::format("SELECT {} FROM adv_source_runs WHERE source_id = ? "
                              "ORDER BY id DESC LIMIT ?",
                              kRunColumns),
                  {Int(id), Int(static_cast<std::int64_t>(std::min<std::size_t>(limit, 500)))})
           .rows) {
    out.push_back(ReadRun(r));
  }
  return out;
}

Result<SourceRun> SourceService::Run(Actor actor, std::int64_t id) {
  if (auto s = impl_->Authorised(actor, id, true); !s) return s.error();
  return impl_->RunSource(id);
}

std::vector<SourceRun> SourceService::RunDue() {
  std::vector<SourceRun> out;
  const auto due = impl_->db_.Query(
      "SELECT id FROM adv_sources WHERE enabled = 1 AND next_run_us <= ? ORDER BY next_run_us",
      {Int(Micros(impl_->clock_.Now()))});
  for (const Row& r : due.rows) {
    auto run = impl_->RunSource(r.Int(0));
    if (run) out.push_back(std::move(*run));
  }
  return out;
}

}  // namespace caduceus::advisories
