#include "cli/control_plane.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include "agent/agent.h"
#include "api/agent_channel.h"
#include "api/api_server.h"
#include "api/event_stream.h"
#include "api/handlers.h"
#include "api/logs/logs_handlers.h"
#include "ecs/command_runner.h"
#include "ecs/container_instance_commands.h"
#include "ecs/placement_indexes.h"
#include "auth/credentials.h"
#include "cli/agent_command.h"
#include "controllers/controller_runtime.h"
#include "controllers/job_controller.h"
#include "controllers/job_notifier.h"
#include "controllers/service_controller.h"
#include "controllers/task_reaper.h"
#include "core/asio_timer_source.h"
#include "core/clock.h"
#include "core/random.h"
#include "logs/log_store.h"
#include "model/schema.h"
#include "net/http_server.h"
#include "state/control_state.h"
#include "state/task_stats.h"
#include "store/store.h"

namespace gantry::cli {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--listen wants HOST:PORT, got " + listen);
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = std::stoi(listen.substr(colon + 1));
  if (port < 0 || port > 65535) throw std::runtime_error("--listen port out of range: " + listen);
  return {asio::ip::make_address(host), static_cast<unsigned short>(port)};
}

std::string endpoint_url(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "http://" + host + ":" + std::to_string(endpoint.port());
}

}  // namespace

struct ControlPlane::Impl {
  explicit Impl(ControlPlaneOptions o)
      : options(std::move(o)),
        io(static_cast<int>(options.threads ? options.threads
                                            : std::max(1u, std::thread::hardware_concurrency()))) {
    std::filesystem::create_directories(options.data_dir);
    if (options.credentials_file.empty()) options.credentials_file = options.data_dir + "/credentials";
    credentials = auth::Credentials::load_or_create(options.credentials_file, *random);
    if (credentials.empty()) {
      throw std::runtime_error("no access keys in " + options.credentials_file);
    }
    store = store::open_sqlite_store(options.data_dir + "/gantry.db");
    state = std::make_unique<state::ControlState>(*store, 1024, &clock);
    state->set_draft_listener(&placement);
    // Early: a webhook URL it refuses is a startup error, before anything serves.
    job_notifier = std::make_unique<controllers::JobNotifier>(*state, timers, options.notify_urls);
    commands = std::make_unique<ecs::CommandRunner>(*state, placement, *resource_ids, clock,
                                                    options.account_id);
    // No agent is connected yet, whatever the records said when the last
    // control plane stopped: the first mutation, before any channel opens.
    commands->submit([](const ecs::Context& context) {
      return state::Outcome{ecs::disconnect_all_agents(context), {}};
    });
    channel = std::make_unique<api::AgentChannel>(io, *commands, task_stats, credentials, clock,
                                                  options.agent_idle_timeout);
    server = std::make_unique<net::HttpServer>(
        io, parse_listen(options.listen),
        [this](net::HttpRequest&& request, net::Responder respond) {
          api_server->handle(std::move(request), std::move(respond));
        },
        [this](auto status, std::string reason) { return api_server->reject(status, std::move(reason)); },
        net::HttpServerOptions{std::max(options.max_body_bytes, api::kLogsMaxBodyBytes)},
        [this](net::HttpRequest&& request, boost::beast::tcp_stream&& stream) {
          channel->upgrade(std::move(request), std::move(stream));
        });
    url = endpoint_url(server->local_endpoint());
    api::Services services{*state, *resource_ids, placement, url};
    api::register_all_handlers(router, services);
    api::register_task_stats_handlers(router, services, task_stats);
    api::register_event_stream_handlers(router, state->events(), io);
    api_server = std::make_unique<api::ApiServer>(
        std::vector<api::Service>{api::service_of(model::Schema::ecs(), router,
                                                  options.max_body_bytes)},
        credentials, clock, *request_ids, options.account_id);
    // CloudWatch Logs: its own store, file and writer thread.
    log_store = std::make_unique<logs::LogStore>(
        logs::LogStoreOptions{options.data_dir + "/logs.db", options.log_group_max_bytes}, clock,
        timers);
    api::register_logs_handlers(logs_router, *log_store);
    api_server->add_service(api::logs_service(logs_router));
    controller_runtime = std::make_unique<controllers::ControllerRuntime>(io.get_executor(), *state,
                                                                          clock, timers);
    controller_runtime->add(std::make_unique<controllers::TaskReaper>());
    controller_runtime->add(std::make_unique<controllers::ServiceController>(*commands));
    controller_runtime->add(std::make_unique<controllers::JobController>(
        *commands, controllers::JobSettings{options.gpu_diagnostic_task_definition}));
    controller_runtime->start();
    job_notifier->start();
  }

