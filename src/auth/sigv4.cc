#include "auth/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <set>
#include <string_view>

#include "auth/sigv4_canonical.h"
#include "core/error.h"

namespace gantry::auth {
namespace {

using sigv4::split;

using Seconds = std::chrono::sys_seconds;  // int64 seconds: no overflow for any parsed year

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr auto kMaxSkew = std::chrono::minutes(15);

core::ApiError incomplete(std::string message) {
  return {"IncompleteSignatureException", std::move(message), 400};
}
core::ApiError invalid_signature(std::string message) {
  return {"InvalidSignatureException", std::move(message), 403};
}

// ---- bytes -----------------------------------------------------------------

std::string to_hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

// OpenSSL 3 looks an algorithm up (under a lock) on every EVP_sha256() use;
// fetching it once keeps hashing off that lock on the request path.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw core::server_error("SHA-256 is not available.");
  return md;
}

std::string sha256_raw(std::string_view a, std::string_view b = {}) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  bool ok = ctx && EVP_DigestInit_ex(ctx, sha256_md(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 &&
            EVP_DigestUpdate(ctx, b.data(), b.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, digest, &size) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw core::server_error("SHA-256 failed.");
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string sha256_hex(std::string_view data) {
  std::string digest = sha256_raw(data);
  return to_hex(reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
}

// HMAC (RFC 2104) over the prefetched SHA-256.
std::string hmac_sha256(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  std::string block = key.size() > kBlock ? sha256_raw(key) : std::string(key);
  block.resize(kBlock, '\0');
  std::string inner(kBlock, '\0'), outer(kBlock, '\0');
  for (size_t i = 0; i < kBlock; ++i) {
    inner[i] = static_cast<char>(block[i] ^ 0x36);
    outer[i] = static_cast<char>(block[i] ^ 0x5c);
  }
  OPENSSL_cleanse(block.data(), block.size());
  return sha256_raw(outer, sha256_raw(inner, data));
}

// ---- text ------------------------------------------------------------------

char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), to_lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower(x) == to_lower(y);
         });
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

const std::string* find_header(const HttpRequestView& request, std::string_view name) {
  for (const auto& [key, value] : request.headers)
    if (iequals(key, name)) return &value;
  return nullptr;
}

// ---- time ------------------------------------------------------------------

bool read_number(std::string_view s, size_t pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<Seconds> make_time(int y, int mo, int d, int h, int mi, int s) {
  using namespace std::chrono;
  year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return sys_days{date} + hours{h} + minutes{mi} + seconds{s};
}

// "20150830T123600Z", the format of X-Amz-Date.
std::optional<Seconds> parse_iso_basic(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z' || !read_number(s, 0, 4, y) ||
      !read_number(s, 4, 2, mo) || !read_number(s, 6, 2, d) || !read_number(s, 9, 2, h) ||
      !read_number(s, 11, 2, mi) || !read_number(s, 13, 2, sec))
    return std::nullopt;
  return make_time(y, mo, d, h, mi, sec);
}

// "Sun, 30 Aug 2015 12:36:00 GMT", the format of the HTTP Date header.
std::optional<Seconds> parse_http_date(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int d, y, h, mi, sec, mo = 0;
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT" || !read_number(s, 5, 2, d) ||
      !read_number(s, 12, 4, y) || !read_number(s, 17, 2, h) || !read_number(s, 20, 2, mi) ||
      !read_number(s, 23, 2, sec))
    return std::nullopt;
  for (int i = 0; i < 12; ++i)
    if (s.substr(8, 3) == kMonths[i]) mo = i + 1;
  if (mo == 0) return std::nullopt;
  return make_time(y, mo, d, h, mi, sec);
}

