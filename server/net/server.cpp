#include "server.hpp"

#include <sys/resource.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include "dispatch.hpp"
#include "log.hpp"

namespace imfs::net {

namespace {

// How long the connections get to finish after a stop before the event loop
// is ended regardless.
constexpr auto kStopDeadline = std::chrono::seconds(5);
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

// How many connections fit the process's descriptor limit, leaving room
// for listeners, logs and the files the server opens itself.
std::size_t connection_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 65536;
    return limit.rlim_cur > 128 ? static_cast<std::size_t>(limit.rlim_cur - 64) : 64;
}

// Does a server answer on the Unix socket at path?
bool unix_socket_answers(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return true;  // cannot tell: do not remove it
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        ::close(fd);
        return true;  // not a path a socket can have: leave it alone
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    int result = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    int error = errno;
    ::close(fd);
    return result == 0 || error != ECONNREFUSED;
}

int errno_of(const boost::system::error_code& error) {
    return error.category() == boost::system::system_category() ? error.value() : EIO;
}

}  // namespace

Server::Server(core::FileSystem& fs, std::optional<policies::PolicySet> policies)
    : strand_(asio::make_strand(io_)),
      signals_(strand_, SIGINT, SIGTERM),
      reload_signals_(strand_, SIGHUP),
      snapshot_signals_(strand_),
      force_stop_(strand_),
      registry_(fs),
      max_connections_(connection_limit()) {
    if (policies) admission_.replace(std::move(*policies));
}

void Server::on_reload(ReloadPolicies reload) {
    reload_ = std::move(reload);
}

void Server::on_snapshot(WriteSnapshot write) {
    actions_.snapshot = std::move(write);
    boost::system::error_code ignored;
    snapshot_signals_.add(SIGUSR1, ignored);
}

void Server::wait_for_snapshot_signal() {
    snapshot_signals_.async_wait([this](const boost::system::error_code& error, int) {
        if (error) return;
        log(LogLevel::info, "SIGUSR1: writing the snapshot");
        (void)actions_.snapshot();  // it logs how it went
        wait_for_snapshot_signal();
    });
}

void Server::wait_for_reload() {
    reload_signals_.async_wait([this](const boost::system::error_code& error, int) {
        if (error) return;
        reload();
        wait_for_reload();
    });
}

void Server::reload() {
    if (!reload_) {
        log(LogLevel::warn, "SIGHUP: no config to reload (started without --config)");
        return;
    }
    auto policies = reload_();
    if (!policies) {
        log(LogLevel::error, "SIGHUP: the config was rejected; the old policies stay");
        return;
    }
    admission_.replace(std::move(*policies));
    std::vector<std::shared_ptr<Connection>> open;
    {
        std::lock_guard lock(connections_mutex_);
        for (auto& [id, weak] : connections_) {
            if (auto connection = weak.lock()) open.push_back(std::move(connection));
        }
    }
    log(LogLevel::info, "SIGHUP: policies reloaded; reviewing ", open.size(), " sessions");
    for (auto& connection : open)
        connection->review();
}

Server::~Server() {
    for (auto& listener : listeners_) {
        boost::system::error_code ignored;
        listener->acceptor.close(ignored);
    }
    // No thread runs the event loop any more: close what a forced stop left
    // open while the registry still exists.
    std::vector<std::shared_ptr<Connection>> open;
    {
        std::lock_guard lock(connections_mutex_);
        for (auto& [id, weak] : connections_) {
            if (auto connection = weak.lock()) open.push_back(std::move(connection));
        }
    }
    for (auto& connection : open)
        connection->close_now();
    remove_socket_files();
}

core::Result<void> Server::listen(const ListenAddress& address) {
    auto listener = std::make_unique<Listener>(Listener{address, Acceptor(strand_), 0, 0, nullptr});
    listener->retry = std::make_unique<asio::steady_timer>(strand_);
    if (address.kind == ListenAddress::Kind::unix_socket) {
        IMFS_TRY(listen_unix(*listener));
    } else {
        IMFS_TRY(listen_tcp(*listener));
    }
    log(LogLevel::info, "listening on ", listener->address.to_string(),
        listener->address.label.empty() ? "" : " as " + quoted(listener->address.label));
    listeners_.push_back(std::move(listener));
    return {};
}

