#include "intel/correlation.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "identity/crypto.h"

namespace caduceus::intel {
namespace {

using storage::Blob;
using storage::Int;
using storage::Null;
using storage::Text;
using storage::Tx;
using storage::Value;

// Values longer than this are keyed by their digest, so the unique index stays within
// PostgreSQL's limit on the size of an index entry.
constexpr std::size_t kMaxPlainKeyBytes = 256;
// Statement shapes: lists are padded to one of these sizes so the per-connection statement cache
// holds a few texts instead of one per list length.
constexpr std::size_t kChunkSizes[] = {1, 8, 64, 200};

enum class Family { kV4 = 4, kV6 = 6 };

// The row of intel_corr_values that stands for one observable.
struct ValueColumns {
  std::string kind;
  std::string vkey;
  std::optional<std::string> dkey;  // reversed labels of a domain, or of a URL's or e-mail's host
  std::optional<std::int64_t> v4lo, v4hi;
  std::optional<std::string> v6key;  // 16 bytes, network address
  std::optional<std::int64_t> v6plen;
};

// "=value", or "#<SHA-256 hex>" for a long value: the prefixes keep the two kinds of key apart.
std::string ValueKey(const Observable& o) {
  if (o.value.size() <= kMaxPlainKeyBytes) return "=" + o.value;
  return "#" + identity::DigestSecret(o.value);
}

// "a.evil.example" -> "example.evil.a.": a subdomain's key starts with its parent's key.
std::string ReversedLabels(std::string_view domain) {
  std::string out;
  out.reserve(domain.size() + 1);
  while (true) {
    const std::size_t dot = domain.rfind('.');
    out.append(domain.substr(dot == std::string_view::npos ? 0 : dot + 1));
    out += '.';
    if (dot == std::string_view::npos) return out;
    domain = domain.substr(0, dot);
  }
}

std::uint32_t V4Number(const IpNetwork& n) {
  return (std::uint32_t{n.address[0]} << 24) | (std::uint32_t{n.address[1]} << 16) |
         (std::uint32_t{n.address[2]} << 8) | std::uint32_t{n.address[3]};
}

std::uint32_t V4Last(const IpNetwork& n) {
  const std::uint32_t host = n.prefix >= 32 ? 0 : (~std::uint32_t{0} >> n.prefix);
  return V4Number(n) | host;
}

std::string V6Bytes(const std::array<std::uint8_t, 16>& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

std::array<std::uint8_t, 16> V6Last(const IpNetwork& n) {
  std::array<std::uint8_t, 16> out = n.address;
  for (int k = 0; k < 16; ++k) {
    int bits = std::clamp(n.prefix - 8 * k, 0, 8);
    out[k] |= static_cast<std::uint8_t>(0xff >> bits);
  }
  return out;
}

// The host of a URL in normal form: a name, a dotted quad, or "[v6]".
std::string_view UrlHost(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {
    return authority.substr(0, authority.find(']') + 1);
  }
  return authority.substr(0, authority.find(':'));
}

// What a host (of a URL or an e-mail address) is: a domain, or an address observable.
std::optional<Observable> HostObservable(std::string_view host) {
  if (host.empty()) return std::nullopt;
  if (host.front() == '[') {
    return Normalise(ObservableKind::kIpv6, host.substr(1, host.size() - 2));
  }
  if (auto v4 = Normalise(ObservableKind::kIpv4, host)) return v4;
  return Observable{ObservableKind::kDomain, std::string(host)};
}

std::optional<Observable> HostOf(const Observable& o) {
  if (o.kind == ObservableKind::kUrl) return HostObservable(UrlHost(o.value));
  if (o.kind == ObservableKind::kEmail) {
    std::size_t at = o.value.rfind('@');
    if (at == std::string::npos) return std::nullopt;
    return Observable{ObservableKind::kDomain, o.value.substr(at + 1)};
  }
  return std::nullopt;
}

void SetAddressColumns(const Observable& address, ValueColumns& c) {
  auto net = NetworkOf(address);
  if (!net) return;
  if (!net->v6) {
    c.v4lo = V4Number(*net);
    c.v4hi = V4Last(*net);
  } else {
    c.v6key = V6Bytes(net->address);
    c.v6plen = net->prefix;
  }
}

ValueColumns ColumnsOf(const Observable& o) {
  ValueColumns c;
  c.kind = std::string(KindName(o.kind));
  c.vkey = ValueKey(o);
  switch (o.kind) {
    case ObservableKind::kDomain:
      c.dkey = ReversedLabels(o.value);
      break;
    case ObservableKind::kIpv4:
    case ObservableKind::kIpv6:
      SetAddressColumns(o, c);
      break;
    case ObservableKind::kUrl:
    case ObservableKind::kEmail:
      if (auto host = HostOf(o)) {
        if (host->kind == ObservableKind::kDomain) {
          c.dkey = ReversedLabels(host->value);
        } else {
          SetAddressColumns(*host, c);
        }
      }
      break;
    default:
      break;
  }
  return c;
}

std::size_t ChunkSize(std::size_t n, std::span<const std::size_t> sizes) {
  for (std::size_t size : sizes) {
    if (n <= size) return size;
  }
  return sizes.back();
}

std::string Placeholders(std::size_t n, std::string_view one) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += one;
  }
  return out;
}

// Runs `sql_for(size)` over `items` in padded chunks: `bind(item, params)` appends one item's
// parameters; the last item of a chunk is repeated to fill it. `on_row` sees every result row.
template <class Item, class SqlFor, class Bind, class OnRow>
void RunChunked(Tx& tx,
                std::span<const Item> items,
                std::span<const std::size_t> sizes,
                const SqlFor& sql_for,
                const Bind& bind,
                const OnRow& on_row) {
  std::size_t start = 0;
  std::vector<Value> params;
  while (start < items.size()) {
    std::size_t size = ChunkSize(items.size() - start, sizes);
    std::size_t n = std::min(size, items.size() - start);
    params.clear();
    for (std::size_t i = 0; i < size; ++i) bind(items[start + std::min(i, n - 1)], params);
    for (const auto& row : tx.Exec(sql_for(size), params).rows) on_row(row);
    start += n;
  }
}

// --- Reads ---

// One bounded lookup of visible object versions: the same value, a parent, or a range of
// children.
struct Probe {
  enum class Kind { kValue, kDomainRange, kV4Range, kV6Range };
  Kind kind = Kind::kValue;
  std::int64_t tag = 0;       // index of the probe, returned with its rows
  std::int64_t value_id = 0;  // kValue: the value; ranges: the queried value's own id, left out
  std::string lo, hi;         // kDomainRange, kV6Range: bounds (blobs)
  std::int64_t lo4 = 0, hi4 = 0;
  std::int64_t plen = 0;  // kV6Range: smallest prefix length inside
  std::int64_t limit = 0;
};

struct VisibleRow {
  std::int64_t value_id = 0;
  Observable matched;
  std::int64_t seq = 0;
  std::string stix_id;
  std::string type;
  std::string name;
  std::int64_t collection_id = 0;
  std::int64_t producer_id = 0;
};

// What a probe filters on, by kind; `q` names the probe's parameters.
struct ProbeFilter {
  std::string_view where;
  std::string_view order;
};

ProbeFilter FilterOf(Probe::Kind kind) {
  switch (kind) {
    case Probe::Kind::kValue:
      return {"r.value_id = {a}", "r.object_seq DESC"};
    case Probe::Kind::kDomainRange:
      return {"v.dkey >= {lo} AND v.dkey < {hi} AND v.id <> {own}", "v.dkey, v.id"};
    case Probe::Kind::kV4Range:
      return {"v.v4lo >= {lo} AND v.v4lo <= {hi} AND v.v4hi <= {hi} AND v.id <> {own}",
              "v.v4lo, v.v4hi, v.id"};
    case Probe::Kind::kV6Range:
      return {"v.v6key >= {lo} AND v.v6key <= {hi} AND v.v6plen >= {plen} AND v.id <> {own}",
              "v.v6key, v.v6plen, v.id"};
  }
  return {};
}

// The visible versions one probe finds, as a subquery. CROSS JOIN fixes SQLite's join order
// (values, then their links, then the objects), so a probe walks the few rows of its value or
// range instead of every object of a readable collection; PostgreSQL plans it as an inner join.
std::string ProbeSubquery(Probe::Kind kind,
                          const SqlPredicate& visible,
                          std::string_view a,
                          std::string_view lo,
                          std::string_view hi,
                          std::string_view plen,
                          std::string_view own,
                          std::string_view limit) {
  const ProbeFilter f = FilterOf(kind);
  return fmt::format(
      "SELECT v.id AS value_id, v.kind AS vkind, v.value AS vvalue, o.seq AS seq, "
      "o.stix_id AS stix_id, o.type AS otype, o.name AS oname, o.collection_id AS collection_id, "
      "o.producer_id AS producer_id FROM intel_corr_values v CROSS JOIN intel_corr_refs r "
      "CROSS JOIN intel_objects o WHERE r.value_id = v.id AND o.seq = r.object_seq AND {} "
      "AND o.stix_id <> ? AND {} ORDER BY {} LIMIT {}",
      fmt::format(fmt::runtime(f.where), fmt::arg("a", a), fmt::arg("lo", lo), fmt::arg("hi", hi),
                  fmt::arg("plen", plen), fmt::arg("own", own)),
      visible.sql, f.order, limit);
}

constexpr std::string_view kRowColumns =
    "p.value_id, p.vkind, p.vvalue, p.seq, p.stix_id, p.otype, p.oname, p.collection_id, "
    "p.producer_id";

// SQLite: one statement per probe, short enough to stay in the statement cache.
std::string SqliteProbeSql(Probe::Kind kind, const SqlPredicate& visible) {
  return fmt::format("SELECT CAST(? AS BIGINT) AS tag, {} FROM ({}) AS p", kRowColumns,
                     ProbeSubquery(kind, visible, "?", "?", "?", "?", "?", "CAST(? AS BIGINT)"));
}

void BindSqliteProbe(const Probe& p,
                     const SqlPredicate& visible,
                     std::string_view exclude,
                     std::vector<Value>& params) {
  params.push_back(Int(p.tag));
  switch (p.kind) {
    case Probe::Kind::kValue:
      params.push_back(Int(p.value_id));
      break;
    case Probe::Kind::kDomainRange:
      params.push_back(Blob{p.lo});
      params.push_back(Blob{p.hi});
      params.push_back(Int(p.value_id));
      break;
    case Probe::Kind::kV4Range:
      params.push_back(Int(p.lo4));
      params.push_back(Int(p.hi4));
      params.push_back(Int(p.hi4));
      params.push_back(Int(p.value_id));
      break;
    case Probe::Kind::kV6Range:
      params.push_back(Blob{p.lo});
      params.push_back(Blob{p.hi});
      params.push_back(Int(p.plen));
      params.push_back(Int(p.value_id));
      break;
  }
  params.push_back(Text(std::string(exclude)));
  params.insert(params.end(), visible.params.begin(), visible.params.end());
  params.push_back(Int(p.limit));
}

// PostgreSQL: one statement per kind of probe, whatever their number: the probes' parameters
// travel as arrays, unnested and joined LATERAL to the subquery, which is planned once (planning
// a statement costs far more than running one probe).
std::string PostgresProbeSql(Probe::Kind kind, const SqlPredicate& visible) {
  const bool blob = kind == Probe::Kind::kDomainRange || kind == Probe::Kind::kV6Range;
  const std::string_view bound = blob ? "TEXT[]" : "BIGINT[]";
  const std::string lo = blob ? "decode(q.lo, 'hex')" : "q.lo";
  const std::string hi = blob ? "decode(q.hi, 'hex')" : "q.hi";
  return fmt::format(
      "SELECT q.tag, {} FROM unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS {}), "
      "CAST(? AS {}), CAST(? AS BIGINT[]), CAST(? AS BIGINT[])) AS q(tag, a, lo, hi, plen, lim) "
      "CROSS JOIN LATERAL ({}) AS p",
      kRowColumns, bound, bound,
      ProbeSubquery(kind, visible, "q.a", lo, hi, "q.plen", "q.a", "q.lim"));
}

std::string ArrayLiteral(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += items[i];
  }
  out += '}';
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 0xf];
  }
  return out;
}

