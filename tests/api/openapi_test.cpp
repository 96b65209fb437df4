// The OpenAPI document is kept true: it is valid OpenAPI 3 and describes exactly the routes the
// real Api registers, with the security each route really enforces.
#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <utility>

#include "api_fixture.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;

using Operation = std::pair<std::string, std::string>;  // (METHOD, path with {} parameters)

constexpr std::string_view kOperationKeys[] = {"get",     "put",  "post",  "delete",
                                               "options", "head", "patch", "trace"};

// "/orgs/{id}/users/{user_id}" -> "/orgs/{}/users/{}".
std::string NormalisePath(const std::string& path) {
  static const std::regex param(R"(\{[^/{}]+\})");
  return std::regex_replace(path, param, "{}");
}

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool IsOperation(std::string_view key) {
  return std::find(std::begin(kOperationKeys), std::end(kOperationKeys), key) !=
         std::end(kOperationKeys);
}

json::object Document() { return json::parse(Api::OpenApiJson()).as_object(); }

std::set<Operation> DocumentedOperations() {
  std::set<Operation> out;
  const auto doc = Document();
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (IsOperation(method)) out.insert({Upper(method), NormalisePath(std::string(path))});
    }
  }
  return out;
}

std::string Describe(const std::set<Operation>& ops) {
  std::string out;
  for (const auto& [method, path] : ops) out += "  " + method + " " + path + "\n";
  return out;
}

TEST(OpenApiDocument, ParsesAsOpenApi3WithInfoAndComponents) {
  json::value doc;
  ASSERT_NO_THROW(doc = json::parse(Api::OpenApiJson()));
  ASSERT_TRUE(doc.is_object());
  const auto& o = doc.as_object();
  ASSERT_TRUE(o.contains("openapi"));
  const std::string version(o.at("openapi").as_string());
  EXPECT_EQ(version.rfind("3.", 0), 0u) << version;
  ASSERT_TRUE(o.contains("info") && o.at("info").is_object());
  EXPECT_TRUE(o.at("info").as_object().contains("title"));
  EXPECT_TRUE(o.at("info").as_object().contains("version"));
  ASSERT_TRUE(o.contains("components") && o.at("components").is_object());
  ASSERT_TRUE(o.contains("paths") && o.at("paths").is_object());
  EXPECT_FALSE(o.at("paths").as_object().empty());
}

TEST(OpenApiDocument, EveryOperationHasResponses) {
  const auto doc = Document();
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (!IsOperation(method)) continue;
      const auto* responses = op.as_object().if_contains("responses");
      EXPECT_TRUE(responses && responses->is_object() && !responses->as_object().empty())
          << Upper(method) << " " << path;
    }
  }
}

TEST(OpenApiDocument, EveryPathParameterIsDeclared) {
  static const std::regex param(R"(\{([^/{}]+)\})");
  const auto doc = Document();
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    const std::string p(path);
    for (std::sregex_iterator it(p.begin(), p.end(), param), end; it != end; ++it) {
      const std::string name = (*it)[1];
      for (const auto& [method, op] : item.as_object()) {
        if (!IsOperation(method)) continue;
        bool declared = false;
        for (const auto* holder : {&op.as_object(), &item.as_object()}) {
          if (const auto* params = holder->if_contains("parameters")) {
            for (const auto& prm : params->as_array()) {
              const auto& po = prm.as_object();
              if (po.contains("name") && po.at("name") == json::value(name) && po.contains("in") &&
                  po.at("in") == "path") {
                declared = true;
              }
            }
          }
        }
        EXPECT_TRUE(declared) << Upper(method) << " " << path << " does not declare {" << name
                              << "}";
      }
    }
  }
}

// Collects every "$ref" string in a JSON value.
void CollectRefs(const json::value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      if (k == "$ref" && child.is_string()) out.emplace_back(child.as_string());
      CollectRefs(child, out);
    }
  } else if (v.is_array()) {
    for (const auto& child : v.as_array()) CollectRefs(child, out);
  }
}

TEST(OpenApiDocument, EveryLocalReferenceResolves) {
  const json::value doc = Document();
  std::vector<std::string> refs;
  CollectRefs(doc, refs);
  EXPECT_FALSE(refs.empty());
  for (const auto& ref : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
    boost::system::error_code ec;
    const auto* target = doc.find_pointer(ref.substr(1), ec);
    EXPECT_TRUE(target != nullptr && !ec) << "dangling " << ref;
  }
}

class OpenApiRoutesTest : public ApiTest {};

TEST_P(OpenApiRoutesTest, DocumentDescribesExactlyTheRegisteredRoutes) {
  std::set<Operation> registered;
  for (const auto& route : api_->router().routes()) {
    registered.insert(
        {std::string(http::MethodName(route->method)), NormalisePath(route->pattern)});
  }
  const auto documented = DocumentedOperations();
  std::set<Operation> undocumented;
  std::set_difference(registered.begin(), registered.end(), documented.begin(), documented.end(),
                      std::inserter(undocumented, undocumented.end()));
  std::set<Operation> phantom;
  std::set_difference(documented.begin(), documented.end(), registered.begin(), registered.end(),
                      std::inserter(phantom, phantom.end()));
  EXPECT_TRUE(undocumented.empty()) << "routes missing from openapi.json:\n"
                                    << Describe(undocumented);
  EXPECT_TRUE(phantom.empty()) << "documented operations with no route:\n" << Describe(phantom);
  EXPECT_FALSE(registered.empty());
}

// An operation whose `security` is the empty list is public; every other one must answer 401
// to a request without credentials.
TEST_P(OpenApiRoutesTest, DocumentedSecurityMatchesWhatEachRouteEnforces) {
  const auto doc = Document();
  const bool global_security = doc.contains("security") && !doc.at("security").as_array().empty();
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (!IsOperation(method)) continue;
      const auto* security = op.as_object().if_contains("security");
      const bool is_public = security ? security->as_array().empty() : !global_security;
      const std::string target =
          std::regex_replace(std::string(path), std::regex(R"(\{[^/]+\})"), "1");
      auto request = Make(http::ParseMethod(Upper(method)), target);
      const auto resp = Send(std::move(request));
      if (is_public) {
        EXPECT_NE(resp.status, 401) << Upper(method) << " " << path << " is documented public";
      } else {
        EXPECT_EQ(resp.status, 401)
            << Upper(method) << " " << path << " is documented as needing credentials";
      }
    }
  }
}

CADUCEUS_API_TEST_BACKENDS(OpenApiRoutesTest);

}  // namespace
}  // namespace caduceus::api
