// imfsd: the IMFS server.
#include <sys/stat.h>

#include <boost/program_options.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "config/snapshot.hpp"
#include "config/values.hpp"
#include "core/file_system.hpp"
#include "listen_address.hpp"
#include "log.hpp"
#include "server.hpp"

namespace {

namespace po = boost::program_options;
using namespace imfs;

constexpr int kUsageError = 2;

struct Options {
    std::string config;
    std::string check_config;
    std::vector<std::string> listen;
    unsigned threads = 0;
    std::string log_level = "info";
    std::string socket_mode = "0600";
    std::string snapshot;
    unsigned write_stall = 30;
};

// Writes the snapshot and logs how it went. Serialised: two at once (an
// `imfs snapshot` and a SIGUSR1, say) would only do the work twice.
class Snapshots {
  public:
    Snapshots(std::shared_ptr<core::FileSystem> fs, std::string file)
        : fs_(std::move(fs)), file_(std::move(file)) {}

    core::Result<void> write(std::string_view why) {
        std::lock_guard lock(mutex_);
        auto written = config::write_snapshot(*fs_, file_);
        if (!written) {
            net::log(net::LogLevel::error, "snapshot (", why,
                     ") failed: ", written.error().message);
            return core::fail(written.error().error);
        }
        net::log(net::LogLevel::info, "snapshot (", why, ") ", file_, ": ", written->to_string());
        return {};
    }

