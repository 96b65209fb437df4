#include "agent/inventory_upload.h"

#include <fstream>
#include <iterator>
#include <ostream>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <fmt/format.h>

#include "agent/config.h"

namespace caduceus::agent {

namespace json = boost::json;

namespace {

std::string QueryValue(const std::string& text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::int64_t Count(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

// The summary line of an applied upload.
void PrintApplied(const json::object& result, std::ostream& out) {
  std::int64_t created = 0, updated = 0, withdrawn = 0;
  if (const json::value* alerts = result.if_contains("alerts");
      alerts != nullptr && alerts->is_object()) {
    created = Count(alerts->get_object(), "created");
    updated = Count(alerts->get_object(), "updated");
    withdrawn = Count(alerts->get_object(), "withdrawn");
  }
  out << fmt::format(
      "upload {} applied: inventory revision {}, {} assets ({} added, {} updated, {} removed); "
      "alerts: {} new, {} updated, {} withdrawn\n",
      Count(result, "upload_id"), Count(result, "revision"), Count(result, "asset_count"),
      Count(result, "added"), Count(result, "updated"), Count(result, "removed"), created, updated,
      withdrawn);
}

// What the hub said about a refused upload: its problem detail and every faulty row.
void PrintRefused(int status, const std::string& body, std::ostream& err) {
  boost::system::error_code ec;
  const json::value problem = json::parse(body, ec);
  if (ec || !problem.is_object()) {
    err << fmt::format("error: the hub answered HTTP {}\n", status);
    return;
  }
  const json::object& p = problem.get_object();
  const json::value* detail = p.if_contains("detail");
  err << fmt::format(
      "error: the hub refused the upload (HTTP {}): {}\n", status,
      detail != nullptr && detail->is_string() ? detail->get_string().c_str() : "no detail");
  const json::value* errors = p.if_contains("errors");
  if (errors == nullptr || !errors->is_array()) return;
  for (const json::value& e : errors->get_array()) {
    if (!e.is_object()) continue;
    const json::object& row = e.get_object();
    const json::value* column = row.if_contains("column");
    const json::value* message = row.if_contains("message");
    const std::string column_text =
        column != nullptr && column->is_string() ? std::string(column->get_string()) : "";
    err << fmt::format("  line {}{}: {}\n", Count(row, "line"),
                       column_text.empty() ? "" : ", column '" + column_text + "'",
                       message != nullptr && message->is_string()
                           ? std::string(message->get_string())
                           : std::string("refused"));
  }
  err << "nothing of this upload was applied\n";
}

}  // namespace

int RunInventoryUpload(const std::filesystem::path& state_dir,
                       const InventoryUploadOptions& upload,
                       const client::ClientOptions& client_options,
                       std::ostream& out,
                       std::ostream& err) {
  if (upload.mode != "replace" && upload.mode != "merge") {
    err << "error: --mode is replace or merge\n";
    return 2;
  }
  if (!upload.format.empty() && upload.format != "cyclonedx" && upload.format != "csv") {
    err << "error: --format is cyclonedx or csv\n";
    return 2;
  }
  auto config = LoadConfig(state_dir);
  if (!config) {
    err << "error: " << config.error().message << "\n";
    return 2;
  }
  std::error_code size_error;
  const auto size = std::filesystem::file_size(upload.file, size_error);
  if (size_error || !std::filesystem::is_regular_file(upload.file)) {
    err << "error: cannot read " << upload.file.string() << "\n";
    return 2;
  }
  if (size > kMaxInventoryBytes) {
    err << fmt::format("error: {} is larger than {} MiB\n", upload.file.string(),
                       kMaxInventoryBytes / (1024 * 1024));
    return 2;
  }
  std::ifstream in(upload.file, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    err << "error: cannot read " << upload.file.string() << "\n";
    return 2;
  }

  std::string url = fmt::format("{}/api/v1/inventory?mode={}&file_name={}", config->hub_url,
                                upload.mode, QueryValue(upload.file.filename().string()));
  if (!upload.format.empty()) url += "&format=" + upload.format;
  const bool csv =
      upload.format == "csv" || (upload.format.empty() && upload.file.extension() == ".csv");
  client::ClientRequest request{"POST",
                                url,
                                {{"Accept", "application/json"},
                                 {"Content-Type", csv ? "text/csv" : "application/json"},
                                 AuthHeader(*config)},
                                std::move(content)};
  client::ClientOptions options = client_options;
  if (options.ca_file.empty()) options.ca_file = config->ca_file;
  auto response = client::Send(request, options);
  if (!response) {
    err << "error: " << response.error().message << "\n";
    return 1;
  }
  if (response->status != 200 && response->status != 201) {
    PrintRefused(response->status, response->body, err);
    return 1;
  }
  boost::system::error_code ec;
  const json::value result = json::parse(response->body, ec);
  if (ec || !result.is_object()) {
    err << "error: the hub's answer is not a JSON object\n";
    return 1;
  }
  PrintApplied(result.get_object(), out);
  return 0;
}

}  // namespace caduceus::agent
