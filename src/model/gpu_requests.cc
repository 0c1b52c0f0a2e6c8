#include "model/gpu_requests.h"

#include <stdexcept>

#include "core/json_members.h"
#include "core/utf8_text.h"

namespace gantry::model {

namespace json = boost::json;

namespace {

void expect_type(const json::object& message, std::string_view type) {
  if (core::string_member(message, "type") != type) {
    throw std::runtime_error("not a " + std::string(type) + " message");
  }
}

std::string checked_kind(const json::object& document) {
  std::string kind = core::string_member(document, "kind");
  if (!known_gpu_request_kind(kind)) {
    throw std::runtime_error("a GPU request's kind is diagnose, recover, return or hold, not '" +
                             kind + "'");
  }
  return kind;
}

}  // namespace

bool known_gpu_request_kind(std::string_view kind) {
  return kind == kGpuDiagnose || kind == kGpuRecover || kind == kGpuReturn || kind == kGpuHold;
}

json::object gpu_request_document(const GpuRequest& request) {
  json::array gpus;
  for (const auto& uuid : request.gpus) gpus.emplace_back(uuid);
  json::object document{{"id", request.id}, {"kind", request.kind}, {"gpus", std::move(gpus)}};
  if (!request.message.empty()) document["message"] = request.message;
  return document;
}

GpuRequest gpu_request_from(const json::object& document) {
  GpuRequest request;
  request.id = core::string_member(document, "id");
  if (request.id.empty()) throw std::runtime_error("a GPU request has no id");
  request.kind = checked_kind(document);
  const json::array* gpus = core::array_member(document, "gpus");
  if (!gpus || gpus->empty()) throw std::runtime_error("GPU request " + request.id + " names no GPU");
  for (const auto& uuid : *gpus) {
    if (!uuid.is_string() || uuid.get_string().empty()) {
      throw std::runtime_error("GPU request " + request.id + ": a GPU is not a UUID string");
    }
    request.gpus.emplace_back(uuid.get_string());
  }
  request.message =
      core::utf8_prefix(core::string_member(document, "message"), kGpuRequestOutputBytes);
  return request;
}

json::object gpu_requests_message(const std::vector<GpuRequest>& requests) {
  json::array list;
  for (const auto& request : requests) list.push_back(gpu_request_document(request));
  return {{"type", "gpuRequests"}, {"requests", std::move(list)}};
}

std::vector<GpuRequest> parse_gpu_requests(const json::object& message) {
  expect_type(message, "gpuRequests");
  const json::array* list = core::array_member(message, "requests");
  if (!list) throw std::runtime_error("gpuRequests.requests is not an array");
  std::vector<GpuRequest> requests;
  for (const auto& item : *list) {
    if (!item.is_object()) throw std::runtime_error("a GPU request is not an object");
    requests.push_back(gpu_request_from(item.get_object()));
  }
  return requests;
}

json::object gpu_request_result_message(const GpuRequestResult& result) {
  json::array gpus;
  for (const auto& gpu : result.gpus) gpus.push_back(gpu_health_document(gpu));
  json::object out{{"type", "gpuRequestResult"}, {"id", result.id},   {"kind", result.kind},
                   {"ok", result.ok},            {"output", result.output}, {"gpus", std::move(gpus)}};
  if (result.exit_code) out["exitCode"] = *result.exit_code;
  return out;
}

GpuRequestResult parse_gpu_request_result(const json::object& message) {
  expect_type(message, "gpuRequestResult");
  GpuRequestResult result;
  result.id = core::string_member(message, "id");
  if (result.id.empty()) throw std::runtime_error("a GPU request result has no id");
  result.kind = checked_kind(message);
  const json::value* ok = message.if_contains("ok");
  if (!ok || !ok->is_bool()) throw std::runtime_error("gpuRequestResult.ok is not a boolean");
  result.ok = ok->get_bool();
  if (const json::value* code = message.if_contains("exitCode"); code && !code->is_null()) {
    if (!code->is_int64()) throw std::runtime_error("gpuRequestResult.exitCode is not an integer");
    result.exit_code = static_cast<int>(code->get_int64());
  }
  result.output = core::utf8_suffix(core::string_member(message, "output"), kGpuRequestOutputBytes);
  if (const json::array* gpus = core::array_member(message, "gpus")) {
    for (const auto& item : *gpus) {
      if (!item.is_object()) throw std::runtime_error("a GPU's health is not an object");
      result.gpus.push_back(gpu_health_from(item.get_object()));
    }
  }
  return result;
}

}  // namespace gantry::model
