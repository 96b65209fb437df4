// Renderers of indicator exports for the tools hospitals run: Suricata rules and dataset files,
// the Zeek intel framework, plain blocklists for firewalls and proxies, a BIND response-policy
// zone, CSV for spreadsheets, and a STIX 2.1 bundle.
//
// Each renderer takes the observables already chosen by the caller (ExportService applies the
// visibility, TLP, age and confidence filters) and writes each (kind, value) once, the first item
// naming it supplying its metadata, in (kind, value) order so that two exports of the same data
// are byte-identical. Formats that allow comments open with a header (generation time, filter,
// TLP ceiling and the highest TLP present, counts). Every text that comes from an indicator
// (names, collection titles) is stripped of line breaks and the format's special characters, so
// an indicator cannot inject a rule, a record or a formula.
//
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/tlp.h"
#include "intel/observables.h"

namespace caduceus::intel {

enum class ExportFormat {
  kSuricataRules,    // "suricata-rules"
  kSuricataDataset,  // "suricata-dataset"
  kZeekIntel,        // "zeek-intel"
  kBlocklist,        // "blocklist"
  kRpz,              // "rpz"
  kCsv,              // "csv"
  kStix,             // "stix"
};

std::string_view ExportFormatName(ExportFormat format);
std::optional<ExportFormat> ParseExportFormat(std::string_view name);

// What a suricata-dataset or blocklist export lists (`?kind=`).
enum class ExportListKind {
  kDomain,  // "domain"
  kIp,      // "ip": addresses (datasets: IPv4 and IPv6 addresses, no networks) and networks
  kUrl,     // "url"
  kHash,    // "hash": blocklists only, every hash kind
  kMd5,     // "md5": datasets only
  kSha1,    // "sha1": datasets only (a list for Suricata's filesha1, not a dataset type)
  kSha256,  // "sha256": datasets only
};

std::string_view ExportListKindName(ExportListKind kind);
std::optional<ExportListKind> ParseExportListKind(std::string_view name);

struct ExportRequest {
  ExportFormat format = ExportFormat::kBlocklist;
  std::optional<ExportListKind> list_kind;  // required by suricata-dataset and blocklist
};

// InvalidArgument (field "kind") when a dataset or blocklist has no kind or one it does not
// take.
Status ValidateExportRequest(const ExportRequest& request);

// The observable kinds an export can contain, so the query fetches nothing else.
std::vector<ObservableKind> ExportKinds(const ExportRequest& request);

// "text/plain; charset=utf-8", "text/csv; charset=utf-8" or "application/stix+json;version=2.1".
std::string_view ExportMediaType(ExportFormat format);
// A file name for Content-Disposition, e.g. "caduceus-domains.rpz", "caduceus-md5.lst".
std::string ExportFileName(const ExportRequest& request);

struct ExportItem {
  Observable observable;
  std::string object_id;  // the indicator or cyber-observable it comes from
  std::string name;       // the object's name; may be empty
  TlpLevel tlp = TlpLevel::kClear;
  std::optional<int> confidence;
  TimePoint date_added;
  std::optional<TimePoint> valid_until;
  std::string collection;   // the collection's title
  std::string object_json;  // the object as stored (STIX export only; may be empty elsewhere)
};

struct ExportHeader {
  TimePoint generated_at;
  std::string filter;                   // human-readable description of the query
  std::optional<TlpLevel> tlp_ceiling;  // the query's tlp_max
  std::string source = "caduceus";      // Zeek meta.source prefix
  std::string object_url;  // Zeek meta.url prefix, followed by the object id; empty: none
  std::string bundle_id;   // STIX: "bundle--<uuid>"
  // Suricata: rules get sid_base + (a hash of the rule's key mod sid_span), so an indicator keeps
  // its sid from one export to the next and suppressions keep working.
  std::uint32_t sid_base = 82'000'000;
  std::uint32_t sid_span = 1'000'000;
  // The query stopped at its cap of `cap` observables: more matched (said in the header).
  bool truncated = false;
  std::size_t cap = 0;
};

// The whole export. `request` must have passed ValidateExportRequest.
std::string RenderExport(const ExportRequest& request,
                         std::span<const ExportItem> items,
                         const ExportHeader& header);

// The individual formats.
//
// Suricata rules: domains → dns.query, tls.sni and http.host rules (the name and its
// subdomains, via dotprefix + endswith); addresses and networks → one ip rule each (either
// direction); http/https URLs → http.host + http.uri (exact); file names → file.name; hashes →
// one filemd5 / filesha1 / filesha256 rule per kind present, reading the list files
// "caduceus-md5.lst", "caduceus-sha1.lst", "caduceus-sha256.lst" (the suricata-dataset exports of
// those kinds) from the rule directory. Other kinds have no rule and are counted in the header.
std::string RenderSuricataRules(std::span<const ExportItem> items, const ExportHeader& header);
// Suricata dataset file (`dataset:isset,NAME,type T,load FILE`): one value a line and nothing
// else (Suricata reads no comments there). Types: string (base64 of the domain or URL; URLs
// whose line would pass Suricata's 1,023-byte line limit are left out), md5, sha256, ip
// (IPv4 and IPv6 addresses; networks are left out), and sha1 hex lines for filesha1.
std::string RenderSuricataDataset(std::span<const ExportItem> items, ExportListKind kind);
// Zeek intel framework file: #fields indicator indicator_type meta.source meta.desc meta.url,
// tab-separated, with Intel::DOMAIN, ADDR, SUBNET, URL (without its scheme, as Zeek sees it),
// EMAIL, FILE_HASH, FILE_NAME.
std::string RenderZeekIntel(std::span<const ExportItem> items, const ExportHeader& header);
// One value a line ('#' comments): domains, addresses and networks, URLs, or hashes.
std::string RenderBlocklist(std::span<const ExportItem> items,
                            ExportListKind kind,
                            const ExportHeader& header);
// A response-policy zone (RFC draft-vixie-dnsop-dns-rpz, BIND): SOA (serial from the generation
// time) and NS, then "name CNAME ." and "*.name CNAME ." (NXDOMAIN for the name and its
// subdomains) and rpz-ip triggers for addresses and networks.
std::string RenderRpz(std::span<const ExportItem> items, const ExportHeader& header);
// RFC 4180 CSV with a header row: kind,value,object_id,tlp,confidence,date_added,valid_until,
// collection,name. Cells that a spreadsheet would read as a formula (=, +, -, @, tab, CR first)
// are prefixed with an apostrophe.
std::string RenderCsv(std::span<const ExportItem> items);
// A STIX 2.1 bundle of the objects the items come from (each object once, as stored).
std::string RenderStixBundle(std::span<const ExportItem> items, const ExportHeader& header);

}  // namespace caduceus::intel