std::string format_iso_basic(Seconds t) {
  using namespace std::chrono;
  auto day_start = floor<days>(t);
  year_month_day date{day_start};
  hh_mm_ss time{t - day_start};
  char out[40];
  std::snprintf(out, sizeof out, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return out;
}

// ---- the signature ---------------------------------------------------------

struct Scope {
  std::string_view date;  // YYYYMMDD
  std::string_view region;
  std::string_view service;
};

std::string scope_string(const Scope& scope) {
  return std::string(scope.date) + "/" + std::string(scope.region) + "/" +
         std::string(scope.service) + "/" + std::string(kTerminator);
}

// `signed_names` are lower-case; `signed_headers` is the line as the signer wrote it.
// The key derived from the secret and the scope. A client signs with the
// same one all day, so each thread keeps the last it derived: four HMACs
// saved on nearly every request.
std::string signing_key(std::string_view secret, const Scope& scope) {
  struct Cached {
    std::string secret, date, region, service, key;
  };
  thread_local Cached cached;
  if (cached.secret == secret && cached.date == scope.date && cached.region == scope.region &&
      cached.service == scope.service && !cached.key.empty()) {
    return cached.key;
  }
  std::string key = hmac_sha256("AWS4" + std::string(secret), scope.date);
  key = hmac_sha256(key, scope.region);
  key = hmac_sha256(key, scope.service);
  key = hmac_sha256(key, kTerminator);
  cached = Cached{std::string(secret), std::string(scope.date), std::string(scope.region),
                  std::string(scope.service), key};
  return key;
}

std::string compute_signature(const HttpRequestView& request, std::string_view secret,
                              const std::string& amz_date, const Scope& scope,
                              const std::vector<std::string>& signed_names,
                              std::string_view signed_headers, std::string_view payload_hash) {
  sigv4::Target target = sigv4::split_target(request.target);
  std::string canonical = request.method + "\n" + sigv4::canonical_uri(target.path, scope.service) +
                          "\n" + sigv4::canonical_query(target.query) + "\n";
  for (const std::string& name : signed_names) {
    canonical.append(name).push_back(':');
    bool first = true;
    for (const auto& [key, value] : request.headers) {
      if (!iequals(key, name)) continue;
      if (!first) canonical.push_back(',');
      canonical.append(sigv4::trim_all(value));
      first = false;
    }
    canonical.push_back('\n');
  }
  canonical.append("\n").append(signed_headers).append("\n").append(payload_hash);

  std::string string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" +
                               scope_string(scope) + "\n" + sha256_hex(canonical);
  std::string mac = hmac_sha256(signing_key(secret, scope), string_to_sign);
  return to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

struct AuthorizationParts {
  std::optional<std::string_view> credential, signed_headers, signature;
};

AuthorizationParts parse_authorization(std::string_view value) {
  AuthorizationParts parts;
  value = trim(value);
  if (value.substr(0, kAlgorithm.size()) != kAlgorithm || value.size() == kAlgorithm.size() ||
      !is_space(value[kAlgorithm.size()]))
    return parts;  // another scheme: none of our parameters are there
  for (std::string_view component : split(value.substr(kAlgorithm.size()), ',')) {
    component = trim(component);
    size_t equals = component.find('=');
    if (equals == std::string_view::npos) continue;
    std::string_view key = trim(component.substr(0, equals));
    std::string_view field = trim(component.substr(equals + 1));
    std::optional<std::string_view>* slot = key == "Credential"      ? &parts.credential
                                            : key == "SignedHeaders" ? &parts.signed_headers
                                            : key == "Signature"     ? &parts.signature
                                                                     : nullptr;
    if (slot != nullptr && !slot->has_value()) *slot = field;  // the first one counts
  }
  return parts;
}

}  // namespace

VerifiedCaller verify_sigv4(const HttpRequestView& request, const SecretLookup& lookup,
                            core::SystemTime now) {
  const std::string* authorization = find_header(request, "authorization");
  if (authorization == nullptr)
    throw core::ApiError("MissingAuthenticationTokenException", "Missing Authentication Token",
                         403);

  AuthorizationParts parts = parse_authorization(*authorization);
  const std::string* amz_date_header = find_header(request, "x-amz-date");
  const std::string* date_header = amz_date_header ? amz_date_header : find_header(request, "date");
  std::string missing;
  auto require = [&missing](bool present, std::string_view what) {
    if (!present) missing.append("Authorization header requires ").append(what).append(" ");
  };
  require(parts.credential.has_value(), "'Credential' parameter.");
  require(parts.signature.has_value(), "'Signature' parameter.");
  require(parts.signed_headers.has_value(), "'SignedHeaders' parameter.");
  require(date_header != nullptr, "existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (!missing.empty())
    throw incomplete(missing + "Authorization=" + authorization->substr(0, 512));

  std::optional<Seconds> signed_at;
  if (amz_date_header) {
    signed_at = parse_iso_basic(trim(*amz_date_header));
    if (!signed_at)
      throw incomplete("Date must be in ISO-8601 'basic format'. Got '" +
                       amz_date_header->substr(0, 64) +
                       "'. See http://en.wikipedia.org/wiki/ISO_8601");
  } else {
    std::string_view value = trim(*date_header);
    signed_at = parse_http_date(value);
    if (!signed_at) signed_at = parse_iso_basic(value);
    if (!signed_at)
      throw incomplete("Date must be an RFC 1123 date or in ISO-8601 'basic format'. Got '" +
                       date_header->substr(0, 64) + "'.");
  }
  const std::string amz_date = format_iso_basic(*signed_at);

  std::vector<std::string_view> credential = split(*parts.credential, '/');
  if (credential.size() != 5)
    throw incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '" +
        std::string(parts.credential->substr(0, 256)) + "'");
  const std::string access_key_id(credential[0]);
  const Scope scope{credential[1], credential[2], credential[3]};
  if (credential[4] != kTerminator)
    throw incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                     std::string(credential[4]) + "'.");
  if (scope.region.empty())
    throw incomplete("Credential should be scoped to a valid region, not ''.");
  if (scope.service.empty())
    throw incomplete("Credential should be scoped to a valid service, not ''.");
  if (scope.date != std::string_view(amz_date).substr(0, 8))
    throw incomplete(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '" +
        std::string(scope.date) + "' != '" + amz_date.substr(0, 8) + "', from '" + amz_date + "'.");

  std::vector<std::string> signed_names;
  for (std::string_view name : split(*parts.signed_headers, ';'))
    signed_names.push_back(lower(name));
  auto is_signed = [&signed_names](std::string_view name) {
    return std::find(signed_names.begin(), signed_names.end(), name) != signed_names.end();
  };
  if (!is_signed("host"))
    throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (amz_date_header && !is_signed("x-amz-date"))
    throw incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");

  // Compared in whole seconds, the precision the signer had.
  const Seconds now_s = std::chrono::floor<std::chrono::seconds>(now);
  if (*signed_at < now_s - kMaxSkew)
    throw invalid_signature("Signature expired: " + amz_date + " is now earlier than " +
                            format_iso_basic(now_s - kMaxSkew) + " (" + format_iso_basic(now_s) +
                            " - 15 min.)");
  if (*signed_at > now_s + kMaxSkew)
    throw invalid_signature("Signature not yet current: " + amz_date + " is still later than " +
                            format_iso_basic(now_s + kMaxSkew) + " (" + format_iso_basic(now_s) +
                            " + 15 min.)");

  std::optional<std::string> secret = lookup(access_key_id);
  if (!secret)
    throw core::ApiError("UnrecognizedClientException",
                         "The security token included in the request is invalid.", 403);

  const std::string body_hash = sha256_hex(request.body);
  const std::string* content_sha = find_header(request, "x-amz-content-sha256");
  const std::string payload_hash = content_sha ? std::string(trim(*content_sha)) : body_hash;
  std::string expected = compute_signature(request, *secret, amz_date, scope, signed_names,
                                           *parts.signed_headers, payload_hash);
  const std::string_view given = *parts.signature;
  if (given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0)
    throw invalid_signature(
        "The request signature we calculated does not match the signature you provided. Check your "
        "AWS Secret Access Key and signing method. Consult the service documentation for details.");
  // The signature covers the header's hash, not the body: the two must agree
  // or the body could be swapped under a valid signature.
  if (lower(payload_hash) != body_hash)
    throw invalid_signature(
        "The provided 'x-amz-content-sha256' header does not match what was computed.");
  return {access_key_id, std::string(scope.region), std::string(scope.service)};
}

