// SigV4 against published answers: AWS's aws-sig-v4-test-suite and requests
// signed by botocore (tests/data/sigv4_botocore.json, from
// tools/gen_sigv4_vectors.py).
#include "auth/sigv4.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace gantry::auth {
namespace {

using namespace std::chrono;

constexpr char kAccessKeyId[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const core::SystemTime kSuiteTime = sys_days{2015y / August / 30} + 12h + 36min;

SecretLookup suite_lookup() {
  return [](const std::string& id) -> std::optional<std::string> {
    if (id == kAccessKeyId) return kSecret;
    return std::nullopt;
  };
}

struct SuiteCase {
  const char* name;
  const char* method;
  const char* target;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host
  const char* body;
  const char* signed_headers;
  const char* signature;
};

void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.name; }

class AwsTestSuite : public testing::TestWithParam<SuiteCase> {};

TEST_P(AwsTestSuite, SignsAsPublishedAndVerifies) {
  const SuiteCase& c = GetParam();
  HttpRequestView request{c.method, c.target, {{"Host", "example.amazonaws.com"}}, c.body};
  for (const auto& header : c.headers) request.headers.push_back(header);

  sign_sigv4(request, {kAccessKeyId, kSecret}, "us-east-1", "service", kSuiteTime);

  ASSERT_EQ(request.headers.back().first, "Authorization");
  EXPECT_EQ(request.headers.back().second,
            std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                        "aws4_request, SignedHeaders=") +
                c.signed_headers + ", Signature=" + c.signature);
  VerifiedCaller caller = verify_sigv4(request, suite_lookup(), kSuiteTime);
  EXPECT_EQ(caller.access_key_id, kAccessKeyId);
  EXPECT_EQ(caller.region, "us-east-1");
  EXPECT_EQ(caller.service, "service");
}

const char kPlain[] = "host;x-amz-date";
const char kWithHeader1[] = "host;my-header1;x-amz-date";

