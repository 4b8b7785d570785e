// The one way server/net includes Boost.Asio: <utility> first, because
// Boost 1.74's awaitable.hpp uses std::exchange without including it in
// C++20 and later.
#pragma once

#include <utility>

#include <boost/asio.hpp>

namespace imfs::net {
namespace asio = boost::asio;
}  // namespace imfs::net
