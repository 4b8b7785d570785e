// Dispatch: one Request becomes one core call, and its outcome one Reply.
// The only place where core errors become the wire's errno.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/session.hpp"
#include "imfs.capnp.h"
#include "session_registry.hpp"

namespace imfs::net {

// What a request may need beyond its session.
// What the program serving the sessions does for the requests that act on
// the whole server rather than on a session (trusted sessions only). An
// action left empty answers its request with ENOTSUP.
struct ServerActions {
    // The snapshot request: write it, log how it went, say whether it did.
    std::function<core::Result<void>()> snapshot;
};

struct DispatchContext {
    SessionRegistry& registry;
    std::uint64_t connection;      // owner of the sessions this one forks
    const Grant& grant;            // the session's: a fork's child inherits it
    const ServerActions& actions;  // the server's; outlives its connections
};

// Validates every field of request, calls the core on s and fills reply
// (id included). Unknown operations get ENOSYS. May throw kj::Exception
// when the message is malformed (Cap'n Proto validates lazily); the caller
// treats that as a broken peer. Runs the calls of one session one at a time.
void dispatch(const DispatchContext& context, core::Session& s, protocol::Request::Reader request,
              protocol::Reply::Builder reply);

}  // namespace imfs::net