std::vector<Value> BindPostgresProbes(const std::vector<Probe>& group,
                                      const SqlPredicate& visible,
                                      std::string_view exclude) {
  std::vector<std::string> tag, a, lo, hi, plen, lim;
  for (const Probe& p : group) {
    tag.push_back(std::to_string(p.tag));
    a.push_back(std::to_string(p.value_id));
    const bool blob = p.kind == Probe::Kind::kDomainRange || p.kind == Probe::Kind::kV6Range;
    lo.push_back(blob ? Hex(p.lo) : std::to_string(p.lo4));
    hi.push_back(blob ? Hex(p.hi) : std::to_string(p.hi4));
    plen.push_back(std::to_string(p.plen));
    lim.push_back(std::to_string(p.limit));
  }
  std::vector<Value> params{Text(ArrayLiteral(tag)),   Text(ArrayLiteral(a)),
                            Text(ArrayLiteral(lo)),    Text(ArrayLiteral(hi)),
                            Text(ArrayLiteral(plen)),  Text(ArrayLiteral(lim)),
                            Text(std::string(exclude))};
  params.insert(params.end(), visible.params.begin(), visible.params.end());
  return params;
}

// Runs the probes, grouped by kind; rows by tag, in each probe's order.
std::vector<std::vector<VisibleRow>> RunProbes(Tx& tx,
                                               const std::vector<Probe>& probes,
                                               const SqlPredicate& visible,
                                               std::string_view exclude) {
  std::vector<std::vector<VisibleRow>> out(probes.size());
  auto on_row = [&](const storage::Row& row) {
    const auto tag = static_cast<std::size_t>(row.Int(0));
    if (tag >= out.size()) return;
    VisibleRow r;
    r.value_id = row.Int(1);
    r.matched.kind = ParseKindName(row.Text(2)).value_or(ObservableKind::kDomain);
    r.matched.value = row.Text(3);
    r.seq = row.Int(4);
    r.stix_id = row.Text(5);
    r.type = row.Text(6);
    r.name = row.OptText(7).value_or("");
    r.collection_id = row.Int(8);
    r.producer_id = row.Int(9);
    out[tag].push_back(std::move(r));
  };
  for (Probe::Kind kind : {Probe::Kind::kValue, Probe::Kind::kDomainRange, Probe::Kind::kV4Range,
                           Probe::Kind::kV6Range}) {
    std::vector<Probe> group;
    for (const Probe& p : probes) {
      if (p.kind == kind) group.push_back(p);
    }
    if (group.empty()) continue;
    if (tx.dialect() == storage::Dialect::kPostgres) {
      for (const auto& row :
           tx.Exec(PostgresProbeSql(kind, visible), BindPostgresProbes(group, visible, exclude))
               .rows) {
        on_row(row);
      }
      continue;
    }
    const std::string sql = SqliteProbeSql(kind, visible);
    std::vector<Value> params;
    for (const Probe& p : group) {
      params.clear();
      BindSqliteProbe(p, visible, exclude, params);
      for (const auto& row : tx.Exec(sql, params).rows) on_row(row);
    }
  }
  return out;
}

