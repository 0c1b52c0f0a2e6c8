#include "cli/control_plane.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "api/api_server.h"
#include "api/credentials.h"
#include "api/handlers.h"
#include "core/clock.h"
#include "core/random.h"
#include "net/http_server.h"
#include "state/control_state.h"
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
    credentials = api::Credentials::load_or_create(options.credentials_file, *random);
    if (credentials.empty()) {
      throw std::runtime_error("no access keys in " + options.credentials_file);
    }
    store = store::open_sqlite_store(options.data_dir + "/gantry.db");
    state = std::make_unique<state::ControlState>(*store);
    api::register_all_handlers(router, api::Services{*state});
    api_server = std::make_unique<api::ApiServer>(router, credentials, clock, *request_ids,
                                                  options.account_id);
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
  api::Credentials credentials;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<state::ControlState> state;
  api::Router router;
  std::unique_ptr<api::ApiServer> api_server;
};

ControlPlane::ControlPlane(ControlPlaneOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

ControlPlane::~ControlPlane() = default;

void ControlPlane::run(const std::string& role) {
  auto& o = impl_->options;
  unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context& io = impl_->io;
  const api::ApiServer& api = *impl_->api_server;
  net::HttpServer server(
      io, parse_listen(o.listen),
      [&api](net::HttpRequest&& request, net::Responder respond) {
        api.handle(std::move(request), std::move(respond));
      },
      [&api](auto status, std::string reason) { return api.reject(status, std::move(reason)); },
      net::HttpServerOptions{o.max_body_bytes});

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    server.stop();
    io.stop();
  });

  auto [key_id, secret] = impl_->credentials.first_key();
  std::string url = endpoint_url(server.local_endpoint());
  std::cout << "gantry " << role << " " << GANTRY_VERSION << " serving the Amazon ECS API\n"
            << "  endpoint:    " << url << "\n"
            << "  data:        " << o.data_dir << "\n"
            << "  credentials: " << o.credentials_file << "\n\n"
            << "Point the aws cli and boto3 at it:\n"
            << "  export AWS_ACCESS_KEY_ID=" << key_id << "\n"
            << "  export AWS_SECRET_ACCESS_KEY=" << secret << "\n"
            << "  export AWS_DEFAULT_REGION=" << o.region << "\n"
            << "  export AWS_ENDPOINT_URL_ECS=" << url << "\n"
            << "  aws ecs list-clusters    # or: aws ecs --endpoint-url " << url
            << " list-clusters\n"
            << std::endl;

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
}

}  // namespace gantry::cli
