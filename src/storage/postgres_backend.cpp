// The PostgreSQL backend: one libpq connection per Connection, statements sent with
// PQexecParams (parameters as text with server-inferred types, blobs as binary bytea), results
// read in text format and converted by column type.
#include <charconv>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include "storage/backends.h"

namespace caduceus::storage::detail {
namespace {

using Kind = StorageError::Kind;

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
struct PqFree {
  void operator()(void* p) const { PQfreemem(p); }
};
struct ConninfoFree {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

// Type OIDs from PostgreSQL's pg_type.dat; stable across server versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

constexpr std::size_t kMaxParams = 65535;  // the protocol's limit

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return s;
}

// Passwords in `url` (user:password@ and password=...), which libpq messages may quote.
std::vector<std::string> Passwords(std::string_view url) {
  std::vector<std::string> out;
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    const auto authority_start = scheme_end + 3;
    const auto authority_end = url.find_first_of("/?", authority_start);
    const auto authority = url.substr(authority_start, authority_end == std::string_view::npos
                                                           ? std::string_view::npos
                                                           : authority_end - authority_start);
    const auto at = authority.rfind('@');
    const auto colon = authority.substr(0, at == std::string_view::npos ? 0 : at).find(':');
    if (at != std::string_view::npos && colon != std::string_view::npos && colon + 1 < at) {
      out.emplace_back(authority.substr(colon + 1, at - colon - 1));
    }
  }
  for (auto pos = url.find("password="); pos != std::string_view::npos;
       pos = url.find("password=", pos + 1)) {
    const auto start = pos + std::string_view("password=").size();
    const auto end = url.find_first_of("& ", start);
    const auto value = url.substr(start, end == std::string_view::npos ? end : end - start);
    if (!value.empty()) out.emplace_back(value);
  }
  return out;
}

// `message` with every password of `url` replaced by "***".
std::string Redact(std::string message, std::string_view url) {
  for (const auto& password : Passwords(url)) {
    for (auto pos = message.find(password); pos != std::string::npos;
         pos = message.find(password, pos + 3)) {
      message.replace(pos, password.size(), "***");
    }
  }
  return message;
}

Kind KindOfSqlstate(std::string_view state) {
  if (state == "23505") return Kind::kUniqueViolation;
  if (state.starts_with("23")) return Kind::kConstraintViolation;
  if (state == "40001" || state == "40P01") return Kind::kRetryable;
  if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03") {
    return Kind::kConnection;
  }
  return Kind::kOther;
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{}", v);
}

void LogNotice(void* /*arg*/, const char* message) {
  spdlog::warn("storage: postgresql: {}", TrimRight(message));
}

std::int64_t ParseInt(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw StorageError(Kind::kOther, "postgresql: malformed integer in a result");
  }
  return v;
}

double ParseDouble(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) {
    throw StorageError(Kind::kOther, "postgresql: numeric result out of the range of a double");
  }
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw StorageError(Kind::kOther, "postgresql: malformed number in a result");
  }
  return v;
}

Value ReadCell(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return std::monostate{};
  const std::string_view text(PQgetvalue(result, row, column),
                              static_cast<std::size_t>(PQgetlength(result, row, column)));
  switch (PQftype(result, column)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid:
      return ParseInt(text);
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid:
      return ParseDouble(text);
    case kBoolOid:
      return std::int64_t{text == "t" ? 1 : 0};
    case kByteaOid: {
      std::size_t size = 0;
      const std::unique_ptr<unsigned char, PqFree> bytes(
          PQunescapeBytea(reinterpret_cast<const unsigned char*>(text.data()), &size));
      if (!bytes) throw StorageError(Kind::kOther, "postgresql: malformed bytea in a result");
      return Blob{std::string(reinterpret_cast<const char*>(bytes.get()), size)};
    }
    default:
      return std::string(text);
  }
}