  ~Impl() {
    // The controllers submit to the writer and the writer answers them: they
    // stop first (the io threads have stopped by now). The writer wakes the
    // channel with its last batches: the state goes before it.
    controller_runtime.reset();
    job_notifier.reset();  // follows the state's event log
    state.reset();
    log_store.reset();
  }

  ControlPlaneOptions options;
  // Declared before the state so that it is destroyed after it: the writer
  // answers its last callers by posting to connections on this context.
  asio::io_context io;
  core::SystemClock clock;
  std::unique_ptr<core::Random> random = core::make_system_random();
  // Request ids need to be unique, not secret: a seeded generator keeps the
  // operating system's random source off the request path.
  std::unique_ptr<core::Random> request_ids = core::make_seeded_random(random->next());
  // So do the ids of tasks and instances (they name things, they guard
  // nothing); the system's source cost a tenth of RunTask's time.
  std::unique_ptr<core::Random> resource_ids = core::make_seeded_random(random->next());
  auth::Credentials credentials;
  std::unique_ptr<store::Store> store;
  state::TaskStats task_stats;
  // Before the state: its writer calls it until it stops.
  ecs::PlacementIndexes placement;
  std::unique_ptr<state::ControlState> state;
  std::unique_ptr<ecs::CommandRunner> commands;
  std::unique_ptr<api::AgentChannel> channel;
  std::unique_ptr<net::HttpServer> server;
  std::string url;
  api::Router router;
  core::AsioTimerSource timers{io.get_executor()};
  api::Router logs_router;
  std::unique_ptr<logs::LogStore> log_store;
  std::unique_ptr<api::ApiServer> api_server;
  std::unique_ptr<controllers::ControllerRuntime> controller_runtime;
  std::unique_ptr<controllers::JobNotifier> job_notifier;
};

ControlPlane::ControlPlane(ControlPlaneOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

ControlPlane::~ControlPlane() = default;

void ControlPlane::run(const std::string& role, bool with_agent) {
  auto& o = impl_->options;
  unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context& io = impl_->io;
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back([&io] { io.run(); });

  auto [key_id, secret] = impl_->credentials.first_key();
  const std::string& url = impl_->url;
  std::unique_ptr<agent::Agent> local_agent;
  if (with_agent) {
    // The local agent talks to this control plane over loopback, exactly as
    // a remote one would.
    AgentCommandOptions agent_options;
    agent_options.server = url;
    agent_options.access_key = {key_id, secret};
    agent_options.region = o.region;
    agent_options.data_dir = o.data_dir + "/agent";
    agent_options.capacity = "EC2+FARGATE";
    agent_options.cluster = o.dev_cluster;
    agent_options.create_cluster = true;
    agent_options.driver = o.driver;
    local_agent = make_agent(agent_options);
  }

  std::promise<void> stop_requested;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    if (local_agent) local_agent->request_stop();
    stop_requested.set_value();
  });

  try {
    // Ready means registered: a client that sees the banner sees the agent.
    if (local_agent) local_agent->start();
  } catch (const std::exception& error) {
    spdlog::error("the local agent failed to start: {}", error.what());
    local_agent.reset();
    io.stop();
    for (auto& t : pool) t.join();
    throw;
  }

  std::cout << "gantry " << role << " " << GANTRY_VERSION
            << " serving the Amazon ECS and CloudWatch Logs APIs\n"
            << "  endpoint:    " << url << "\n"
            << "  data:        " << o.data_dir << "\n"
            << "  credentials: " << o.credentials_file << "\n\n"
            << "Point the aws cli and boto3 at it:\n"
            << "  export AWS_ACCESS_KEY_ID=" << key_id << "\n"
            << "  export AWS_SECRET_ACCESS_KEY=" << secret << "\n"
            << "  export AWS_DEFAULT_REGION=" << o.region << "\n"
            << "  export AWS_ENDPOINT_URL_ECS=" << url << "\n"
            << "  export AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=" << url << "\n"
            << "  aws ecs list-clusters    # or: aws ecs --endpoint-url " << url
            << " list-clusters\n"
            << std::endl;

  stop_requested.get_future().wait();
  // The agent goes first, while the server still answers its last reports;
  // its tasks keep running for the next start to reattach.
  local_agent.reset();
  impl_->server->stop();
  io.stop();
  for (auto& t : pool) t.join();
}

}  // namespace gantry::cli
