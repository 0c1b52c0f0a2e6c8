#pragma once
// The access keys gantry accepts, kept in a file the operator controls, in
// the AWS shared-credentials layout so that the same file works for clients:
//
//   [gantry]
//   aws_access_key_id = GKIA...
//   aws_secret_access_key = ...
//
// Every profile in the file is one accepted key.
#include <map>
#include <optional>
#include <string>

#include "core/random.h"

namespace gantry::auth {

class Credentials {
 public:
  // Reads the file; throws std::runtime_error naming the line when malformed.
  static Credentials load(const std::string& path);
  // Creates the file (mode 0600) with one profile "gantry" holding a new
  // random key when the file does not exist, then loads it.
  static Credentials load_or_create(const std::string& path, core::Random& random);

  std::optional<std::string> secret_for(const std::string& access_key_id) const;
  // The first profile's key, printed by `gantry dev` for the operator.
  std::pair<std::string, std::string> first_key() const;
  bool empty() const { return secrets_.empty(); }

 private:
  std::map<std::string, std::string> secrets_;  // access key id -> secret
  std::pair<std::string, std::string> first_;
};

}  // namespace gantry::auth
