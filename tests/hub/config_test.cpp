#include "hub/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace caduceus::hub {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("caduceus-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& toml) {
    const auto path = dir_ / "hub.toml";
    std::ofstream(path) << toml;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, ReadsTheSmtpAndAlertSections) {
  auto config = LoadConfig(Write(R"(
[database]
url = "sqlite:///tmp/x.db"
[smtp]
host = "mail.example.org"
port = 587
from = "alerts@hub.example.org"
username = "hub"
password_file = "/etc/caduceus/smtp-password"
starttls = true
[alerts]
public_url = "https://hub.example.org"
webhook_allow_private_addresses = true
)"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->smtp_host, "mail.example.org");
  EXPECT_EQ(config->smtp_port, 587);
  EXPECT_EQ(config->smtp_from, "alerts@hub.example.org");
  EXPECT_EQ(config->smtp_username, "hub");
  EXPECT_EQ(config->smtp_password_file, "/etc/caduceus/smtp-password");
  EXPECT_TRUE(config->smtp_starttls);
  EXPECT_EQ(config->public_url, "https://hub.example.org");
  EXPECT_TRUE(config->webhook_allow_private_addresses);
  EXPECT_TRUE(Finalise(*config));
}

TEST_F(ConfigTest, WithoutSmtpThereIsNoMailAndNoPrivateWebhooks) {
  auto config = LoadConfig(Write("[database]\nurl = \"sqlite:///tmp/x.db\"\n"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->smtp_host.empty());
  EXPECT_FALSE(config->webhook_allow_private_addresses);
  EXPECT_TRUE(Finalise(*config));
}

TEST_F(ConfigTest, RefusesAnSmtpPortOutOfRangeAndAUserWithoutPassword) {
  auto config =
      LoadConfig(Write("[database]\nurl = \"sqlite:///tmp/x.db\"\n[smtp]\nport = 70000\n"));
  ASSERT_TRUE(config) << config.error().message;
  auto refused = Finalise(*config);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "smtp.port");

  config =
      LoadConfig(Write("[database]\nurl = \"sqlite:///tmp/x.db\"\n[smtp]\nusername = \"u\"\n"));
  ASSERT_TRUE(config) << config.error().message;
  refused = Finalise(*config);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "smtp.password_file");
}

TEST_F(ConfigTest, AValueOfTheWrongTypeNamesFileAndKey) {
  const auto path = Write("[smtp]\nport = \"twenty-five\"\n");
  auto config = LoadConfig(path);
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find(path), std::string::npos) << config.error().message;
  EXPECT_NE(config.error().message.find("port"), std::string::npos) << config.error().message;
}

}  // namespace
}  // namespace caduceus::hub