INSTANTIATE_TEST_SUITE_P(
    Vectors, AwsTestSuite,
    testing::Values(
        SuiteCase{"get-vanilla",
                  "GET",
                  "/",
                  {},
                  "",
                  kPlain,
                  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        SuiteCase{"post-vanilla",
                  "POST",
                  "/",
                  {},
                  "",
                  kPlain,
                  "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
        SuiteCase{"get-vanilla-query-order-key-case",
                  "GET",
                  "/?Param2=value2&Param1=value1",
                  {},
                  "",
                  kPlain,
                  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        SuiteCase{"get-vanilla-empty-query-key",
                  "GET",
                  "/?Param1=value1",
                  {},
                  "",
                  kPlain,
                  "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
        SuiteCase{"get-vanilla-query-unreserved",
                  "GET",
                  "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
                  "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                  {},
                  "",
                  kPlain,
                  "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
        SuiteCase{"get-vanilla-utf8-query",
                  "GET",
                  "/?%E1%88%B4=bar",
                  {},
                  "",
                  kPlain,
                  "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
        SuiteCase{"get-unreserved",
                  "GET",
                  "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                  {},
                  "",
                  kPlain,
                  "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
        SuiteCase{"get-utf8",
                  "GET",
                  "/\xe1\x88\xb4",
                  {},
                  "",
                  kPlain,
                  "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
        SuiteCase{"get-header-value-trim",
                  "GET",
                  "/",
                  {{"My-Header1", " value1"}, {"My-Header2", "\"a   b   c\""}},
                  "",
                  "host;my-header1;my-header2;x-amz-date",
                  "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
        SuiteCase{"get-header-key-duplicate",
                  "GET",
                  "/",
                  {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
                  "",
                  kWithHeader1,
                  "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
        SuiteCase{"post-header-key-sort",
                  "POST",
                  "/",
                  {{"My-Header1", "value1"}},
                  "",
                  kWithHeader1,
                  "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
        SuiteCase{"post-header-value-case",
                  "POST",
                  "/",
                  {{"My-Header1", "VALUE1"}},
                  "",
                  kWithHeader1,
                  "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
        SuiteCase{"post-x-www-form-urlencoded",
                  "POST",
                  "/",
                  {{"Content-Type", "application/x-www-form-urlencoded"}},
                  "Param1=value1",
                  "content-type;host;x-amz-date",
                  "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
        SuiteCase{"post-x-www-form-urlencoded-parameters",
                  "POST",
                  "/",
                  {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}},
                  "Param1=value1",
                  "content-type;host;x-amz-date",
                  "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
        // normalize-path/: services other than S3 sign the normalized path.
        SuiteCase{"get-relative",
                  "GET",
                  "/example/..",
                  {},
                  "",
                  kPlain,
                  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        SuiteCase{"get-slash-dot-slash",
                  "GET",
                  "/./",
                  {},
                  "",
                  kPlain,
                  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        SuiteCase{"get-slashes",
                  "GET",
                  "//example//",
                  {},
                  "",
                  kPlain,
                  "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
        SuiteCase{"get-space",
                  "GET",
                  "/example space/",
                  {},
                  "",
                  kPlain,
                  "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"}),
    [](const testing::TestParamInfo<SuiteCase>& info) {
      std::string name = info.param.name;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

// ---- botocore ----------------------------------------------------------------

struct BotocoreCase {
  std::string name;
  HttpRequestView request;
  std::string region, service, access_key_id, secret, authorization;
  core::SystemTime signed_at;
};

std::vector<BotocoreCase> load_botocore_cases() {
  std::ifstream file(std::string(GANTRY_TEST_DATA) + "/sigv4_botocore.json");
  std::stringstream text;
  text << file.rdbuf();
  std::vector<BotocoreCase> cases;
  const boost::json::value document = boost::json::parse(text.str());
  for (const auto& value : document.as_array()) {
    const auto& object = value.as_object();
    auto str = [&](const char* key) { return std::string(object.at(key).as_string()); };
    BotocoreCase c{
        str("name"),          {str("method"), str("target"), {}, str("body")},
        str("region"),        str("service"),
        str("access_key_id"), str("secret_access_key"),
        str("authorization"), core::SystemTime{seconds{object.at("signed_at_epoch").as_int64()}}};
    for (const auto& header : object.at("headers").as_array())
      c.request.headers.emplace_back(header.as_array()[0].as_string(),
                                     header.as_array()[1].as_string());
    cases.push_back(std::move(c));
  }
  return cases;
}

bool has_header(const HttpRequestView& request, std::string_view name) {
  return std::any_of(request.headers.begin(), request.headers.end(),
                     [&](const auto& header) { return header.first == name; });
}

TEST(SigV4Botocore, VerifiesWhatBotocoreSigns) {
  auto cases = load_botocore_cases();
  ASSERT_EQ(cases.size(), 4u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto lookup = [&c](const std::string& id) -> std::optional<std::string> {
      if (id == c.access_key_id) return c.secret;
      return std::nullopt;
    };
    VerifiedCaller caller = verify_sigv4(c.request, lookup, c.signed_at + 5min);
    EXPECT_EQ(caller.access_key_id, c.access_key_id);
    EXPECT_EQ(caller.region, c.region);
    EXPECT_EQ(caller.service, "ecs");
  }
}

TEST(SigV4Botocore, SignsTheSameAsBotocore) {
  int resigned = 0;
  for (auto c : load_botocore_cases()) {
    if (!has_header(c.request, "X-Amz-Date")) continue;  // sign_sigv4 always uses X-Amz-Date
    SCOPED_TRACE(c.name);
    // botocore leaves User-Agent unsigned; sign_sigv4 signs every header it is given.
    std::erase_if(c.request.headers, [](const auto& h) { return h.first == "User-Agent"; });
    sign_sigv4(c.request, {c.access_key_id, c.secret}, c.region, c.service, c.signed_at);
    EXPECT_EQ(c.request.headers.back().second, c.authorization);
    ++resigned;
  }
  EXPECT_EQ(resigned, 3);
}

// ---- round trip --------------------------------------------------------------

HttpRequestView ecs_request() {
  return {"POST",
          "/",
          {{"Host", "localhost:8400"},
           {"Content-Type", "application/x-amz-json-1.1"},
           {"X-Amz-Target", "AmazonEC2ContainerServiceV20141113.RunTask"}},
          R"({"cluster":"default","taskDefinition":"web:1"})"};
}

TEST(SigV4RoundTrip, SignThenVerify) {
  core::FakeClock clock;
  HttpRequestView request = ecs_request();
  sign_sigv4(request, {kAccessKeyId, kSecret}, "eu-central-1", "ecs", clock.now());
  VerifiedCaller caller = verify_sigv4(request, suite_lookup(), clock.now());
  EXPECT_EQ(caller.access_key_id, kAccessKeyId);
  EXPECT_EQ(caller.region, "eu-central-1");
  EXPECT_EQ(caller.service, "ecs");
}

TEST(SigV4RoundTrip, ResigningReplacesDateAndAuthorization) {
  core::FakeClock clock;
  HttpRequestView request = ecs_request();
  sign_sigv4(request, {kAccessKeyId, kSecret}, "us-east-1", "ecs", clock.now());
  clock.advance(1h);
  sign_sigv4(request, {kAccessKeyId, kSecret}, "us-east-1", "ecs", clock.now());
  EXPECT_EQ(request.headers.size(), 5u);  // three own + one X-Amz-Date + one Authorization
  EXPECT_NO_THROW(verify_sigv4(request, suite_lookup(), clock.now()));
}

TEST(SigV4RoundTrip, EmptyContentSha256HeaderIsFilledAndSigned) {
  core::FakeClock clock;
  HttpRequestView request = ecs_request();
  request.headers.emplace_back("X-Amz-Content-Sha256", "");
  sign_sigv4(request, {kAccessKeyId, kSecret}, "us-east-1", "ecs", clock.now());
  // sha256 of the body, computed by Python's hashlib.
  EXPECT_EQ(request.headers[3].second,
            "7ea82c7c3192138704b8ef225282cc39c73c2f5771a0d7e4da1c94ba65bd29eb");
  EXPECT_NE(request.headers.back().second.find("x-amz-content-sha256;x-amz-date"),
            std::string::npos);
  EXPECT_NO_THROW(verify_sigv4(request, suite_lookup(), clock.now()));
}

}  // namespace
}  // namespace gantry::auth
