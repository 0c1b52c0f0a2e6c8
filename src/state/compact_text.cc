#include "state/compact_text.h"

#include <lz4.h>

#include <cstdint>
#include <stdexcept>

namespace gantry::state {

namespace {

// What task documents share: their members in the order api/task_factory
// writes them, ARN shapes and common values. LZ4 copies matches from it.
constexpr std::string_view kDictionary =
    R"({"taskArn":"arn:aws:ecs:us-east-1:123456789012:task/default/","clusterArn":)"
    R"("arn:aws:ecs:us-east-1:123456789012:cluster/default","taskDefinitionArn":)"
    R"("arn:aws:ecs:us-east-1:123456789012:task-definition/","containerInstanceArn":)"
    R"("arn:aws:ecs:us-east-1:123456789012:container-instance/default/","overrides":)"
    R"({"containerOverrides":[],"inferenceAcceleratorOverrides":[]},"lastStatus":)"
    R"("PROVISIONING","desiredStatus":"RUNNING","cpu":"","memory":"","containers":)"
    R"([{"containerArn":"arn:aws:ecs:us-east-1:123456789012:container/default/","taskArn":)"
    R"("arn:aws:ecs:us-east-1:123456789012:task/default/","name":"","image":"","lastStatus":)"
    R"("PENDING","networkBindings":[],"networkInterfaces":[],"healthStatus":"UNKNOWN","cpu":)"
    R"("0","memory":"","gpuIds":[],"runtimeId":"","exitCode":0,"reason":""}],"startedBy":)"
    R"("","version":1,"createdAt":1.7e9,"group":"family:","launchType":"EC2",)"
    R"("capacityProviderName":"FARGATE","platformVersion":"1.4.0","platformFamily":"Linux",)"
    R"("ephemeralStorage":{"sizeInGiB":20},"attachments":[],"healthStatus":"UNKNOWN","tags":[],)"
    R"("enableExecuteCommand":false,"inferenceAccelerators":[],"availabilityZone":"",)"
    R"("connectivity":"CONNECTED","connectivityAt":,"pullStartedAt":,"pullStoppedAt":,)"
    R"("startedAt":,"stoppingAt":,"stoppedAt":,"executionStoppedAt":,"stopCode":)"
    R"("EssentialContainerExited","stoppedReason":"Essential container in task exited",)"
    R"("lastStatus":"RUNNING","lastStatus":"STOPPED","desiredStatus":"STOPPED"})";

constexpr size_t kHeader = 4;

}  // namespace

CompactText::CompactText(std::string_view text) {
  if (text.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    throw std::length_error("text too large to compress");
  }
  const int size = static_cast<int>(text.size());
  // The dictionary is hashed once; each compression starts from a copy.
  static const LZ4_stream_t loaded = [] {
    LZ4_stream_t stream;
    LZ4_initStream(&stream, sizeof stream);
    LZ4_loadDict(&stream, kDictionary.data(), static_cast<int>(kDictionary.size()));
    return stream;
  }();
  thread_local LZ4_stream_t stream;
  stream = loaded;
  bytes_.resize(kHeader + static_cast<size_t>(LZ4_compressBound(size)));
  for (size_t i = 0; i < kHeader; ++i) bytes_[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  const int written = LZ4_compress_fast_continue(&stream, text.data(), bytes_.data() + kHeader, size,
                                                 LZ4_compressBound(size), 1);
  if (written <= 0 && size > 0) throw std::runtime_error("LZ4 compression failed");
  bytes_.resize(kHeader + static_cast<size_t>(written));
  bytes_.shrink_to_fit();
}

CompactText CompactText::from_bytes(std::string_view bytes) {
  if (!bytes.empty() && bytes.size() <= kHeader) {
    throw std::runtime_error("truncated compressed text");
  }
  CompactText out;
  out.bytes_ = bytes;
  return out;
}

std::string CompactText::text() const {
  if (bytes_.empty()) return {};
  size_t size = 0;
  for (size_t i = 0; i < kHeader; ++i) {
    size |= static_cast<size_t>(static_cast<uint8_t>(bytes_[i])) << (8 * i);
  }
  // LZ4 expands a byte into at most 255: a larger size is corruption, not
  // something to allocate.
  if (size > 255 * (bytes_.size() - kHeader) + 64) {
    throw std::runtime_error("corrupt compressed text");
  }
  std::string out(size, '\0');
  const int read = LZ4_decompress_safe_usingDict(
      bytes_.data() + kHeader, out.data(), static_cast<int>(bytes_.size() - kHeader),
      static_cast<int>(size), kDictionary.data(), static_cast<int>(kDictionary.size()));
  if (read != static_cast<int>(size)) throw std::runtime_error("corrupt compressed text");
  return out;
}

}  // namespace gantry::state
