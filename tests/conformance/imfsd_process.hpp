// A real imfsd process for the remote back-end: started on first use on a
// fresh Unix socket, stopped (SIGTERM, then waited for) at exit.
#pragma once

#include <string>

namespace conformance {

// The endpoint ("unix:PATH") of the suite's imfsd, starting it if needed.
// Empty, with error set, if it could not be started.
std::string imfsd_endpoint(std::string& error);

}  // namespace conformance
