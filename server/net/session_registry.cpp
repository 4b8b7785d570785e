#include "session_registry.hpp"

#include <random>
#include <vector>

namespace imfs::net {

namespace {

// Tokens are capabilities: unguessable, so draw each from the OS.
std::uint64_t random_token() {
    std::random_device device;
    std::uint64_t token = 0;
    while (token == 0)
        token = (std::uint64_t{device()} << 32) | device();
    return token;
}

}  // namespace

SessionRegistry::~SessionRegistry() {
    for (auto& [token, parked] : parked_)
        fs_.close_session(std::move(parked.session));
}

std::uint64_t SessionRegistry::connection_opened() {
    std::lock_guard lock(mutex_);
    ++connections_;
    return next_connection_++;
}

void SessionRegistry::connection_closed(std::uint64_t connection) {
    std::vector<std::unique_ptr<core::Session>> orphans;
    {
        std::lock_guard lock(mutex_);
        --connections_;
        if (parked_per_owner_.erase(connection) != 0) {
            for (auto it = parked_.begin(); it != parked_.end();) {
                if (it->second.owner != connection) {
                    ++it;
                    continue;
                }
                orphans.push_back(std::move(it->second.session));
                it = parked_.erase(it);
            }
        }
    }
    for (auto& orphan : orphans)
        fs_.close_session(std::move(orphan));
}

void SessionRegistry::add_live(const core::Session& s) {
    std::lock_guard lock(mutex_);
    live_.insert(&s);
}

void SessionRegistry::retire(std::unique_ptr<core::Session> s) {
    {
        std::lock_guard lock(mutex_);
        live_.erase(s.get());
    }
    fs_.close_session(std::move(s));
}

core::Result<std::uint64_t> SessionRegistry::park(std::uint64_t owner,
                                                  std::unique_ptr<core::Session> child,
                                                  Grant grant) {
    std::unique_lock lock(mutex_);
    std::size_t& count = parked_per_owner_[owner];
    if (count >= kMaxPendingPerConnection) {
        lock.unlock();
        fs_.close_session(std::move(child));
        return core::fail(EAGAIN);
    }
    std::uint64_t token = random_token();
    while (parked_.contains(token))
        token = random_token();
    parked_.emplace(token, Parked{owner, std::move(child), std::move(grant)});
    ++count;
    return token;
}

SessionRegistry::Taken SessionRegistry::take(std::uint64_t token) {
    std::lock_guard lock(mutex_);
    auto found = parked_.find(token);
    if (found == parked_.end()) return {};
    Taken taken{std::move(found->second.session), std::move(found->second.grant)};
    auto owner = parked_per_owner_.find(found->second.owner);
    if (owner != parked_per_owner_.end() && --owner->second == 0) parked_per_owner_.erase(owner);
    parked_.erase(found);
    return taken;
}

SessionRegistry::Stats SessionRegistry::stats() const {
    std::lock_guard lock(mutex_);
    Stats stats{connections_, live_.size() + parked_.size(), 0};
    for (const core::Session* s : live_)
        stats.descriptors += fs_.descriptors_open(*s);
    for (const auto& [token, parked] : parked_) {
        stats.descriptors += fs_.descriptors_open(*parked.session);
    }
    return stats;
}

}  // namespace imfs::net