struct KindKey {
  std::string kind;
  std::string vkey;
  auto operator<=>(const KindKey&) const = default;
};

struct KindKeyHash {
  std::size_t operator()(const KindKey& k) const {
    const std::hash<std::string_view> h;
    return h(k.vkey) * 31 + h(k.kind);
  }
};

// A PostgreSQL array literal of text elements: each quoted, with '"' and '\\' escaped.
std::string TextArrayLiteral(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// The ids of the values that are in the index, in chunks of IN lists; with `one_statement` on
// PostgreSQL, one statement per kind with the keys as an array instead (for the many keys of a
// correlation, run with JIT off: the estimated cost of a long array would start it).
std::map<KindKey, std::int64_t> LookUpIds(Tx& tx,
                                          const std::set<KindKey>& keys,
                                          bool one_statement) {
  std::map<KindKey, std::int64_t> ids;
  std::map<std::string, std::vector<std::string>> by_kind;
  for (const auto& k : keys) by_kind[k.kind].push_back(k.vkey);
  for (const auto& group : by_kind) {
    const std::string& kind = group.first;
    auto on_row = [&](const storage::Row& row) { ids[{kind, row.Text(1)}] = row.Int(0); };
    if (one_statement && tx.dialect() == storage::Dialect::kPostgres) {
      for (const auto& row : tx.Exec("SELECT id, vkey FROM intel_corr_values WHERE kind = ? AND "
                                     "vkey = ANY(CAST(? AS TEXT[]))",
                                     {Text(kind), Text(TextArrayLiteral(group.second))})
                                 .rows) {
        on_row(row);
      }
      continue;
    }
    RunChunked<std::string>(
        tx, group.second, kChunkSizes,
        [](std::size_t size) {
          return fmt::format(
              "SELECT id, vkey FROM intel_corr_values WHERE kind = ? AND vkey IN ({})",
              Placeholders(size, "?"));
        },
        [&](const std::string& vkey, std::vector<Value>& params) {
          if (params.empty()) params.push_back(Text(kind));
          params.push_back(Text(vkey));
        },
        on_row);
  }
  return ids;
}

// Prefix lengths of the networks in the index, per family.
std::map<Family, std::vector<int>> IndexedPrefixes(Tx& tx) {
  std::map<Family, std::vector<int>> out;
  for (const auto& row :
       tx.Exec("SELECT family, plen FROM intel_corr_prefixes ORDER BY family, plen").rows) {
    out[static_cast<Family>(row.Int(0))].push_back(static_cast<int>(row.Int(1)));
  }
  return out;
}

// The address part of an ipv4/ipv6 value ("10.0.0.0/8" -> "10.0.0.0").
std::string_view AddressPart(std::string_view value) { return value.substr(0, value.find('/')); }

// The indexed values that may contain `o`: parent domains, and networks around an address.
std::vector<Observable> ParentCandidates(const Observable& o,
                                         const std::map<Family, std::vector<int>>& prefixes) {
  std::vector<Observable> out;
  auto add_domain_parents = [&](std::string_view domain, bool include_self) {
    std::string_view rest = domain;
    if (!include_self) {
      std::size_t dot = rest.find('.');
      if (dot == std::string_view::npos) return;
      rest.remove_prefix(dot + 1);
    }
    while (rest.find('.') != std::string_view::npos) {
      out.push_back({ObservableKind::kDomain, std::string(rest)});
      rest.remove_prefix(rest.find('.') + 1);
    }
  };
  auto add_networks = [&](const Observable& address, bool include_self) {
    auto net = NetworkOf(address);
    if (!net) return;
    Family family = net->v6 ? Family::kV6 : Family::kV4;
    ObservableKind kind = net->v6 ? ObservableKind::kIpv6 : ObservableKind::kIpv4;
    std::string_view text = AddressPart(address.value);
    if (include_self) out.push_back(address);
    if (auto it = prefixes.find(family); it != prefixes.end()) {
      for (int plen : it->second) {
        if (plen >= net->prefix) break;
        if (auto parent = Normalise(kind, fmt::format("{}/{}", text, plen))) {
          out.push_back(std::move(*parent));
        }
      }
    }
  };
  switch (o.kind) {
    case ObservableKind::kDomain:
      add_domain_parents(o.value, false);
      break;
    case ObservableKind::kIpv4:
    case ObservableKind::kIpv6:
      add_networks(o, false);
      break;
    case ObservableKind::kUrl:
    case ObservableKind::kEmail:
      if (auto host = HostOf(o)) {
        if (host->kind == ObservableKind::kDomain) {
          add_domain_parents(host->value, true);
        } else {
          add_networks(*host, true);
        }
      }
      break;
    default:
      break;
  }
  return out;
}

// The range probe for what lies inside `o`, if anything can.
std::optional<Probe> ChildProbe(const Observable& o) {
  Probe p;
  if (o.kind == ObservableKind::kDomain) {
    p.kind = Probe::Kind::kDomainRange;
    p.lo = ReversedLabels(o.value);
    p.hi = p.lo;
    p.hi.back() = '/';  // the byte after '.': the end of the keys that start with p.lo
    return p;
  }
  auto net = NetworkOf(o);
  if (!net) return std::nullopt;
  if (!net->v6) {
    p.kind = Probe::Kind::kV4Range;
    p.lo4 = V4Number(*net);
    p.hi4 = V4Last(*net);
  } else {
    p.kind = Probe::Kind::kV6Range;
    p.lo = V6Bytes(net->address);
    p.hi = V6Bytes(V6Last(*net));
    p.plen = net->prefix;
  }
  return p;
}

RelatedObject Related(const VisibleRow& row, Relation relation) {
  RelatedObject r;
  r.stix_id = row.stix_id;
  r.type = row.type;
  r.name = row.name;
  r.collection_id = row.collection_id;
  r.matched = row.matched;
  r.relation = relation;
  return r;
}

// --- Writes ---

// One distinct value of a batch: its key, the observable it stands for, and its id once known.
struct Fresh {
  KindKey key;
  const Observable* observable = nullptr;
  std::int64_t id = 0;
};

// Inserts the values that are not in the index yet and sets their ids.
void UpsertValues(Tx& tx,
                  std::vector<Fresh>& fresh,
                  const std::unordered_map<KindKey, std::size_t, KindKeyHash>& slot_of) {
  RunChunked<Fresh>(
      tx, fresh, kChunkSizes,
      [](std::size_t size) {
        return fmt::format(
            "INSERT INTO intel_corr_values (kind, vkey, value, dkey, v4lo, v4hi, v6key, v6plen) "
            "VALUES {} ON CONFLICT (kind, vkey) DO NOTHING RETURNING id, kind, vkey",
            Placeholders(size, "(?, ?, ?, ?, ?, ?, ?, ?)"));
      },
      [](const Fresh& item, std::vector<Value>& params) {
        ValueColumns c = ColumnsOf(*item.observable);
        params.push_back(Text(std::move(c.kind)));
        params.push_back(Text(std::move(c.vkey)));
        params.push_back(Text(item.observable->value));
        params.push_back(c.dkey ? Value(Blob{std::move(*c.dkey)}) : Null());
        params.push_back(c.v4lo ? Int(*c.v4lo) : Null());
        params.push_back(c.v4hi ? Int(*c.v4hi) : Null());
        params.push_back(c.v6key ? Value(Blob{std::move(*c.v6key)}) : Null());
        params.push_back(c.v6plen ? Int(*c.v6plen) : Null());
      },
      [&](const storage::Row& row) {
        if (auto it = slot_of.find({row.Text(1), row.Text(2)}); it != slot_of.end()) {
          fresh[it->second].id = row.Int(0);
        }
      });
}

}  // namespace