core::Result<void> Server::listen_unix(Listener& listener) {
    const std::string& path = listener.address.path;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            log(LogLevel::error, path, ": exists and is not a socket");
            return core::fail(EEXIST);
        }
        if (unix_socket_answers(path)) {
            log(LogLevel::error, path, ": another server listens on it");
            return core::fail(EADDRINUSE);
        }
        log(LogLevel::info, path, ": replacing a stale socket");
        ::unlink(path.c_str());
    }
    boost::system::error_code error;
    asio::local::stream_protocol::endpoint endpoint(path);
    auto& acceptor = listener.acceptor;
    acceptor.open(asio::generic::stream_protocol(AF_UNIX, 0), error);
    // Created unreachable (umask 0777, single-threaded start-up), then
    // given its mode: no window in which others may connect.
    if (!error) {
        mode_t old_mask = ::umask(0777);
        acceptor.bind(endpoint, error);
        ::umask(old_mask);
    }
    if (!error && ::chmod(path.c_str(), listener.address.socket_mode) != 0) {
        error = boost::system::error_code(errno, boost::system::system_category());
    }
    if (!error && ::lstat(path.c_str(), &st) == 0) {
        listener.socket_dev = st.st_dev;
        listener.socket_ino = st.st_ino;
    }
    if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
        log(LogLevel::error, path, ": ", error.message());
        return core::fail(errno_of(error));
    }
    return {};
}

core::Result<void> Server::listen_tcp(Listener& listener) {
    boost::system::error_code error;
    auto address = asio::ip::make_address(listener.address.host, error);
    if (error) {
        log(LogLevel::error, listener.address.to_string(), ": not a numeric address");
        return core::fail(EINVAL);
    }
    if (!address.is_loopback()) {
        log(LogLevel::warn, listener.address.to_string(),
            ": not a loopback address: reachable from other hosts");
    }
    asio::ip::tcp::endpoint endpoint(address, listener.address.port);
    auto& acceptor = listener.acceptor;
    acceptor.open(asio::generic::stream_protocol(endpoint.protocol().family(), IPPROTO_TCP), error);
    if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor.bind(endpoint, error);
    if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
        log(LogLevel::error, listener.address.to_string(), ": ", error.message());
        return core::fail(errno_of(error));
    }
    // Port 0 asked for any free port: say which one it is.
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(acceptor.native_handle(), reinterpret_cast<sockaddr*>(&bound), &length) ==
        0) {
        std::uint16_t port = bound.ss_family == AF_INET6
                                 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                 : reinterpret_cast<sockaddr_in*>(&bound)->sin_port;
        listener.address.port = ntohs(port);
    }
    return {};
}

void Server::run(unsigned threads) {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) {
        if (error) return;
        log(LogLevel::info, "signal ", signal, ": stopping");
        stop();
    });
    wait_for_reload();
    if (actions_.snapshot) wait_for_snapshot_signal();
    trimmer_.start();
    for (auto& listener : listeners_) {
        asio::post(strand_, [this, l = listener.get()] { accept(*l); });
    }
    // One event loop per thread, connections dealt out among them: a
    // request is read, handled and answered on the thread whose reactor saw
    // it, with no hand-off between threads (a shared io_context wakes a
    // second thread for every completion, which costs a round trip its
    // latency). The first loop also runs the listeners and signals.
    for (unsigned i = 1; i < threads; ++i) {
        workers_.push_back(std::make_unique<asio::io_context>(1));
        worker_guards_.emplace_back(workers_.back()->get_executor());
    }
    auto serve = [](asio::io_context& loop) {
        while (true) {
            try {
                loop.run();
                return;
            } catch (const std::exception& e) {
                log(LogLevel::error, "event loop: ", e.what());
            }
        }
    };
    {
        std::vector<std::jthread> pool;
        for (auto& worker : workers_)
            pool.emplace_back([&serve, &worker] { serve(*worker); });
        serve(io_);
        release_workers();
    }
    log(LogLevel::info, "stopped");
}

