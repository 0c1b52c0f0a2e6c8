// ecs_load: drives a gantry server's ECS API (SigV4 over HTTP) from C++,
// for the scale benchmark (bench/scale_run.py), where boto3 would take
// more CPU than the server it measures. Every command prints one JSON line.
//
//   ecs_load --endpoint http://127.0.0.1:PORT --access-key AK --secret-key SK
//       run-task --cluster C --task-definition FAMILY --tasks 1000000 --count 10 --connections 8
//   ecs_load ... describe-tasks --cluster C --samples 2000   # 100 random known tasks a call
//   ecs_load ... list-tasks --cluster C --samples 2000       # random pages
//
// describe-tasks and list-tasks first walk ListTasks once (100 a page) for
// the tasks and page tokens they pick from. The keys default to
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
// Exit status: 0; 1 on a transport failure (the deadline included); 2 when
// the server answered a call with an HTTP error or a body that is not JSON;
// CLI11's on a bad command line.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <iostream>
#include <random>

#include "ecs_load_driver.h"

namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using gantry::bench::EcsCall;
using gantry::net::HttpResponse;
using Clock = std::chrono::steady_clock;

constexpr size_t kPageSize = 100;       // ListTasks' largest page
constexpr size_t kDescribeBatch = 100;  // DescribeTasks' most tasks a call
constexpr size_t kMaxErrorText = 1000;

struct Common {
  gantry::agent::EcsEndpoint endpoint{"", {}, "us-east-1"};
  double timeout_s = 30;
  double deadline_s = 600;
  uint64_t seed = 1;
  Clock::time_point start = Clock::now();

  gantry::bench::DriveLimits limits(int connections) const {
    return {connections, std::chrono::milliseconds(std::llround(timeout_s * 1000)),
            start + std::chrono::milliseconds(std::llround(deadline_s * 1000))};
  }
};

class Latencies {
 public:
  void add(std::chrono::nanoseconds latency) { ms_.push_back(latency.count() / 1e6); }
  void report(json::object& out) {
    if (ms_.empty()) return;
    std::sort(ms_.begin(), ms_.end());
    out["p50_ms"] = rounded(at(0.50));
    out["p99_ms"] = rounded(at(0.99));
    out["max_ms"] = rounded(ms_.back());
  }

 private:
  double at(double quantile) const {  // nearest rank
    auto rank = static_cast<size_t>(std::ceil(quantile * static_cast<double>(ms_.size())));
    return ms_[std::max<size_t>(rank, 1) - 1];
  }
  static double rounded(double ms) { return std::round(ms * 1000) / 1000; }
  std::vector<double> ms_;
};

// Answers of an HTTP status other than 200, or that are not JSON objects.
struct Errors {
  size_t count = 0;
  std::string first;
  void add(const HttpResponse& response) {
    if (count++ == 0) {
      first =
          std::to_string(response.result_int()) + " " + response.body().substr(0, kMaxErrorText);
    }
  }
  void report(json::object& out) const {
    out["errors"] = count;
    if (count) out["first_error"] = first;
  }
};

// Parses answers into one reused block of memory: a RunTask answer is a
// few hundred small values, and allocating them one by one made parsing take
// half again as long.
class AnswerReader {
 public:
  // The answer's JSON object, valid until the next read; nullptr for an
  // HTTP error or a body that is not a JSON object (counted in `errors`).
  const json::object* read(const HttpResponse& response, Errors& errors) {
    answer_.reset();
    storage_.release();
    json::error_code ec;
    if (response.result() == http::status::ok) {
      parser_.reset(json::storage_ptr(&storage_));
      parser_.write(response.body(), ec);
      // Constructed, not assigned: assigning between storages copies.
      if (!ec) answer_.emplace(parser_.release());
      parser_.reset();  // drops what a failed parse left, while its storage lives
    }
    if (!answer_ || !answer_->is_object()) {
      errors.add(response);
      return nullptr;
    }
    return &answer_->get_object();
  }

 private:
  std::vector<unsigned char> buffer_ = std::vector<unsigned char>(1 << 20);
  json::monotonic_resource storage_{buffer_.data(), buffer_.size()};
  json::parser parser_;
  std::optional<json::value> answer_;
};

const json::array& array_member(const json::object& object, std::string_view name) {
  static const json::array kEmpty;
  const json::value* value = object.if_contains(name);
  return value && value->is_array() ? value->get_array() : kEmpty;
}

int finish(json::object report, const std::optional<std::string>& transport_error,
           const Errors& errors) {
  errors.report(report);
  if (transport_error) report["transport_error"] = *transport_error;
  // Doubles as 3.458, not as boost::json writes them (3.458E0).
  std::string line;
  for (const auto& [key, value] : report) {
    line += (line.empty() ? "{" : ",") + json::serialize(json::string(key)) + ":" +
            (value.is_double() ? fmt::format("{}", value.get_double()) : json::serialize(value));
  }
  std::cout << line << "}" << std::endl;
  return transport_error ? 1 : errors.count ? 2 : 0;
}

