#include "listen_address.hpp"

#include <sys/un.h>

#include <charconv>

namespace imfs::net {

std::string ListenAddress::to_string() const {
    if (kind == Kind::unix_socket) return "unix:" + path;
    bool v6 = host.find(':') != std::string::npos;
    return "tcp:" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

core::Result<ListenAddress> parse_listen_address(std::string_view spec) {
    ListenAddress address;
    if (spec.starts_with("unix:")) {
        address.path = spec.substr(5);
        if (address.path.empty() || address.path.size() >= sizeof(sockaddr_un::sun_path) ||
            address.path.find('\0') != std::string::npos) {
            return core::fail(EINVAL);
        }
        return address;
    }
    if (!spec.starts_with("tcp:")) return core::fail(EINVAL);
    std::string_view host_port = spec.substr(4);
    std::size_t colon = host_port.rfind(':');
    if (colon == std::string_view::npos) return core::fail(EINVAL);
    std::string_view host = host_port.substr(0, colon);
    std::string_view port = host_port.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), address.port);
    if (port.empty() || error != std::errc{} || end != port.data() + port.size()) {
        return core::fail(EINVAL);
    }
    address.kind = ListenAddress::Kind::tcp;
    address.host = (host.empty() || host == "localhost") ? "127.0.0.1" : std::string(host);
    return address;
}

}  // namespace imfs::net
