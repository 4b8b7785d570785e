// Where imfsd listens: "unix:PATH" or "tcp:HOST:PORT", as given on the
// command line (and, with the config issue, by <listen>).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace imfs::net {

struct ListenAddress {
    enum class Kind { unix_socket, tcp };
    Kind kind = Kind::unix_socket;
    std::string path;  // unix_socket
    std::string host;  // tcp: a numeric address; empty or "localhost" means 127.0.0.1
    std::uint16_t port = 0;
    // Prefixed to every client label on this listener ("" for none).
    std::string label;
    // The Unix socket file's permissions: who may reach this listener.
    mode_t socket_mode = 0600;

    std::string to_string() const;
};

// EINVAL unless spec is "unix:PATH" (PATH non-empty and short enough for
// sockaddr_un) or "tcp:HOST:PORT" (HOST may be "[v6]").
[[nodiscard]] core::Result<ListenAddress> parse_listen_address(std::string_view spec);

}  // namespace imfs::net