double seconds_since(Clock::time_point start) {
  return std::round(std::chrono::duration<double>(Clock::now() - start).count() * 1000) / 1000;
}

// ---- run-task ----------------------------------------------------------------

struct RunTaskOptions {
  std::string cluster = "default";
  std::string family;
  size_t tasks = 1000;
  size_t count = 10;
  int connections = 8;
  std::string strategy;  // "type" or "type:field", as placementStrategy; empty: ECS's default
};

int run_task(const Common& common, const RunTaskOptions& options) {
  const size_t calls = (options.tasks + options.count - 1) / options.count;
  auto body = [&](size_t count) {
    json::object call{
        {"cluster", options.cluster}, {"taskDefinition", options.family}, {"count", count}};
    if (!options.strategy.empty()) {
      auto colon = options.strategy.find(':');
      json::object strategy{{"type", options.strategy.substr(0, colon)}};
      if (colon != std::string::npos) strategy["field"] = options.strategy.substr(colon + 1);
      call["placementStrategy"] = json::array{std::move(strategy)};
    }
    return json::serialize(call);
  };
  const std::string full = body(options.count);
  const std::string last = body(options.tasks - (calls - 1) * options.count);

  size_t sent = 0, answered = 0, placed = 0, failures = 0;
  std::string first_failure;
  Errors errors;
  Latencies latencies;
  AnswerReader reader;
  const Clock::time_point start = Clock::now();
  auto error = gantry::bench::drive(
      common.endpoint, common.limits(options.connections),
      [&]() -> std::optional<EcsCall> {
        if (sent == calls) return std::nullopt;
        return EcsCall{"RunTask", ++sent == calls ? last : full};
      },
      [&](const EcsCall&, const HttpResponse& response, std::chrono::nanoseconds latency) {
        ++answered;
        latencies.add(latency);
        const json::object* answer = reader.read(response, errors);
        if (!answer) return;
        placed += array_member(*answer, "tasks").size();
        const json::array& refused = array_member(*answer, "failures");
        if (!refused.empty() && failures == 0) first_failure = json::serialize(refused.front());
        failures += refused.size();
      });
  const double wall = seconds_since(start);

  json::object report{{"operation", "RunTask"},
                      {"connections", options.connections},
                      {"calls", answered},
                      {"tasks_placed", placed},
                      {"failures", failures},
                      {"wall_s", wall},
                      {"calls_per_s", std::llround(static_cast<double>(answered) / wall)}};
  if (failures) report["first_failure"] = first_failure;
  latencies.report(report);
  return finish(std::move(report), error, errors);
}

// ---- describe-tasks, list-tasks ---------------------------------------------

struct ReadOptions {
  std::string cluster = "default";
  size_t samples = 1000;
  int connections = 1;
  size_t walk_pages = 0;  // 0: every page
};

std::string list_body(const std::string& cluster, const std::string& token) {
  json::object body{{"cluster", cluster}, {"maxResults", kPageSize}};
  if (!token.empty()) body["nextToken"] = token;
  return json::serialize(body);
}

// ListTasks (RUNNING tasks) walked once: the token of every page ("" for
// the first) and every task ARN seen.
struct Pages {
  std::vector<std::string> tokens{""};
  std::vector<std::string> arns;
};

std::optional<std::string> walk(const Common& common, const ReadOptions& options, Pages& pages,
                                Errors& errors) {
  bool done = false;
  AnswerReader reader;
  return gantry::bench::drive(
      common.endpoint, common.limits(1),
      [&]() -> std::optional<EcsCall> {
        if (done) return std::nullopt;
        return EcsCall{"ListTasks", list_body(options.cluster, pages.tokens.back())};
      },
      [&](const EcsCall&, const HttpResponse& response, std::chrono::nanoseconds) {
        done = true;
        const json::object* answer = reader.read(response, errors);
        if (!answer) return;
        for (const json::value& arn : array_member(*answer, "taskArns")) {
          if (arn.is_string()) pages.arns.emplace_back(arn.get_string());
        }
        const json::value* token = answer->if_contains("nextToken");
        if (token && token->is_string() &&
            (options.walk_pages == 0 || pages.tokens.size() < options.walk_pages)) {
          pages.tokens.emplace_back(token->get_string());
          done = false;
        }
      });
}

// `n` distinct ARNs picked at random (all of them when there are fewer).
json::array pick(const std::vector<std::string>& arns, size_t n, std::mt19937_64& random) {
  std::vector<size_t> chosen;
  if (arns.size() <= n) {
    for (size_t i = 0; i < arns.size(); ++i) chosen.push_back(i);
  } else {
    std::uniform_int_distribution<size_t> any(0, arns.size() - 1);
    while (chosen.size() < n) {
      size_t i = any(random);
      if (std::find(chosen.begin(), chosen.end(), i) == chosen.end()) chosen.push_back(i);
    }
  }
  json::array picked;
  for (size_t i : chosen) picked.emplace_back(arns[i]);
  return picked;
}

