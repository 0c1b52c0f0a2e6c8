#include "core/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <mutex>
#include <random>
#include <stdexcept>

namespace gantry::core {

std::string Random::uuid() {
  uint64_t hi = next(), lo = next();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return out;
}

std::string Random::token(size_t length, std::string_view alphabet) {
  std::string out;
  out.reserve(length);
  // Rejection sampling keeps every character equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % alphabet.size();
  while (out.size() < length) {
    uint64_t v = next();
    if (v < limit) out.push_back(alphabet[v % alphabet.size()]);
  }
  return out;
}

namespace {

class SystemRandom final : public Random {
 public:
  uint64_t next() override {
    uint64_t v;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1)
      throw std::runtime_error("the system random generator failed");
    return v;
  }
};

class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  uint64_t next() override {
    std::lock_guard lock(mutex_);
    return engine_();
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

}  // namespace

std::unique_ptr<Random> make_system_random() { return std::make_unique<SystemRandom>(); }
std::unique_ptr<Random> make_seeded_random(uint64_t seed) {
  return std::make_unique<SeededRandom>(seed);
}

}  // namespace gantry::core
