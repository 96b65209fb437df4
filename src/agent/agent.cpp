#include "agent/agent.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "client/http_client.h"

namespace caduceus::agent {

namespace {

// `caduceus hub-status`: is the hub up, and is its database reachable?
int HubStatus(const std::string& url, const client::ClientOptions& options) {
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto res = client::Get(base + "/healthz", {{"Accept", "application/json"}}, options);
  if (!res) {
    std::cerr << "error: " << res.error().message << "\n";
    return 1;
  }
  boost::system::error_code ec;
  auto body = boost::json::parse(res->body, ec);
  const auto* obj = ec ? nullptr : body.if_object();
  if (!obj || !obj->contains("status")) {
    std::cerr << fmt::format("error: {} answered HTTP {} without a Caduceus health document\n",
                             base, res->status);
    return 1;
  }
  auto field = [&](const char* key) -> std::string {
    const auto* v = obj->if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string("unknown");
  };
  fmt::print("hub:      {}\nstatus:   {}\ndatabase: {}\n", base, field("status"),
             field("database"));
  return res->status == 200 ? 0 : 1;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"caduceus: the Caduceus agent and client for hospitals"};
  app.set_version_flag("--version", std::string("caduceus ") + CADUCEUS_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  client::ClientOptions options;
  int timeout = 15;

  auto* status = app.add_subcommand("hub-status", "Check that a hub is up and healthy");
  std::string url;
  status->add_option("--url", url, "the hub's base URL, e.g. https://hub.example.org")->required();
  status->add_option("--ca-file", options.ca_file, "CA bundle (PEM) to trust for the hub");
  status->add_option("--timeout", timeout, "seconds")->check(CLI::Range(1, 600));
  status->callback([&] {
    options.timeout = std::chrono::seconds(timeout);
    exit_code = HubStatus(url, options);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}

}  // namespace caduceus::agent
