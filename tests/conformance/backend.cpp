#include "backend.hpp"

#include "host_backend.hpp"
#ifndef CONFORMANCE_HOST_ONLY
#include "imfs_backend.hpp"
#endif
#ifdef IMFSD_PATH
#include "imfsd_process.hpp"
#endif
#ifdef IMFS_FUSE_CONFORMANCE
#include "fuse_mount.hpp"
#endif

namespace conformance {

const std::vector<BackendFactory>& backend_factories() {
    // The registration list: every conformance test runs once per entry.
    static const std::vector<BackendFactory> factories = {
        {"host", [](std::string& error) { return make_host_backend("/dev/shm", error); }},
#ifndef CONFORMANCE_HOST_ONLY
        {"embedded", [](std::string& error) { return make_imfs_backend("mem:", error); }},
#endif
#ifdef IMFSD_PATH
        // A real imfsd process on a Unix socket, started once for the suite.
        {"remote",
         [](std::string& error) -> std::unique_ptr<Backend> {
             std::string endpoint = imfsd_endpoint(error);
             if (endpoint.empty()) return nullptr;
             return make_imfs_backend(endpoint, error);
         }},
#endif
#ifdef IMFS_FUSE_CONFORMANCE
        // Real system calls through a real imfs-fuse mount of an embedded
        // tree ($IMFS_FUSE_CONFORMANCE_ENDPOINT mounts an imfsd instead).
        {"fuse",
         [](std::string& error) -> std::unique_ptr<Backend> {
             std::string why;
             if (!imfs_fuse_test::fuse_usable(why)) {
                 error = std::string(kSkipBackend) + why;
                 return nullptr;
             }
             std::string mountpoint = mount_fuse_for_conformance(error);
             if (mountpoint.empty()) return nullptr;
             return make_host_backend(mountpoint, error);
         }},
#endif
    };
    return factories;
}

std::vector<std::string> backend_names() {
    std::vector<std::string> names;
    for (const auto& factory : backend_factories())
        names.push_back(factory.name);
    return names;
}

}  // namespace conformance
