#pragma once
// The pieces of SigV4's canonical request that are pure text transforms,
// kept apart from the crypto and the header parsing in sigv4.cc.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
#include <string>
#include <string_view>
#include <vector>

namespace gantry::auth::sigv4 {

struct Target {
  std::string_view path;
  std::string_view query;
};

// Splits a request-target (origin or absolute form) into path and query.
Target split_target(std::string_view target);

// The CanonicalURI. S3 signs the path as sent; every other service signs the
// path normalized (dot segments and empty segments removed) and encoded once
// more, as botocore does, so "%20" on the wire is signed as "%2520".
std::string canonical_uri(std::string_view path, std::string_view service);

// The CanonicalQueryString: each name and value decoded, then encoded with
// the SigV4 rules, and the pairs sorted by name, then value.
std::string canonical_query(std::string_view query);

// SigV4's Trimall: no outer whitespace, inner runs collapsed to one space.
std::string trim_all(std::string_view value);

// The pieces between separators, empty ones included.
std::vector<std::string_view> split(std::string_view s, char separator);

}  // namespace gantry::auth::sigv4