void sign_sigv4(HttpRequestView& request, const SigningKey& key, const std::string& region,
                const std::string& service, core::SystemTime now) {
  std::erase_if(request.headers, [](const auto& header) {
    return iequals(header.first, "authorization") || iequals(header.first, "x-amz-date");
  });
  const std::string amz_date = format_iso_basic(std::chrono::floor<std::chrono::seconds>(now));
  request.headers.emplace_back("X-Amz-Date", amz_date);

  std::string payload_hash;
  for (auto& [name, value] : request.headers) {
    if (!iequals(name, "x-amz-content-sha256")) continue;
    if (trim(value).empty()) value = sha256_hex(request.body);  // asked for: fill it in
    payload_hash = trim(value);
  }
  if (payload_hash.empty()) payload_hash = sha256_hex(request.body);

  std::set<std::string> names;
  for (const auto& header : request.headers) names.insert(lower(header.first));
  std::vector<std::string> signed_names(names.begin(), names.end());
  std::string signed_headers;
  for (const std::string& name : signed_names)
    signed_headers.append(signed_headers.empty() ? "" : ";").append(name);

  const Scope scope{std::string_view(amz_date).substr(0, 8), region, service};
  const std::string signature = compute_signature(request, key.secret_access_key, amz_date, scope,
                                                  signed_names, signed_headers, payload_hash);
  request.headers.emplace_back("Authorization",
                               std::string(kAlgorithm) + " Credential=" + key.access_key_id + "/" +
                                   scope_string(scope) + ", SignedHeaders=" + signed_headers +
                                   ", Signature=" + signature);
}

}  // namespace gantry::auth
