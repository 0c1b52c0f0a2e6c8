#pragma once
// AWS Signature Version 4: verification of signed requests (the server side)
// and signing (for tests, benchmarks and gantry's own clients).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace gantry::auth {

struct HttpRequestView {
  std::string method;  // "POST"
  std::string target;  // request-target as received: path and optional "?query"
  std::vector<std::pair<std::string, std::string>> headers;  // names as received
  std::string body;
};

struct SigningKey {
  std::string access_key_id;
  std::string secret_access_key;
};

// Finds the secret of an access key id; nullopt when the key is unknown.
using SecretLookup = std::function<std::optional<std::string>(const std::string& access_key_id)>;

struct VerifiedCaller {
  std::string access_key_id;
  std::string region;   // from the credential scope
  std::string service;  // from the credential scope
};

// Verifies the Authorization header of `request`. Throws core::ApiError with
// the types and statuses AWS uses:
//   no Authorization header          -> MissingAuthenticationTokenException, 403
//   a malformed header or scope      -> IncompleteSignatureException, 400
//   an unknown access key            -> UnrecognizedClientException, 403
//   a signature that does not match  -> InvalidSignatureException, 403
//   X-Amz-Date more than 15 minutes
//   away from `now`                  -> InvalidSignatureException, 403
//                                       ("Signature expired: ..." / "Signature not yet current: ...")
//   X-Amz-Content-Sha256 that is not
//   the body's hash                  -> InvalidSignatureException, 403
VerifiedCaller verify_sigv4(const HttpRequestView& request, const SecretLookup& lookup,
                            core::SystemTime now);

// Adds X-Amz-Date and Authorization headers to `request` (replacing any it
// has), signing every header it carries. An X-Amz-Content-Sha256 header left
// empty asks for the payload hash: it is filled in and signed.
void sign_sigv4(HttpRequestView& request, const SigningKey& key, const std::string& region,
                const std::string& service, core::SystemTime now);

}  // namespace gantry::auth
