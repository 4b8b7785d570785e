// Session labels as Genode composes them.
#pragma once

#include <string>
#include <string_view>

namespace imfs::policies {

// The label a policy sees for a client that reached a listener: the
// listener's label, " -> ", the client's label. A listener without a label
// passes the client's label through; a client without one is known by the
// listener's label alone (as Genode's prefixed_label does). The client
// cannot forge the listener's part: it is added here, after the hello.
[[nodiscard]] std::string compose_label(std::string_view listener_label,
                                        std::string_view client_label);

}  // namespace imfs::policies
