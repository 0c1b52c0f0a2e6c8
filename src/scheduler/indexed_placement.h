#pragma once
// place() for large clusters: the same pure function (snapshot and request
// in, placements or failures out) with the same decisions, but one
// placement does not scan every instance. Per call it filters the eligible
// instances once and orders them by the strategies' lexicographic score;
// a placement then changes only the chosen instance (and, for a spread over
// an attribute, its value's count), so only that is re-ranked.
#include <vector>

#include "core/random.h"
#include "scheduler/placement.h"

namespace gantry::scheduler {

// The contract of place(), decision for decision: the same instances, GPU
// ids and failures, the same exceptions, and the same draws from `random`
// (random picks the same element of the same tie set, so a seeded
// generator gives place()'s choices). Costs per call: O(n) to filter and
// index plus O(log n) per placement for binpack, spread and random alone;
// a random strategy after binpack or spread ranks by a scan per placement,
// as place() does.
PlacementResult place_indexed(const std::vector<InstanceView>& instances,
                              const PlacementRequest& request, core::Random& random);

}  // namespace gantry::scheduler
