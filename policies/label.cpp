#include "policies/label.hpp"

namespace imfs::policies {

std::string compose_label(std::string_view listener_label, std::string_view client_label) {
    if (listener_label.empty()) return std::string(client_label);
    if (client_label.empty()) return std::string(listener_label);
    std::string label;
    label.reserve(listener_label.size() + 4 + client_label.size());
    label.append(listener_label).append(" -> ").append(client_label);
    return label;
}

}  // namespace imfs::policies
