// verify_sigv4's refusals: each failure class, the clock-skew window, tampering,
// and garbage that must end in core::ApiError and nothing else.
#include <gtest/gtest.h>

#include <random>

#include "auth/sigv4.h"
#include "core/error.h"

namespace gantry::auth {
namespace {

using namespace std::chrono;

constexpr char kAccessKeyId[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const core::SystemTime kSignedAt = sys_days{2015y / August / 30} + 12h + 36min;
constexpr char kSignatureMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

std::optional<std::string> lookup(const std::string& id) {
  if (id == kAccessKeyId) return kSecret;
  return std::nullopt;
}

HttpRequestView signed_request() {
  HttpRequestView request{"POST",
                          "/",
                          {{"Host", "localhost:8400"},
                           {"Content-Type", "application/x-amz-json-1.1"},
                           {"X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters"}},
                          "{}"};
  sign_sigv4(request, {kAccessKeyId, kSecret}, "us-east-1", "ecs", kSignedAt);
  return request;
}

std::string& header(HttpRequestView& request, std::string_view name) {
  for (auto& [key, value] : request.headers)
    if (key == name) return value;
  throw std::logic_error("no header " + std::string(name));
}

// Verifies and returns the ApiError it throws; fails the test if none is thrown.
core::ApiError refusal(const HttpRequestView& request, core::SystemTime now = kSignedAt) {
  try {
    verify_sigv4(request, lookup, now);
  } catch (const core::ApiError& error) {
    return error;
  }
  ADD_FAILURE() << "verify_sigv4 accepted the request";
  return core::ApiError("none", "none", 0);
}

void expect_refusal(const HttpRequestView& request, const std::string& type, int status,
                    const std::string& message) {
  core::ApiError error = refusal(request);
  EXPECT_EQ(error.type(), type);
  EXPECT_EQ(error.http_status(), status);
  EXPECT_EQ(error.message(), message);
}

TEST(SigV4Verify, AcceptsTheSignedRequest) {
  EXPECT_EQ(verify_sigv4(signed_request(), lookup, kSignedAt).access_key_id, kAccessKeyId);
}

TEST(SigV4Verify, NoAuthorizationHeader) {
  HttpRequestView request = signed_request();
  request.headers.pop_back();
  expect_refusal(request, "MissingAuthenticationTokenException", 403,
                 "Missing Authentication Token");
}

TEST(SigV4Verify, AuthorizationOfAnotherScheme) {
  HttpRequestView request = signed_request();
  header(request, "Authorization") = "Bearer abc";
  expect_refusal(request, "IncompleteSignatureException", 400,
                 "Authorization header requires 'Credential' parameter. Authorization header "
                 "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
                 "parameter. Authorization=Bearer abc");
}

TEST(SigV4Verify, MissingSignatureAndDate) {
  HttpRequestView request = signed_request();
  std::string& authorization = header(request, "Authorization");
  authorization = authorization.substr(0, authorization.find(", Signature="));
  const std::string without_signature = authorization;
  std::erase_if(request.headers, [](const auto& h) { return h.first == "X-Amz-Date"; });
  expect_refusal(request, "IncompleteSignatureException", 400,
                 "Authorization header requires 'Signature' parameter. Authorization header "
                 "requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" +
                     without_signature);
}

TEST(SigV4Verify, MalformedScopes) {
  struct Case {
    std::string credential, message;
  };
  for (const Case& c : std::vector<Case>{
           {"AKIDEXAMPLE/20150830/us-east-1/ecs",
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/ecs'"},
           {"AKIDEXAMPLE/20150830/us-east-1/ecs/aws4_reqest",
            "Credential should be scoped with a valid terminator: 'aws4_request', not "
            "'aws4_reqest'."},
           {"AKIDEXAMPLE/20150830//ecs/aws4_request",
            "Credential should be scoped to a valid region, not ''."},
           {"AKIDEXAMPLE/20150831/us-east-1/ecs/aws4_request",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '20150831' != '20150830', from '20150830T123600Z'."}}) {
    SCOPED_TRACE(c.credential);
    HttpRequestView request = signed_request();
    std::string& authorization = header(request, "Authorization");
    size_t start = authorization.find("Credential=") + 11;
    authorization.replace(start, authorization.find(',') - start, c.credential);
    expect_refusal(request, "IncompleteSignatureException", 400, c.message);
  }
}

TEST(SigV4Verify, HostAndDateMustBeSigned) {
  HttpRequestView request = signed_request();
  std::string& authorization = header(request, "Authorization");
  std::string original = authorization;
  authorization.replace(authorization.find("host;"), 5, "");
  expect_refusal(request, "IncompleteSignatureException", 400,
                 "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  authorization = original;
  authorization.replace(authorization.find(";x-amz-date"), 11, "");
  expect_refusal(request, "IncompleteSignatureException", 400,
                 "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST(SigV4Verify, MalformedDate) {
  HttpRequestView request = signed_request();
  header(request, "X-Amz-Date") = "2015-08-30T12:36:00Z";
  expect_refusal(request, "IncompleteSignatureException", 400,
                 "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See "
                 "http://en.wikipedia.org/wiki/ISO_8601");
  header(request, "X-Amz-Date") = "20150230T123600Z";  // February 30th
  EXPECT_EQ(refusal(request).type(), "IncompleteSignatureException");
}

TEST(SigV4Verify, UnknownAccessKey) {
  HttpRequestView request = signed_request();
  sign_sigv4(request, {"AKIDOTHER", kSecret}, "us-east-1", "ecs", kSignedAt);
  expect_refusal(request, "UnrecognizedClientException", 403,
                 "The security token included in the request is invalid.");
}

TEST(SigV4Verify, WrongSecret) {
  HttpRequestView request = signed_request();
  sign_sigv4(request, {kAccessKeyId, "not the secret"}, "us-east-1", "ecs", kSignedAt);
  expect_refusal(request, "InvalidSignatureException", 403, kSignatureMismatch);
}

TEST(SigV4Verify, TamperedBodyFails) {
  HttpRequestView request = signed_request();
  request.body = R"({"maxResults":1})";
  expect_refusal(request, "InvalidSignatureException", 403, kSignatureMismatch);
}

TEST(SigV4Verify, TamperedBodyUnderASignedContentSha256Fails) {
  HttpRequestView request = signed_request();
  request.headers.emplace_back("X-Amz-Content-Sha256", "");
  sign_sigv4(request, {kAccessKeyId, kSecret}, "us-east-1", "ecs", kSignedAt);
  ASSERT_NO_THROW(verify_sigv4(request, lookup, kSignedAt));
  request.body = R"({"maxResults":1})";
  expect_refusal(request, "InvalidSignatureException", 403,
                 "The provided 'x-amz-content-sha256' header does not match what was computed.");
}

TEST(SigV4Verify, UnsignedHeaderMayChangeSignedMayNot) {
  HttpRequestView request = signed_request();
  request.headers.emplace_back("User-Agent", "aws-cli/2.15.0");
  EXPECT_NO_THROW(verify_sigv4(request, lookup, kSignedAt));

  header(request, "X-Amz-Target") = "AmazonEC2ContainerServiceV20141113.DeleteCluster";
  expect_refusal(request, "InvalidSignatureException", 403, kSignatureMismatch);
}

TEST(SigV4Verify, ChangedTargetOrMethodFails) {
  HttpRequestView request = signed_request();
  request.target = "/?x=1";
  EXPECT_EQ(refusal(request).type(), "InvalidSignatureException");
  request = signed_request();
  request.method = "PUT";
  EXPECT_EQ(refusal(request).type(), "InvalidSignatureException");
}

TEST(SigV4Verify, ClockSkewWindowIsFifteenMinutes) {
  HttpRequestView request = signed_request();
  core::FakeClock clock(kSignedAt + 15min);
  EXPECT_NO_THROW(verify_sigv4(request, lookup, clock.now()));
  clock.advance(1s);
  core::ApiError late = refusal(request, clock.now());
  EXPECT_EQ(late.type(), "InvalidSignatureException");
  EXPECT_EQ(late.http_status(), 403);
  EXPECT_EQ(late.message(),
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
            "(20150830T125101Z - 15 min.)");

  clock.set(kSignedAt - 15min);
  EXPECT_NO_THROW(verify_sigv4(request, lookup, clock.now()));
  clock.advance(-1s);
  core::ApiError early = refusal(request, clock.now());
  EXPECT_EQ(early.type(), "InvalidSignatureException");
  EXPECT_EQ(early.message(),
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z "
            "(20150830T122059Z + 15 min.)");
}

TEST(SigV4Verify, ExpiredMessageAsAwsWritesIt) {
  core::ApiError error = refusal(signed_request(), kSignedAt + 30min);
  EXPECT_EQ(error.message(),
            "Signature expired: 20150830T123600Z is now earlier than 20150830T125100Z "
            "(20150830T130600Z - 15 min.)");
}

// The inputs a fuzzer finds first: every one must end in ApiError or success.
TEST(SigV4Verify, GarbageEndsInApiErrorOnly) {
  std::vector<HttpRequestView> inputs = {
      {"", "", {{"Authorization", ""}}, ""},
      {"GET", "%", {{"authorization", "AWS4-HMAC-SHA256"}}, ""},
      {"GET", "http://", {{"Authorization", "AWS4-HMAC-SHA256 ,,,=,Credential"}}, ""},
      {"GET",
       "?&&=&%zz%",
       {{"Authorization", "AWS4-HMAC-SHA256 Credential=////"}, {"Date", ""}},
       ""},
      {"GET",
       "/../../..",
       {{"Authorization",
         "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, "
         "SignedHeaders=;;, Signature="},
        {"X-Amz-Date", "99991231T235959Z"}},
       ""},
      {"GET",
       "/",
       {{"Authorization",
         "AWS4-HMAC-SHA256 Credential=a/00000000/c/d/aws4_request, "
         "SignedHeaders=host, Signature=zz"},
        {"Date", "Xxx, 00 Xxx 0000 99:99:99 GMT"}},
       ""},
  };
  for (const HttpRequestView& input : inputs) {
    try {
      verify_sigv4(input, lookup, kSignedAt);
    } catch (const core::ApiError&) {
    }
  }
  // Random byte flips in a valid request: accepted or refused, nothing else.
  std::mt19937 random(7);
  HttpRequestView original = signed_request();
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    HttpRequestView request = original;
    auto& [name, value] = request.headers[random() % request.headers.size()];
    std::string& field = random() % 4 == 0 ? name : value;
    if (field.empty()) continue;
    field[random() % field.size()] = static_cast<char>(random() % 256);
    try {
      verify_sigv4(request, lookup, kSignedAt);
    } catch (const core::ApiError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace gantry::auth