void Server::accept(Listener& listener) {
    listener.acceptor.async_accept(
        asio::make_strand(next_loop()),
        [this, &listener](const boost::system::error_code& error, Connection::Socket socket) {
            on_accept(listener, error, std::move(socket));
        });
}

void Server::on_accept(Listener& listener, const boost::system::error_code& error,
                       Connection::Socket socket) {
    std::unique_lock lock(connections_mutex_);
    if (stopping_ || error == asio::error::operation_aborted) return;
    if (error) {
        lock.unlock();
        // Out of descriptors or memory: wait instead of spinning.
        log(LogLevel::warn, "accept on ", listener.address.to_string(), ": ", error.message());
        listener.retry->expires_after(kAcceptRetry);
        listener.retry->async_wait([this, &listener](const boost::system::error_code& e) {
            if (!e) accept(listener);
        });
        return;
    }
    boost::system::error_code ignored;
    if (connections_.size() >= max_connections_) {
        // Keep descriptors for the connections already served (and for
        // accept itself): the newest peer is turned away, not everyone.
        lock.unlock();
        log(LogLevel::warn, "accept on ", listener.address.to_string(), ": ", max_connections_,
            " connections open; refusing one");
        socket.close(ignored);
        accept(listener);
        return;
    }
    if (listener.address.kind == ListenAddress::Kind::tcp) {
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    // Room for a whole frame each way: a 4 MiB transfer then costs one
    // wake-up instead of one per default-sized buffer (the kernel caps this
    // at net.core.wmem_max / rmem_max).
    const int frame = static_cast<int>(protocol::kMaxFrameBytes);
    socket.set_option(asio::socket_base::send_buffer_size(frame), ignored);
    socket.set_option(asio::socket_base::receive_buffer_size(frame), ignored);
    auto connection = std::make_shared<Connection>(
        std::move(socket), listener.address.label, registry_, admission_, actions_, write_stall_,
        [this](std::uint64_t id) { connection_closed(id); });
    connections_.emplace(connection->id(), connection);
    lock.unlock();
    connection->start();
    accept(listener);
}

void Server::stop() {
    signals_.clear();  // a second signal ends the process the default way
    boost::system::error_code ignored_error;
    reload_signals_.cancel(ignored_error);
    snapshot_signals_.cancel(ignored_error);
    trimmer_.stop();
    for (auto& listener : listeners_) {
        boost::system::error_code ignored;
        listener->acceptor.close(ignored);
        listener->retry->cancel();
    }
    std::vector<std::shared_ptr<Connection>> open;
    {
        std::lock_guard lock(connections_mutex_);
        stopping_ = true;
        for (auto& [id, weak] : connections_) {
            if (auto connection = weak.lock()) open.push_back(std::move(connection));
        }
        if (connections_.empty()) {
            release_workers();
            return;
        }
    }
    for (auto& connection : open)
        connection->stop();
    force_stop_.expires_after(kStopDeadline);
    force_stop_.async_wait([this](const boost::system::error_code& error) {
        if (error) return;
        log(LogLevel::warn, "connections did not finish in time; stopping anyway");
        io_.stop();
        for (auto& worker : workers_)
            worker->stop();
    });
}

asio::io_context& Server::next_loop() {
    std::size_t turn = next_loop_++ % (workers_.size() + 1);
    return turn == 0 ? io_ : *workers_[turn - 1];
}

void Server::release_workers() {
    // Runs on io_'s strand only (stop, the last close, the end of run).
    for (auto& guard : worker_guards_)
        guard.reset();
}

void Server::connection_closed(std::uint64_t id) {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(id);
    if (stopping_ && connections_.empty()) {
        asio::post(strand_, [this] {
            force_stop_.cancel();
            release_workers();
        });
    }
}

void Server::remove_socket_files() {
    for (auto& listener : listeners_) {
        if (listener->address.kind != ListenAddress::Kind::unix_socket) continue;
        // Only the file this server made: another may have replaced it.
        struct stat st {};
        const std::string& path = listener->address.path;
        if (::lstat(path.c_str(), &st) == 0 && st.st_dev == listener->socket_dev &&
            st.st_ino == listener->socket_ino) {
            ::unlink(path.c_str());
        }
    }
}

}  // namespace imfs::net