  private:
    std::shared_ptr<core::FileSystem> fs_;
    std::string file_;
    std::mutex mutex_;
};

net::ListenAddress listen_address_of(const config::Listener& listener) {
    net::ListenAddress address;
    if (listener.kind == config::Listener::Kind::unix_socket) {
        address.kind = net::ListenAddress::Kind::unix_socket;
        address.path = listener.unix_path;
    } else {
        address.kind = net::ListenAddress::Kind::tcp;
        address.host = listener.host;
        address.port = listener.port;
    }
    address.label = listener.label;
    address.socket_mode = listener.mode;
    return address;
}

// --check-config: 0 when the file loads (content and policy roots
// included), 1 after printing what is wrong.
int check_config(const std::string& path) {
    auto loaded = config::load_file_system(path, config::machine_default_limits());
    if (!loaded) {
        config::print(std::cerr, loaded.error());
        return EXIT_FAILURE;
    }
    std::cout << path << ": ok (" << loaded->report.to_string() << ")\n";
    return EXIT_SUCCESS;
}

int serve(const Options& options) {
    auto level = net::parse_log_level(options.log_level);
    if (!level) {
        std::cerr << "imfsd: --log-level: expected error, warn, info or debug\n";
        return kUsageError;
    }
    net::set_log_level(*level);
    auto mode = config::parse_mode(options.socket_mode, 07777);
    if (!mode) {
        std::cerr << "imfsd: --socket-mode: expected an octal mode such as 0600\n";
        return kUsageError;
    }
    // The tree and the policies: from the config, or an empty tree open to
    // every label.
    std::shared_ptr<core::FileSystem> fs;
    std::optional<policies::PolicySet> policies;
    std::vector<net::ListenAddress> addresses;
    if (!options.config.empty()) {
        auto loaded = config::load_file_system(options.config, config::machine_default_limits());
        if (!loaded) {
            config::print(std::cerr, loaded.error());
            std::cerr << "imfsd: " << options.config << ": not started\n";
            return EXIT_FAILURE;
        }
        net::log(net::LogLevel::info, options.config, ": ", loaded->report.to_string());
        fs = loaded->fs;
        policies = std::move(loaded->config.policies);
        for (const config::Listener& listener : loaded->config.listeners) {
            addresses.push_back(listen_address_of(listener));
        }
    } else {
        fs = std::make_shared<core::FileSystem>(config::machine_default_limits());
    }
    // --listen adds to the config's listeners (which keep their labels: a
    // listener's label is what a client cannot forge).
    for (const std::string& spec : options.listen) {
        auto address = net::parse_listen_address(spec);
        if (!address) {
            std::cerr << "imfsd: --listen " << spec << ": expected unix:PATH or tcp:HOST:PORT\n";
            return kUsageError;
        }
        address->socket_mode = *mode;
        addresses.push_back(*address);
    }
    unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();

    // Peers that vanish must be write errors, not a signal that ends us.
    std::signal(SIGPIPE, SIG_IGN);
    if (addresses.empty()) {
        std::cerr << "imfsd: nothing to listen on: give --listen unix:PATH or tcp:HOST:PORT, "
                     "or <listen> in the config\n";
        return kUsageError;
    }
    // Checked now, not at exit: a snapshot that cannot be written is
    // better refused at the start than lost at the end.
    std::optional<Snapshots> snapshots;
    if (!options.snapshot.empty()) {
        std::string file = std::filesystem::absolute(options.snapshot).lexically_normal();
        if (auto usable = config::check_snapshot_file(file); !usable) {
            std::cerr << "imfsd: --snapshot " << options.snapshot << ": " << usable.error().message
                      << "\n";
            return EXIT_FAILURE;
        }
        snapshots.emplace(fs, file);
    }
    bool open_to_all = !policies.has_value();
    net::Server server(*fs, std::move(policies));
    server.set_write_stall(std::chrono::seconds(std::max(options.write_stall, 1u)));
    if (!options.config.empty()) {
        server.on_reload([path = options.config, fs]() -> std::optional<policies::PolicySet> {
            auto reloaded = config::reload_policies(path, *fs);
            if (!reloaded) {
                for (const auto& diagnostic : reloaded.error()) {
                    net::log(net::LogLevel::error, diagnostic.to_string());
                }
                return std::nullopt;
            }
            return std::move(*reloaded);
        });
    }
    if (snapshots) server.on_snapshot([&snapshots] { return snapshots->write("requested"); });
    for (const auto& address : addresses) {
        if (!server.listen(address)) return EXIT_FAILURE;
    }
    if (open_to_all) {
        net::log(net::LogLevel::info,
                 "serving an empty tree; every label gets root /, may write "
                 "and is trusted (no --config)");
    }
    server.run(std::max(threads, 1u));
    // Every request has been answered: what the tree holds now is what the
    // next start gets back.
    if (snapshots && !snapshots->write("at exit")) return EXIT_FAILURE;
    return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    po::options_description described("imfsd: the IMFS server\n\nOptions");
    described.add_options()("help,h", "this text")(
        "config", po::value(&options.config)->value_name("FILE"),
        "the XML config: content, limits, listeners, policies")(
        "check-config", po::value(&options.check_config)->value_name("FILE"),
        "validate FILE (content and policy roots included) and exit: 0 good, 1 bad")(
        "listen", po::value(&options.listen)->composing()->value_name("ADDRESS"),
        "unix:PATH or tcp:HOST:PORT, without a label; repeatable; added to the config's <listen>")(
        "threads", po::value(&options.threads)->value_name("N"),
        "event-loop threads (default: the number of cores)")(
        "log-level", po::value(&options.log_level)->value_name("LEVEL"),
        "error, warn, info (default) or debug")(
        "socket-mode", po::value(&options.socket_mode)->value_name("MODE"),
        "permissions of the Unix sockets created (default 0600)")(
        "snapshot", po::value(&options.snapshot)->value_name("FILE"),
        "write the whole tree to FILE as a tar archive at exit (SIGTERM, SIGINT), on SIGUSR1 "
        "and on a trusted session's request (imfs snapshot); <tar path=\"FILE\"/> loads it "
        "back")("write-stall", po::value(&options.write_stall)->value_name("SECONDS"),
                "drop a client that takes none of its replies for this long (default 30)");
    po::variables_map values;
    try {
        po::store(po::command_line_parser(argc, argv).options(described).run(), values);
        po::notify(values);
    } catch (const po::error& e) {
        std::cerr << "imfsd: " << e.what() << "\n" << described << "\n";
        return kUsageError;
    }
    if (values.count("help")) {
        std::cout << described << "\n";
        return EXIT_SUCCESS;
    }
    try {
        if (!options.check_config.empty()) return check_config(options.check_config);
        return serve(options);
    } catch (const std::exception& e) {
        std::cerr << "imfsd: " << e.what() << "\n";
        return EXIT_FAILURE;
    }
}
