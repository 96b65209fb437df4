#include "advisories/inventories.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <openssl/evp.h>

#include "core/text.h"
#include "identity/policy.h"
#include "storage/database.h"

namespace caduceus::advisories {

namespace json = boost::json;
using identity::Actor;
using identity::OrgKind;
using identity::Permission;
using storage::Int;
using storage::Null;
using storage::Row;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

constexpr storage::Migration kMigrations[] = {
    {1, "inventories, uploads with their files, assets", R"sql(
CREATE TABLE adv_inventories (
  org_id BIGINT PRIMARY KEY REFERENCES organisations(id),
  revision BIGINT NOT NULL,
  asset_count BIGINT NOT NULL,
  updated_at_us BIGINT NOT NULL,
  updated_by BIGINT
);

CREATE TABLE adv_inventory_uploads (
  id {{id}},
  org_id BIGINT NOT NULL REFERENCES organisations(id),
  revision BIGINT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('cyclonedx', 'csv')),
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('replace', 'merge')),
  added BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  removed BIGINT NOT NULL,
  asset_count BIGINT NOT NULL,
  uploaded_by BIGINT,
  uploaded_at_us BIGINT NOT NULL,
  content {{blob}} NOT NULL
);
CREATE INDEX adv_inventory_uploads_org ON adv_inventory_uploads (org_id, id);

CREATE TABLE adv_assets (
  id {{id}},
  org_id BIGINT NOT NULL REFERENCES organisations(id),
  vendor TEXT NOT NULL,
  product TEXT NOT NULL,
  version TEXT NOT NULL,
  model_number TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  location TEXT NOT NULL,
  department TEXT NOT NULL,
  owner TEXT NOT NULL,
  network_connected INTEGER,
  patient_safety_critical INTEGER,
  cpe TEXT NOT NULL,
  purl TEXT NOT NULL,
  type TEXT NOT NULL,
  supplier TEXT NOT NULL,
  manufacturer TEXT NOT NULL,
  bom_ref TEXT NOT NULL,
  grp TEXT NOT NULL,
  properties TEXT NOT NULL,
  upload_id BIGINT,
  updated_at_us BIGINT NOT NULL,
  updated_by BIGINT
);
CREATE INDEX adv_assets_org ON adv_assets (org_id, id);
)sql"},
};

constexpr std::string_view kAssetColumns =
    "id, org_id, vendor, product, version, model_number, serial_number, location, department, "
    "owner, network_connected, patient_safety_critical, cpe, purl, type, supplier, manufacturer, "
    "bom_ref, grp, properties, upload_id, updated_at_us";
constexpr std::size_t kInsertBatch = 200;
constexpr std::size_t kMaxFileName = 255;
constexpr std::size_t kMaxAssetField = 4'096;

