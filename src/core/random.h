#pragma once
// Randomness is injected so that ids are reproducible in tests.
#include <cstdint>
#include <memory>
#include <string>

namespace gantry::core {

class Random {
 public:
  virtual ~Random() = default;
  virtual uint64_t next() = 0;

  // A version-4 UUID, lower-case, as ECS writes task and request ids.
  std::string uuid();
  // `length` lower-case hex digits, as in ECS's task and instance ids.
  std::string hex(size_t length) { return token(length, "0123456789abcdef"); }
  // `length` characters from [A-Za-z0-9] (secrets) or from an alphabet given.
  std::string token(size_t length, std::string_view alphabet =
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
};

// Cryptographically strong randomness from the operating system.
std::unique_ptr<Random> make_system_random();
// A seeded, deterministic generator for tests.
std::unique_ptr<Random> make_seeded_random(uint64_t seed);

}  // namespace gantry::core
