// The server: listeners, the thread pool running the event loop, signals,
// and the connections it accepted.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "admission.hpp"
#include "asio.hpp"
#include "connection.hpp"
#include "core/file_system.hpp"
#include "core/result.hpp"
#include "listen_address.hpp"
#include "memory_trimmer.hpp"
#include "session_registry.hpp"

namespace imfs::net {

class Server {
  public:
    // Without policies every label is admitted (see Admission).
    explicit Server(core::FileSystem& fs,
                    std::optional<policies::PolicySet> policies = std::nullopt);

    // What SIGHUP does: new policies, or nullopt when the new config is bad
    // (the old ones stay; the callback logs why). Sessions the new policies
    // no longer grant what they have are closed.
    using ReloadPolicies = std::function<std::optional<policies::PolicySet>()>;
    void on_reload(ReloadPolicies reload);

    // What the snapshot request of a trusted session and SIGUSR1 do: write
    // the snapshot, logging how it went (imfsd --snapshot). Without one,
    // the request answers ENOTSUP and SIGUSR1 keeps its default action.
    // Call before run().
    using WriteSnapshot = std::function<core::Result<void>()>;
    void on_snapshot(WriteSnapshot write);
    // How long a client may leave its replies unread, taking none of
    // them, before it is dropped (default 30 s). Applies to connections accepted afterwards.
    void set_write_stall(std::chrono::steady_clock::duration limit) { write_stall_ = limit; }
    // Closes the listeners and removes the Unix sockets it created.
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens (logging why not on failure). A Unix socket file
    // left by a dead server is replaced; one a live server answers on is
    // EADDRINUSE, anything else at the path EEXIST.
    [[nodiscard]] core::Result<void> listen(const ListenAddress& address);

    // Serves on threads threads until SIGINT or SIGTERM, then stops
    // accepting, lets the connections finish the replies they are writing,
    // closes their sessions and returns.
    void run(unsigned threads);

  private:
    using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;
    struct Listener {
        ListenAddress address;
        Acceptor acceptor;
        dev_t socket_dev = 0;  // the Unix socket file this server created
        ino_t socket_ino = 0;
        std::unique_ptr<asio::steady_timer> retry;  // after EMFILE and the like
    };

    core::Result<void> listen_unix(Listener& listener);
    core::Result<void> listen_tcp(Listener& listener);
    void accept(Listener& listener);
    void on_accept(Listener& listener, const boost::system::error_code& error,
                   Connection::Socket socket);
    void stop();
    // The event loop the next connection goes to (round robin).
    asio::io_context& next_loop();
    // Lets the worker loops end once their connections are gone.
    void release_workers();
    void wait_for_reload();
    void reload();
    void wait_for_snapshot_signal();
    void connection_closed(std::uint64_t id);
    void remove_socket_files();

    asio::io_context io_;
    // The other threads' loops (none with --threads 1), kept running by
    // their guards until the server stops.
    std::vector<std::unique_ptr<asio::io_context>> workers_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> worker_guards_;
    std::atomic<std::size_t> next_loop_{0};
    // Listeners, signals and stopping run on this strand.
    asio::strand<asio::io_context::executor_type> strand_;
    asio::signal_set signals_;
    asio::signal_set reload_signals_;
    ReloadPolicies reload_;
    asio::signal_set snapshot_signals_;
    ServerActions actions_;  // what the connections' requests may ask of it
    asio::steady_timer force_stop_;
    SessionRegistry registry_;
    Admission admission_;
    MemoryTrimmer trimmer_{io_, registry_};
    std::chrono::steady_clock::duration write_stall_ = std::chrono::seconds(30);
    std::vector<std::unique_ptr<Listener>> listeners_;

    std::mutex connections_mutex_;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections_;
    bool stopping_ = false;  // guarded by connections_mutex_
    std::size_t max_connections_;
};

}  // namespace imfs::net