std::int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
TimePoint FromMicros(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

Value OptBool(const std::optional<bool>& b) { return b ? Int(*b ? 1 : 0) : Null(); }
Value OptId(const std::optional<std::int64_t>& v) { return v ? Value(*v) : Null(); }

std::optional<std::int64_t> ActorUser(Actor actor) {
  if (!actor.principal) return std::nullopt;
  return actor.principal->user_id;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string PropertiesJson(const Asset& a) {
  json::array arr;
  for (const auto& [name, value] : a.properties) {
    arr.push_back(json::object{{"name", name}, {"value", value}});
  }
  return json::serialize(arr);
}

void ReadProperties(const std::string& text, Asset& a) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return;
  for (const auto& p : v.as_array()) {
    const auto* o = p.if_object();
    if (!o) continue;
    const auto* n = o->if_contains("name");
    const auto* val = o->if_contains("value");
    if (n && n->is_string() && val && val->is_string()) {
      a.properties.emplace_back(std::string(n->as_string()), std::string(val->as_string()));
    }
  }
}

std::optional<bool> RowBool(const Row& r, std::size_t i) {
  if (auto v = r.OptInt(i)) return *v != 0;
  return std::nullopt;
}

StoredAsset ReadAsset(const Row& r) {
  StoredAsset s;
  s.id = r.Int(0);
  s.org_id = r.Int(1);
  Asset& a = s.asset;
  a.vendor = r.Text(2);
  a.product = r.Text(3);
  a.version = r.Text(4);
  a.model_number = r.Text(5);
  a.serial_number = r.Text(6);
  a.location = r.Text(7);
  a.department = r.Text(8);
  a.owner = r.Text(9);
  a.network_connected = RowBool(r, 10);
  a.patient_safety_critical = RowBool(r, 11);
  a.cpe = r.Text(12);
  a.purl = r.Text(13);
  a.type = r.Text(14);
  a.supplier = r.Text(15);
  a.manufacturer = r.Text(16);
  a.bom_ref = r.Text(17);
  a.group = r.Text(18);
  ReadProperties(r.Text(19), a);
  s.upload_id = r.OptInt(20);
  s.updated_at = FromMicros(r.Int(21));
  return s;
}

// The columns an asset is stored in, after org_id, in kAssetColumns order.
void AppendAssetValues(std::vector<Value>& v, const Asset& a) {
  v.push_back(Text(a.vendor));
  v.push_back(Text(a.product));
  v.push_back(Text(a.version));
  v.push_back(Text(a.model_number));
  v.push_back(Text(a.serial_number));
  v.push_back(Text(a.location));
  v.push_back(Text(a.department));
  v.push_back(Text(a.owner));
  v.push_back(OptBool(a.network_connected));
  v.push_back(OptBool(a.patient_safety_critical));
  v.push_back(Text(a.cpe));
  v.push_back(Text(a.purl));
  v.push_back(Text(a.type));
  v.push_back(Text(a.supplier));
  v.push_back(Text(a.manufacturer));
  v.push_back(Text(a.bom_ref));
  v.push_back(Text(a.group));
  v.push_back(Text(PropertiesJson(a)));
}

bool SameAsset(const Asset& x, const Asset& y) {
  return x.vendor == y.vendor && x.product == y.product && x.version == y.version &&
         x.model_number == y.model_number && x.serial_number == y.serial_number &&
         x.location == y.location && x.department == y.department && x.owner == y.owner &&
         x.network_connected == y.network_connected &&
         x.patient_safety_critical == y.patient_safety_critical && x.cpe == y.cpe &&
         x.purl == y.purl && x.type == y.type && x.supplier == y.supplier &&
         x.manufacturer == y.manufacturer && x.bom_ref == y.bom_ref && x.group == y.group &&
         x.properties == y.properties;
}

// What identifies an asset across uploads: its serial number, else its bom-ref, else vendor,
// product, version and model.
std::string MergeKey(const Asset& a) {
  if (!a.serial_number.empty()) return "s\x1f" + a.serial_number;
  if (!a.bom_ref.empty()) return "b\x1f" + a.bom_ref;
  return fmt::format("n\x1f{}\x1f{}\x1f{}\x1f{}", Lower(a.vendor), Lower(a.product), a.version,
                     Lower(a.model_number));
}

void InsertAssets(Tx& tx,
                  std::int64_t org_id,
                  const std::vector<const Asset*>& assets,
                  std::optional<std::int64_t> upload_id,
                  std::int64_t now_us,
                  std::optional<std::int64_t> user) {
  constexpr std::string_view kInsert =
      "INSERT INTO adv_assets (org_id, vendor, product, version, model_number, serial_number, "
      "location, department, owner, network_connected, patient_safety_critical, cpe, purl, type, "
      "supplier, manufacturer, bom_ref, grp, properties, upload_id, updated_at_us, updated_by) "
      "VALUES ";
  constexpr std::string_view kRow =
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  for (std::size_t start = 0; start < assets.size(); start += kInsertBatch) {
    const std::size_t end = std::min(assets.size(), start + kInsertBatch);
    std::string sql(kInsert);
    std::vector<Value> params;
    params.reserve((end - start) * 22);
    for (std::size_t i = start; i < end; ++i) {
      if (i > start) sql += ", ";
      sql += kRow;
      params.push_back(Int(org_id));
      AppendAssetValues(params, *assets[i]);
      params.push_back(OptId(upload_id));
      params.push_back(Int(now_us));
      params.push_back(OptId(user));
    }
    tx.Exec(sql, params);
  }
}

void UpdateAssetRow(Tx& tx,
                    std::int64_t id,
                    const Asset& a,
                    std::optional<std::int64_t> upload_id,
                    std::int64_t now_us,
                    std::optional<std::int64_t> user) {
  std::vector<Value> params;
  AppendAssetValues(params, a);
  params.push_back(OptId(upload_id));
  params.push_back(Int(now_us));
  params.push_back(OptId(user));
  params.push_back(Int(id));
  tx.Exec(
      "UPDATE adv_assets SET vendor = ?, product = ?, version = ?, model_number = ?, "
      "serial_number = ?, location = ?, department = ?, owner = ?, network_connected = ?, "
      "patient_safety_critical = ?, cpe = ?, purl = ?, type = ?, supplier = ?, manufacturer = ?, "
      "bom_ref = ?, grp = ?, properties = ?, upload_id = ?, updated_at_us = ?, updated_by = ? "
      "WHERE id = ?",
      params);
}

// Bumps the organisation's inventory revision (creating the row) and returns the new one. The
// row lock also serialises concurrent changes of one inventory.
std::int64_t BumpRevision(Tx& tx,
                          std::int64_t org_id,
                          std::int64_t now_us,
                          std::optional<std::int64_t> user) {
  return tx
      .One(
          "INSERT INTO adv_inventories (org_id, revision, asset_count, updated_at_us, updated_by) "
          "VALUES (?, 1, 0, ?, ?) ON CONFLICT (org_id) DO UPDATE SET revision = "
          "adv_inventories.revision + 1, updated_at_us = excluded.updated_at_us, updated_by = "
          "excluded.updated_by RETURNING revision",
          {Int(org_id), Int(now_us), OptId(user)})
      ->Int(0);
}

std::int64_t RecountAssets(Tx& tx, std::int64_t org_id) {
  const std::int64_t n =
      tx.One("SELECT COUNT(*) FROM adv_assets WHERE org_id = ?", {Int(org_id)})->Int(0);
  tx.Exec("UPDATE adv_inventories SET asset_count = ? WHERE org_id = ?", {Int(n), Int(org_id)});
  return n;
}

// Text fields bounded and clean; a single edit also needs vendor and product (an SBOM component
// may lack a vendor).
Status CheckAsset(const Asset& a, bool require_names) {
  const std::pair<const char*, const std::string*> fields[] = {{"vendor", &a.vendor},
                                                               {"product", &a.product},
                                                               {"version", &a.version},
                                                               {"model_number", &a.model_number},
                                                               {"serial_number", &a.serial_number},
                                                               {"location", &a.location},
                                                               {"department", &a.department},
                                                               {"owner", &a.owner},
                                                               {"cpe", &a.cpe},
                                                               {"purl", &a.purl},
                                                               {"type", &a.type},
                                                               {"supplier", &a.supplier},
                                                               {"manufacturer", &a.manufacturer},
                                                               {"bom_ref", &a.bom_ref}};
  for (const auto& [name, value] : fields) {
    if (value->size() > kMaxAssetField) return Error::Invalid("too long", name);
    if (!ValidUtf8(*value) || !NoControlChars(*value)) {
      return Error::Invalid("must be UTF-8 text without control characters", name);
    }
  }
  if (require_names && a.vendor.empty()) return Error::Invalid("vendor is required", "vendor");
  if (require_names && a.product.empty()) {
    return Error::Invalid("product is required", "product");
  }
  if (a.properties.size() > 100) return Error::Invalid("at most 100 properties", "properties");
  return {};
}

UploadRecord ReadUpload(const Row& r) {
  UploadRecord u;
  u.id = r.Int(0);
  u.org_id = r.Int(1);
  u.revision = r.Int(2);
  u.format = r.Text(3);
  u.file_name = r.Text(4);
  u.sha256 = r.Text(5);
  u.size = r.Int(6);
  u.mode = r.Text(7);
  u.added = static_cast<int>(r.Int(8));
  u.updated = static_cast<int>(r.Int(9));
  u.removed = static_cast<int>(r.Int(10));
  u.asset_count = r.Int(11);
  u.uploaded_by = r.OptInt(12);
  u.uploaded_at = FromMicros(r.Int(13));
  return u;
}

constexpr std::string_view kUploadColumns =
    "id, org_id, revision, format, file_name, sha256, size, mode, added, updated, removed, "
    "asset_count, uploaded_by, uploaded_at_us";

std::size_t LineOf(std::string_view field) {
  constexpr std::string_view kPrefix = "line ";
  if (field.substr(0, kPrefix.size()) != kPrefix) return 0;
  std::size_t n = 0;
  for (char c : field.substr(kPrefix.size())) {
    if (c < '0' || c > '9') break;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

}  // namespace

std::span<const storage::Migration> InventoryService::Migrations() { return kMigrations; }
std::span<const storage::Migration> AlertService::InventoryMigrations() { return kMigrations; }

InventoryService::InventoryService(storage::Database& db,
                                   const Clock& clock,
                                   identity::IdentityService& identity,
                                   AlertService& alerts)
    : db_(db), clock_(clock), identity_(identity), alerts_(alerts) {}

InventoryService::~InventoryService() = default;

Result<std::int64_t> InventoryService::Target(Actor actor,
                                              std::optional<std::int64_t> org_id,
                                              bool manage) {
  if (!org_id) {
    if (!actor.principal) return Error::Invalid("an organisation is required", "org");
    org_id = actor.principal->organisation_id;
  }
  const auto ref = identity_.LoadOrgRef(*org_id);
  if (!ref) return Error::NotFound("no such organisation");
  if (actor.principal) {
    if (!identity::Allowed(*actor.principal, Permission::kReadInventory, *ref)) {
      if (ref->id == actor.principal->organisation_id) {
        return Error::Denied("only healthcare providers keep an asset inventory");
      }
      return Error::NotFound("no such organisation");
    }
    if (manage && !identity::Allowed(*actor.principal, Permission::kManageInventory, *ref)) {
      return Error::Denied("only the provider's admins and analysts change its inventory");
    }
  } else if (ref->kind != OrgKind::kProvider) {
    return Error::Invalid("only healthcare providers keep an asset inventory", "org");
  }
  return *org_id;
}

Result<UploadResult> InventoryService::Upload(Actor actor,
                                              const UploadRequest& request,
                                              std::vector<UploadError>* errors) {
  const auto org = Target(actor, request.org_id, true);
  if (!org) return org.error();
  if (request.content.size() > kMaxUploadBytes) {
    return Error{Errc::kPayloadTooLarge, "the file is larger than 64 MiB", "content"};
  }
  if (request.mode != "replace" && request.mode != "merge") {
    return Error::Invalid("mode must be replace or merge", "mode");
  }
  if (request.file_name.size() > kMaxFileName || !ValidUtf8(request.file_name) ||
      !NoControlChars(request.file_name)) {
    return Error::Invalid("a file name of at most 255 bytes of text", "file_name");
  }
  std::string format = request.format;
  if (format.empty()) {
    const auto first = request.content.find_first_not_of(" \t\r\n");
    const bool bom = request.content.compare(0, 3, "\xEF\xBB\xBF") == 0;
    format =
        !bom && first != std::string::npos && request.content[first] == '{' ? "cyclonedx" : "csv";
  }
  Result<Inventory> parsed = Error::Invalid("format must be cyclonedx or csv", "format");
  std::vector<RowError> row_errors;
  if (format == "cyclonedx") {
    parsed = ParseCycloneDx(request.content);
    if (!parsed && errors) errors->push_back({0, parsed.error().field, parsed.error().message});
  } else if (format == "csv") {
    parsed = ParseInventoryCsv(request.content, {}, &row_errors);
    if (!parsed && errors) {
      if (row_errors.empty()) {
        errors->push_back({LineOf(parsed.error().field), {}, parsed.error().message});
      }
      for (const auto& e : row_errors) errors->push_back({e.line, e.column, e.message});
    }
  } else {
    return parsed.error();
  }
  if (!parsed) return parsed.error();
  const auto& assets = parsed->assets;
  if (assets.size() > kMaxAssetsPerOrg) {
    return Error{Errc::kPayloadTooLarge, fmt::format("more than {} assets", kMaxAssetsPerOrg),
                 "content"};
  }
  for (std::size_t i = 0; i < assets.size(); ++i) {
    if (auto ok = CheckAsset(assets[i], false); !ok) {
      if (errors) errors->push_back({assets[i].line, ok.error().field, ok.error().message});
      return Error::Invalid(fmt::format("[rows] {}: {}", assets[i].source, ok.error().message),
                            assets[i].source);
    }
  }

  const std::int64_t now_us = Micros(clock_.Now());
  const auto user = ActorUser(actor);
  const std::string sha = Sha256Hex(request.content);
  UploadResult result = db_.Transact([&](Tx& tx) {
    UploadResult r;
    r.revision = BumpRevision(tx, *org, now_us, user);
    r.upload_id =
        tx.One(
              "INSERT INTO adv_inventory_uploads (org_id, revision, format, file_name, sha256, "
              "size, mode, added, updated, removed, asset_count, uploaded_by, uploaded_at_us, "
              "content) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?, ?) RETURNING id",
              {Int(*org), Int(r.revision), Text(format), Text(request.file_name), Text(sha),
               Int(static_cast<std::int64_t>(request.content.size())), Text(request.mode),
               OptId(user), Int(now_us), storage::Blob{request.content}})
            ->Int(0);
    std::multimap<std::string, StoredAsset> existing;
    const auto rows = tx.Exec(
        fmt::format("SELECT {} FROM adv_assets WHERE org_id = ? ORDER BY id", kAssetColumns),
        {Int(*org)});
    for (const auto& row : rows.rows) {
      StoredAsset s = ReadAsset(row);
      std::string key = MergeKey(s.asset);
      existing.emplace(std::move(key), std::move(s));
    }
    std::vector<const Asset*> inserts;
    for (const auto& a : assets) {
      const auto it = existing.find(MergeKey(a));
      if (it == existing.end()) {
        inserts.push_back(&a);
        continue;
      }
      if (!SameAsset(it->second.asset, a)) {
        UpdateAssetRow(tx, it->second.id, a, r.upload_id, now_us, user);
        ++r.updated;
      }
      existing.erase(it);
    }
    InsertAssets(tx, *org, inserts, r.upload_id, now_us, user);
    r.added = static_cast<int>(inserts.size());
    if (request.mode == "replace") {
      std::vector<std::int64_t> gone;
      for (const auto& [key, s] : existing) gone.push_back(s.id);
      for (std::size_t start = 0; start < gone.size(); start += kInsertBatch) {
        const std::size_t end = std::min(gone.size(), start + kInsertBatch);
        std::string sql = "DELETE FROM adv_assets WHERE id IN (";
        std::vector<Value> params;
        for (std::size_t i = start; i < end; ++i) {
          sql += i == start ? "?" : ", ?";
          params.push_back(Int(gone[i]));
        }
        tx.Exec(sql + ")", params);
      }
      r.removed = static_cast<int>(gone.size());
    }
    r.asset_count = RecountAssets(tx, *org);
    tx.Exec(
        "UPDATE adv_inventory_uploads SET added = ?, updated = ?, removed = ?, asset_count = ? "
        "WHERE id = ?",
        {Int(r.added), Int(r.updated), Int(r.removed), Int(r.asset_count), Int(r.upload_id)});
    return r;
  });
  auto changes = alerts_.Reinventory(*org);
  if (!changes) return changes.error();
  result.alerts = *changes;
  return result;
}

Result<std::vector<UploadRecord>> InventoryService::Uploads(Actor actor,
                                                            std::optional<std::int64_t> org_id) {
  const auto org = Target(actor, org_id, false);
  if (!org) return org.error();
  std::vector<UploadRecord> out;
  const auto rows = db_.Query(fmt::format("SELECT {} FROM adv_inventory_uploads WHERE org_id = ? "
                                          "ORDER BY id DESC LIMIT 500",
                                          kUploadColumns),
                              {Int(*org)});
  for (const auto& r : rows.rows) out.push_back(ReadUpload(r));
  return out;
}

Result<std::pair<UploadRecord, std::string>> InventoryService::UploadFile(Actor actor,
                                                                          std::int64_t upload_id) {
  const auto row = db_.QueryOne(
      fmt::format("SELECT {}, content FROM adv_inventory_uploads WHERE id = ?", kUploadColumns),
      {Int(upload_id)});
  if (!row) return Error::NotFound("no such upload");
  UploadRecord rec = ReadUpload(*row);
  const auto org = Target(actor, rec.org_id, false);
  if (!org) return Error::NotFound("no such upload");
  return std::make_pair(std::move(rec), row->Bytes(14).bytes);
}

Result<AssetPage> InventoryService::Assets(Actor actor, const AssetFilter& filter) {
  const auto org = Target(actor, filter.org_id, false);
  if (!org) return org.error();
  if (filter.page < 1 || filter.page > 1'000'000) return Error::Invalid("page from 1", "page");
  if (filter.per_page < 1 || filter.per_page > kMaxAssetPage) {
    return Error::Invalid(fmt::format("per_page from 1 to {}", kMaxAssetPage), "per_page");
  }
  if (filter.q.size() > 200) return Error::Invalid("at most 200 bytes", "q");
  std::string where = "org_id = ?";
  std::vector<Value> params{Int(*org)};
  if (!filter.q.empty()) {
    std::string pattern = "%";
    for (char c : Lower(filter.q)) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    pattern += "%";
    where += " AND (";
    bool first = true;
    for (std::string_view col : {"vendor", "product", "model_number", "serial_number", "location",
                                 "department", "version"}) {
      if (!first) where += " OR ";
      first = false;
      where += fmt::format("LOWER({}) LIKE ? ESCAPE '\\'", col);
      params.push_back(Text(pattern));
    }
    where += ")";
  }
  AssetPage page;
  page.page = filter.page;
  page.per_page = filter.per_page;
  page.total = db_.Query(fmt::format("SELECT COUNT(*) FROM adv_assets WHERE {}", where), params)
                   .rows.at(0)
                   .Int(0);
  if (const auto rev =
          db_.QueryOne("SELECT revision FROM adv_inventories WHERE org_id = ?", {Int(*org)})) {
    page.revision = rev->Int(0);
  }
  params.push_back(Int(filter.per_page));
  params.push_back(Int(static_cast<std::int64_t>(filter.page - 1) * filter.per_page));
  const auto rows = db_.Query(fmt::format("SELECT {} FROM adv_assets WHERE {} ORDER BY "
                                          "LOWER(vendor), LOWER(product), id LIMIT ? OFFSET ?",
                                          kAssetColumns, where),
                              params);
  for (const auto& r : rows.rows) page.items.push_back(ReadAsset(r));
  return page;
}

Result<StoredAsset> InventoryService::GetAsset(Actor actor, std::int64_t asset_id) {
  const auto row = db_.QueryOne(
      fmt::format("SELECT {} FROM adv_assets WHERE id = ?", kAssetColumns), {Int(asset_id)});
  if (!row) return Error::NotFound("no such asset");
  StoredAsset s = ReadAsset(*row);
  if (!Target(actor, s.org_id, false)) return Error::NotFound("no such asset");
  return s;
}

Result<StoredAsset> InventoryService::AddAsset(Actor actor,
                                               std::optional<std::int64_t> org_id,
                                               const Asset& asset) {
  const auto org = Target(actor, org_id, true);
  if (!org) return org.error();
  if (auto ok = CheckAsset(asset, true); !ok) return ok.error();
  const std::int64_t now_us = Micros(clock_.Now());
  const auto user = ActorUser(actor);
  const auto id = db_.Transact([&](Tx& tx) -> Result<std::int64_t> {
    BumpRevision(tx, *org, now_us, user);
    if (tx.One("SELECT COUNT(*) FROM adv_assets WHERE org_id = ?", {Int(*org)})->Int(0) >=
        static_cast<std::int64_t>(kMaxAssetsPerOrg)) {
      return Error::Conflict("the inventory is full");
    }
    InsertAssets(tx, *org, {&asset}, std::nullopt, now_us, user);
    const std::int64_t new_id =
        tx.One("SELECT MAX(id) FROM adv_assets WHERE org_id = ?", {Int(*org)})->Int(0);
    RecountAssets(tx, *org);
    return new_id;
  });
  if (!id) return id.error();
  if (auto changes = alerts_.Reinventory(*org); !changes) return changes.error();
  return GetAsset(Actor::System(), *id);
}

Result<StoredAsset> InventoryService::UpdateAsset(Actor actor,
                                                  std::int64_t asset_id,
                                                  const Asset& asset) {
  const auto current = GetAsset(actor, asset_id);
  if (!current) return current.error();
  const auto org = Target(actor, current->org_id, true);
  if (!org) return org.error();
  if (auto ok = CheckAsset(asset, true); !ok) return ok.error();
  const std::int64_t now_us = Micros(clock_.Now());
  const auto user = ActorUser(actor);
  const bool found = db_.Transact([&](Tx& tx) {
    BumpRevision(tx, *org, now_us, user);
    if (!tx.One("SELECT id FROM adv_assets WHERE id = ? AND org_id = ?",
                {Int(asset_id), Int(*org)})) {
      return false;
    }
    UpdateAssetRow(tx, asset_id, asset, current->upload_id, now_us, user);
    return true;
  });
  if (!found) return Error::NotFound("no such asset");
  if (auto changes = alerts_.Reinventory(*org); !changes) return changes.error();
  return GetAsset(Actor::System(), asset_id);
}

Status InventoryService::RemoveAsset(Actor actor, std::int64_t asset_id) {
  const auto current = GetAsset(actor, asset_id);
  if (!current) return current.error();
  const auto org = Target(actor, current->org_id, true);
  if (!org) return org.error();
  const std::int64_t now_us = Micros(clock_.Now());
  const auto user = ActorUser(actor);
  const bool found = db_.Transact([&](Tx& tx) {
    BumpRevision(tx, *org, now_us, user);
    const auto del =
        tx.Exec("DELETE FROM adv_assets WHERE id = ? AND org_id = ?", {Int(asset_id), Int(*org)});
    RecountAssets(tx, *org);
    return del.affected_rows > 0;
  });
  if (!found) return Error::NotFound("no such asset");
  if (auto changes = alerts_.Reinventory(*org); !changes) return changes.error();
  return {};
}

Result<std::string> UploadInventoryFile(InventoryService& inventories,
                                        std::int64_t org_id,
                                        const std::string& path,
                                        const std::string& mode) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error::NotFound(fmt::format("cannot read {}: {}", path, ec.message()));
  if (size > kMaxUploadBytes) {
    return Error{Errc::kPayloadTooLarge, fmt::format("{} is larger than 64 MiB", path), {}};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound(fmt::format("cannot read {}", path));
  std::ostringstream content;
  content << in.rdbuf();
  UploadRequest req;
  req.org_id = org_id;
  req.mode = mode;
  req.file_name = std::filesystem::path(path).filename().string();
  req.content = content.str();
  std::vector<UploadError> errors;
  auto r = inventories.Upload(Actor::System(), req, &errors);
  if (!r) {
    Error e = r.error();
    for (const auto& row : errors) {
      e.message += row.line > 0 ? fmt::format("\nline {}", row.line) : std::string("\n");
      if (!row.column.empty()) e.message += fmt::format(", column '{}'", row.column);
      e.message += ": " + row.message;
    }
    return e;
  }
  return fmt::format(
      "upload {} stored: revision {}, {} added, {} updated, {} removed, {} assets\n"
      "alerts: {} created, {} updated, {} withdrawn\n",
      r->upload_id, r->revision, r->added, r->updated, r->removed, r->asset_count,
      r->alerts.created, r->alerts.updated, r->alerts.withdrawn);
}

}  // namespace caduceus::advisories
