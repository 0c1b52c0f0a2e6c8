#pragma once
// random: one feasible instance, uniformly, from the injected generator, so
// that a seeded generator gives the same choices every run.
#include <memory>

#include "scheduler/ranker.h"

namespace gantry::scheduler {

std::unique_ptr<const Ranker> make_random_ranker();

// A uniform index below `n` (n > 0), without modulo bias.
size_t uniform_index(core::Random& random, size_t n);

}  // namespace gantry::scheduler