CorrelationIndex::CorrelationIndex(CorrelationLimits limits) : limits_(limits) {}

void CorrelationIndex::Index(Tx& tx,
                             std::int64_t object_seq,
                             std::span<const Observable> observables) const {
  const IndexEntry entry{object_seq, observables};
  IndexAll(tx, std::span<const IndexEntry>(&entry, 1));
}

void CorrelationIndex::IndexAll(Tx& tx, std::span<const IndexEntry> entries) const {
  // The distinct values, and for every observable the slot of its value among them.
  std::vector<Fresh> fresh;
  std::unordered_map<KindKey, std::size_t, KindKeyHash> slot_of;
  std::vector<std::size_t> slots;
  std::set<std::pair<Family, int>> networks;
  for (const auto& e : entries) {
    for (const Observable& o : e.observables) {
      KindKey key{std::string(KindName(o.kind)), ValueKey(o)};
      const auto [it, inserted] = slot_of.try_emplace(std::move(key), fresh.size());
      if (inserted) fresh.push_back({it->first, &o, 0});
      slots.push_back(it->second);
      if (IsNetwork(o)) {
        if (auto net = NetworkOf(o)) {
          networks.emplace(net->v6 ? Family::kV6 : Family::kV4, net->prefix);
        }
      }
    }
  }
  if (fresh.empty()) return;

  // Insert first (most values of a bulk load are new), then look up those already there,
  // including any another transaction inserted meanwhile.
  UpsertValues(tx, fresh, slot_of);
  std::set<KindKey> known;
  for (const Fresh& f : fresh) {
    if (f.id == 0) known.insert(f.key);
  }
  if (!known.empty()) {
    for (auto& [key, id] : LookUpIds(tx, known, false)) {
      if (auto it = slot_of.find(key); it != slot_of.end()) fresh[it->second].id = id;
    }
  }

  std::vector<std::pair<std::int64_t, std::int64_t>> refs;
  refs.reserve(slots.size());
  std::size_t k = 0;
  for (const auto& e : entries) {
    for (std::size_t i = 0; i < e.observables.size(); ++i, ++k) {
      const std::int64_t id = fresh[slots[k]].id;
      if (id == 0) {
        throw storage::StorageError(storage::StorageError::Kind::kOther,
                                    "an indexed value has no id");
      }
      refs.emplace_back(id, e.object_seq);
    }
  }
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  using Ref = std::pair<std::int64_t, std::int64_t>;
  RunChunked<Ref>(
      tx, refs, kChunkSizes,
      [](std::size_t size) {
        return fmt::format(
            "INSERT INTO intel_corr_refs (value_id, object_seq) VALUES {} ON CONFLICT DO NOTHING",
            Placeholders(size, "(?, ?)"));
      },
      [](const Ref& ref, std::vector<Value>& params) {
        params.push_back(Int(ref.first));
        params.push_back(Int(ref.second));
      },
      [](const storage::Row&) {});

  for (const auto& [family, plen] : networks) {
    tx.Exec("INSERT INTO intel_corr_prefixes (family, plen) VALUES (?, ?) ON CONFLICT DO NOTHING",
            {Int(static_cast<std::int64_t>(family)), Int(plen)});
  }
}