bool ChangesRows(std::string_view command_tag) {
  return command_tag.starts_with("INSERT ") || command_tag.starts_with("UPDATE ") ||
         command_tag.starts_with("DELETE ") || command_tag.starts_with("MERGE ");
}

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(ConnPtr conn) : conn_(std::move(conn)) {
    PQsetNoticeProcessor(conn_.get(), LogNotice, nullptr);
  }

  QueryResult Execute(std::string_view sql, std::span<const Value> params) override {
    CheckStatement(sql, params);
    std::size_t placeholders = 0;
    const std::string text = RewritePlaceholders(sql, placeholders);
    if (placeholders != params.size()) {
      throw StorageError(Kind::kOther, fmt::format("statement expects {} parameters, got {} ({})",
                                                   placeholders, params.size(), SqlSnippet(sql)));
    }
    if (params.size() > kMaxParams) {
      throw StorageError(Kind::kOther, "too many statement parameters");
    }
    const auto n = params.size();
    std::vector<std::string> texts(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0);
    std::vector<int> formats(n, 0);
    std::vector<Oid> types(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::int64_t>) {
              texts[i] = fmt::format("{}", v);
              values[i] = texts[i].c_str();
            } else if constexpr (std::is_same_v<T, double>) {
              texts[i] = FormatDouble(v);
              values[i] = texts[i].c_str();
            } else if constexpr (std::is_same_v<T, std::string>) {
              values[i] = v.c_str();
            } else if constexpr (std::is_same_v<T, Blob>) {
              if (v.bytes.size() > static_cast<std::size_t>(INT_MAX)) {
                throw StorageError(Kind::kOther, fmt::format("blob parameter {} too large", i + 1));
              }
              values[i] = v.bytes.data();
              lengths[i] = static_cast<int>(v.bytes.size());
              formats[i] = 1;
              types[i] = kByteaOid;
            }
          },
          params[i]);
    }
    ResultPtr result(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(n), types.data(),
                                  values.data(), lengths.data(), formats.data(), 0));
    Check(result.get(), sql);

    QueryResult out;
    const int columns = PQnfields(result.get());
    const int rows = PQntuples(result.get());
    for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(result.get(), c));
    out.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      std::vector<Value> row;
      row.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) row.push_back(ReadCell(result.get(), r, c));
      out.rows.emplace_back(std::move(row));
    }
    if (ChangesRows(PQcmdStatus(result.get()))) {
      out.affected_rows = ParseInt(PQcmdTuples(result.get()));
    }
    return out;
  }

  void ExecuteScript(std::string_view sql) override {
    CheckStatement(sql, {});
    Run(std::string(sql));
  }

  void Begin(TxMode mode) override {
    Run(mode == TxMode::kRead ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                              : "BEGIN ISOLATION LEVEL READ COMMITTED");
  }

  void Commit() override {
    const ResultPtr result = Run("COMMIT");
    // COMMIT of a transaction in which a statement failed reports ROLLBACK, not an error.
    if (std::string_view(PQcmdStatus(result.get())) == "ROLLBACK") {
      throw StorageError(Kind::kOther,
                         "postgresql: the transaction was rolled back, not committed");
    }
  }

  void Rollback() override {
    if (InTransaction()) Run("ROLLBACK");
  }

  bool Healthy() const override { return !broken_ && PQstatus(conn_.get()) == CONNECTION_OK; }

  bool InTransaction() const override { return PQtransactionStatus(conn_.get()) != PQTRANS_IDLE; }

 private:
  ResultPtr Run(const std::string& sql) {
    ResultPtr result(PQexec(conn_.get(), sql.c_str()));
    Check(result.get(), sql);
    return result;
  }

  void Check(const PGresult* result, std::string_view sql) {
    switch (result ? PQresultStatus(result) : PGRES_FATAL_ERROR) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
      case PGRES_EMPTY_QUERY:
        return;
      case PGRES_COPY_IN:
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH:
        broken_ = true;
        throw StorageError(Kind::kOther,
                           fmt::format("postgresql: COPY is not supported ({})", SqlSnippet(sql)));
      default:
        Fail(result, sql);
    }
  }

  // The primary message only: DETAIL lines quote key values, and data exceptions (class 22)
  // quote the offending input, so neither reaches the message.
  [[noreturn]] void Fail(const PGresult* result, std::string_view sql) {
    const char* state_field = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string_view state = state_field ? state_field : "";
    Kind kind = KindOfSqlstate(state);
    if (PQstatus(conn_.get()) != CONNECTION_OK) kind = Kind::kConnection;
    if (kind == Kind::kConnection) broken_ = true;
    std::string message;
    if (state.starts_with("22")) {
      message = "a value was rejected by its column or operator type";
    } else if (const char* primary =
                   result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr) {
      message = primary;
    } else {
      message = TrimRight(PQerrorMessage(conn_.get()));
    }
    throw StorageError(kind, fmt::format("postgresql: {} [SQLSTATE {}] ({})", message,
                                         state.empty() ? "none" : state, SqlSnippet(sql)));
  }

  ConnPtr conn_;
  bool broken_ = false;
};

class PostgresBackend final : public Backend {
 public:
  explicit PostgresBackend(std::string url) : url_(std::move(url)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  // The URL's own settings override the defaults listed before it.
  std::unique_ptr<Connection> Connect() override {
    const char* const keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* const values[] = {"10", "caduceus", url_.c_str(), nullptr};
    ConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
    if (!conn) throw StorageError(Kind::kConnection, "postgresql: out of memory");
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      throw StorageError(
          Kind::kConnection,
          fmt::format("postgresql: {}",
                      Redact(std::string(TrimRight(PQerrorMessage(conn.get()))), url_)));
    }
    auto connection = std::make_unique<PostgresConnection>(std::move(conn));
    connection->ExecuteScript("SET client_min_messages = warning");
    return connection;
  }

 private:
  std::string url_;
};

}  // namespace

Result<std::unique_ptr<Backend>> MakePostgresBackend(const std::string& url) {
  if (url.find('\0') != std::string::npos) return Error::Invalid("database URL contains NUL");
  char* raw_error = nullptr;
  const std::unique_ptr<PQconninfoOption, ConninfoFree> options(
      PQconninfoParse(url.c_str(), &raw_error));
  const std::unique_ptr<char, PqFree> error(raw_error);
  if (!options) {
    return Error::Invalid(
        fmt::format("invalid PostgreSQL URL: {}",
                    error ? Redact(std::string(TrimRight(error.get())), url) : "out of memory"));
  }
  return std::unique_ptr<Backend>(std::make_unique<PostgresBackend>(url));
}

}  // namespace caduceus::storage::detail
