// imfsd: the IMFS server.
#include <sys/stat.h>

#include <boost/program_options.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "admission.hpp"
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
    std::vector<std::string> listen;
    unsigned threads = 0;
    std::string log_level = "info";
    std::string socket_mode = "0600";
};

std::optional<mode_t> parse_mode(const std::string& text) {
    if (text.empty() || text.size() > 4) return std::nullopt;
    mode_t mode = 0;
    for (char c : text) {
        if (c < '0' || c > '7') return std::nullopt;
        mode = mode * 8 + static_cast<mode_t>(c - '0');
    }
    return mode;
}

int serve(const Options& options) {
    auto level = net::parse_log_level(options.log_level);
    if (!level) {
        std::cerr << "imfsd: --log-level: expected error, warn, info or debug\n";
        return kUsageError;
    }
    net::set_log_level(*level);
    auto mode = parse_mode(options.socket_mode);
    if (!mode) {
        std::cerr << "imfsd: --socket-mode: expected an octal mode such as 0600\n";
        return kUsageError;
    }
    if (!options.config.empty()) {
        std::cerr << "imfsd: --config: not supported yet (serve an empty tree with --listen)\n";
        return kUsageError;
    }
    if (options.listen.empty()) {
        std::cerr << "imfsd: nothing to listen on: give --listen unix:PATH or tcp:HOST:PORT\n";
        return kUsageError;
    }
    std::vector<net::ListenAddress> addresses;
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
    core::FileSystem fs;
    net::Server server(fs, net::Admission{});
    for (const auto& address : addresses) {
        if (!server.listen(address)) return EXIT_FAILURE;
    }
    net::log(net::LogLevel::info,
             "serving an empty tree; every label gets root /, may write "
             "and is trusted (no --config)");
    server.run(std::max(threads, 1u));
    return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    po::options_description described("imfsd: the IMFS server\n\nOptions");
    described.add_options()("help,h", "this text")(
        "config", po::value(&options.config)->value_name("FILE"),
        "the XML config: content, listeners, policies (not supported yet)")(
        "listen", po::value(&options.listen)->composing()->value_name("ADDRESS"),
        "unix:PATH or tcp:HOST:PORT; repeatable")(
        "threads", po::value(&options.threads)->value_name("N"),
        "event-loop threads (default: the number of cores)")(
        "log-level", po::value(&options.log_level)->value_name("LEVEL"),
        "error, warn, info (default) or debug")(
        "socket-mode", po::value(&options.socket_mode)->value_name("MODE"),
        "permissions of the Unix sockets created (default 0600)");
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
        return serve(options);
    } catch (const std::exception& e) {
        std::cerr << "imfsd: " << e.what() << "\n";
        return EXIT_FAILURE;
    }
}