void CorrelationIndex::Unindex(Tx& tx, std::int64_t object_seq) const {
  tx.Exec("DELETE FROM intel_corr_refs WHERE object_seq = ?", {Int(object_seq)});
}

std::vector<ValueCorrelation> CorrelationIndex::Correlate(Tx& tx,
                                                          const ViewScope& scope,
                                                          std::span<const Observable> values,
                                                          std::size_t max_related,
                                                          std::string_view exclude_stix_id) const {
  std::vector<ValueCorrelation> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i].value = values[i];
  if (values.empty()) return out;
  if (!scope.system && scope.collections.empty()) return out;
  const SqlPredicate visible = VisiblePredicate(scope, "o");
  if (tx.dialect() == storage::Dialect::kPostgres) {
    // The set-based statements below look expensive to the planner (it cannot know that each
    // probe stops after a few rows), which would make PostgreSQL spend far longer compiling
    // them with JIT than running them.
    tx.Exec("SET LOCAL jit = off");
  }

  // Which values, and which of their parents, are in the index at all.
  const auto prefixes = IndexedPrefixes(tx);
  std::vector<std::vector<Observable>> parents(values.size());
  std::set<KindKey> keys;
  for (std::size_t i = 0; i < values.size(); ++i) {
    keys.insert({std::string(KindName(values[i].kind)), ValueKey(values[i])});
    if (max_related == 0) continue;
    parents[i] = ParentCandidates(values[i], prefixes);
    for (const auto& p : parents[i]) keys.insert({std::string(KindName(p.kind)), ValueKey(p)});
  }
  const auto ids = LookUpIds(tx, keys, true);
  auto id_of = [&](const Observable& o) -> std::int64_t {
    auto it = ids.find({std::string(KindName(o.kind)), ValueKey(o)});
    return it == ids.end() ? 0 : it->second;
  };

  // One probe per value present, per parent present (shared between values), per child range.
  const auto cap = static_cast<std::int64_t>(limits_.max_objects_per_value);
  const auto related_limit = static_cast<std::int64_t>(max_related);
  std::vector<Probe> probes;
  std::vector<std::int64_t> same_probe(values.size(), -1);
  std::vector<std::int64_t> child_probe(values.size(), -1);
  std::vector<std::vector<std::int64_t>> parent_probes(values.size());
  std::map<std::int64_t, std::int64_t> probe_of_parent;
  auto add_probe = [&](Probe p) {
    p.tag = static_cast<std::int64_t>(probes.size());
    probes.push_back(std::move(p));
    return probes.back().tag;
  };
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::int64_t own_id = id_of(values[i]);
    if (own_id != 0) {
      Probe p;
      p.kind = Probe::Kind::kValue;
      p.value_id = own_id;
      p.limit = std::max(cap + 1, related_limit);
      same_probe[i] = add_probe(std::move(p));
    }
    if (max_related == 0) continue;
    for (const auto& parent : parents[i]) {
      const std::int64_t id = id_of(parent);
      if (id == 0 || id == own_id) continue;
      auto [it, inserted] = probe_of_parent.emplace(id, 0);
      if (inserted) {
        Probe p;
        p.kind = Probe::Kind::kValue;
        p.value_id = id;
        p.limit = related_limit;
        it->second = add_probe(std::move(p));
      }
      parent_probes[i].push_back(it->second);
    }
    if (auto child = ChildProbe(values[i])) {
      child->value_id = own_id;
      child->limit = related_limit;
      child_probe[i] = add_probe(std::move(*child));
    }
  }
  if (probes.empty()) return out;
  const auto rows = RunProbes(tx, probes, visible, exclude_stix_id);

  for (std::size_t i = 0; i < values.size(); ++i) {
    ValueCorrelation& c = out[i];
    std::vector<RelatedObject> related;
    std::set<std::string> listed;
    auto take = [&](const std::vector<VisibleRow>& probe_rows, Relation relation) {
      std::vector<const VisibleRow*> sorted;
      for (const auto& row : probe_rows) sorted.push_back(&row);
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const VisibleRow* a, const VisibleRow* b) { return a->seq > b->seq; });
      for (const VisibleRow* row : sorted) {
        if (related.size() >= max_related) return;
        if (listed.insert(row->stix_id).second) related.push_back(Related(*row, relation));
      }
    };
    if (same_probe[i] >= 0) {
      const auto& same = rows[static_cast<std::size_t>(same_probe[i])];
      const std::size_t counted = std::min<std::size_t>(same.size(), limits_.max_objects_per_value);
      c.capped = same.size() > limits_.max_objects_per_value;
      std::set<std::string> objects;
      std::set<std::int64_t> producers;
      for (std::size_t k = 0; k < counted; ++k) {
        objects.insert(same[k].stix_id);
        producers.insert(same[k].producer_id);
      }
      c.objects = static_cast<std::int64_t>(objects.size());
      c.organisations = static_cast<std::int64_t>(producers.size());
      take(same, Relation::kSame);
    }
    std::vector<VisibleRow> parent_rows;
    for (std::int64_t tag : parent_probes[i]) {
      const auto& r = rows[static_cast<std::size_t>(tag)];
      parent_rows.insert(parent_rows.end(), r.begin(), r.end());
    }
    take(parent_rows, Relation::kParent);
    if (child_probe[i] >= 0) take(rows[static_cast<std::size_t>(child_probe[i])], Relation::kChild);
    c.related = std::move(related);
  }
  return out;
}

}  // namespace caduceus::intel