// Walks the pages, then times `samples` calls of `operation` (ListTasks or
// DescribeTasks) spread over the connections.
int read_latency(const Common& common, const ReadOptions& options, const std::string& operation) {
  Pages pages;
  Errors errors;
  const Clock::time_point walk_start = Clock::now();
  json::object report{{"operation", operation}, {"connections", options.connections}};
  if (auto error = walk(common, options, pages, errors); error || errors.count) {
    return finish(std::move(report), error, errors);
  }
  report["walk_pages"] = pages.tokens.size();
  report["walk_s"] = seconds_since(walk_start);
  report["known_tasks"] = pages.arns.size();
  if (operation == "DescribeTasks" && pages.arns.empty()) {
    return finish(std::move(report), "ListTasks found no task to describe", errors);
  }

  std::mt19937_64 random(common.seed);
  std::uniform_int_distribution<size_t> any_page(0, pages.tokens.size() - 1);
  size_t sent = 0, answered = 0, described = 0, failures = 0;
  Latencies latencies;
  AnswerReader reader;
  auto error = gantry::bench::drive(
      common.endpoint, common.limits(options.connections),
      [&]() -> std::optional<EcsCall> {
        if (sent == options.samples) return std::nullopt;
        ++sent;
        if (operation == "ListTasks") {
          return EcsCall{operation, list_body(options.cluster, pages.tokens[any_page(random)])};
        }
        json::object body{{"cluster", options.cluster},
                          {"tasks", pick(pages.arns, kDescribeBatch, random)}};
        return EcsCall{operation, json::serialize(body)};
      },
      [&](const EcsCall&, const HttpResponse& response, std::chrono::nanoseconds latency) {
        ++answered;
        latencies.add(latency);
        const json::object* answer = reader.read(response, errors);
        if (!answer || operation != "DescribeTasks") return;
        described += array_member(*answer, "tasks").size();
        failures += array_member(*answer, "failures").size();
      });
  report["samples"] = answered;
  if (operation == "DescribeTasks") {
    report["tasks_described"] = described;
    report["failures"] = failures;
  }
  latencies.report(report);
  return finish(std::move(report), error, errors);
}

void add_read_options(CLI::App& command, ReadOptions& options) {
  command.add_option("--cluster", options.cluster)->capture_default_str();
  command.add_option("--samples", options.samples, "Calls timed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command.add_option("--connections", options.connections)
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  command
      .add_option("--walk-pages", options.walk_pages,
                  "ListTasks pages walked first for tasks and page tokens (0: all)")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ecs_load: drives a gantry server's ECS API (SigV4 over HTTP)"};
  app.require_subcommand(1);
  app.fallthrough();
  Common common;
  app.add_option("--endpoint", common.endpoint.url, "http://HOST:PORT")->required();
  app.add_option("--region", common.endpoint.region, "The region signed for")
      ->capture_default_str();
  app.add_option("--access-key", common.endpoint.key.access_key_id)
      ->envname("AWS_ACCESS_KEY_ID")
      ->required();
  app.add_option("--secret-key", common.endpoint.key.secret_access_key)
      ->envname("AWS_SECRET_ACCESS_KEY")
      ->required();
  app.add_option("--timeout-s", common.timeout_s, "Bound on a connect, or one call")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--deadline-s", common.deadline_s, "Bound on the whole run")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", common.seed, "Seeds the random picks")->capture_default_str();

  RunTaskOptions run_options;
  auto* run = app.add_subcommand("run-task", "RunTask until --tasks are asked for");
  run->add_option("--cluster", run_options.cluster)->capture_default_str();
  run->add_option("--task-definition", run_options.family)->required();
  run->add_option("--tasks", run_options.tasks)->capture_default_str()->check(CLI::PositiveNumber);
  run->add_option("--strategy", run_options.strategy,
                  "placementStrategy of every call, e.g. binpack:memory (default: none, "
                  "which ECS places at random)");
  run->add_option("--count", run_options.count, "Tasks a call")
      ->capture_default_str()
      ->check(CLI::Range(1, 10));
  run->add_option("--connections", run_options.connections)
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  ReadOptions describe_options, list_options;
  auto* describe = app.add_subcommand("describe-tasks", "DescribeTasks latency, 100 tasks a call");
  add_read_options(*describe, describe_options);
  auto* list = app.add_subcommand("list-tasks", "ListTasks latency, random pages of 100");
  add_read_options(*list, list_options);
  CLI11_PARSE(app, argc, argv);

  common.start = Clock::now();
  try {
    if (run->parsed()) return run_task(common, run_options);
    if (describe->parsed()) return read_latency(common, describe_options, "DescribeTasks");
    return read_latency(common, list_options, "ListTasks");
  } catch (const std::exception& error) {
    std::cerr << "ecs_load: " << error.what() << std::endl;
    return 1;
  }
}
