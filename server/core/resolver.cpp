#include "core/resolver.hpp"

#include <vector>

namespace imfs::core {

namespace {

// Is dir the root or below it? A directory another session moved out of
// this session's view must not be a way out of it through "..".
bool within_root(const WalkContext& ctx, const Inode& dir) {
    const Inode* at = &dir;
    while (at->id != ctx.root) {
        if (at->parent == at->id || at->nlink == 0) return false;
        at = &ctx.inodes.at(at->parent);
    }
    return true;
}

// The walk's state: the directory reached so far and the components still
// to go, the next one at the back. Components are views into the path and
// into symlink targets, which stay put: the tree lock is held throughout.
class Walk {
  public:
    Walk(const WalkContext& ctx, Inode* start) : ctx_(ctx), current_(start) {
        // One scratch stack per thread: a walk allocates nothing once warm.
        thread_local std::vector<std::string_view> scratch;
        scratch.clear();
        pending_ = &scratch;
    }

    // Pushes the components of text, last first, so they pop in order.
    void push_components(std::string_view text) {
        std::size_t end = text.size();
        while (end > 0) {
            std::size_t slash = text.rfind('/', end - 1);
            std::size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
            if (begin < end) pending_->push_back(text.substr(begin, end - begin));
            if (slash == std::string_view::npos) break;
            end = slash;
        }
    }

    Result<void> push_symlink(Inode& link) {
        if (++links_followed_ > kMaxSymlinks) return fail(ELOOP);
        if (ctx_.records_access) link.note_access(ctx_.atime_mutex);
        if (link.link_target().empty()) return fail(ENOENT);
        if (link.link_target().front() == '/') current_ = &ctx_.inodes.at(ctx_.root);
        push_components(link.link_target());
        return {};
    }

    bool done() const { return pending_->empty(); }
    std::string_view pop() {
        std::string_view part = pending_->back();
        pending_->pop_back();
        return part;
    }

    Inode* current() const { return current_; }
    void set_current(Inode* dir) { current_ = dir; }

    // The directory ".." names from current(), confined to the root.
    // The directory ".." names from current(), confined to the root; nullptr
    // when there is none: a removed directory's old parent may be gone too
    // (find() checks the generation), or may lie outside the root now.
    Inode* parent_of_current() const {
        if (current_->id == ctx_.root) return current_;
        if (current_->nlink != 0) return &ctx_.inodes.at(current_->parent);  // alive: linked there
        Inode* parent = ctx_.inodes.find(current_->parent);
        if (parent == nullptr || parent->nlink == 0 || !within_root(ctx_, *parent)) return nullptr;
        return parent;
    }

    // Looks name up in current(): search permission first, then the name's
    // length, then existence, in Linux's order.
    Result<Inode*> lookup(std::string_view name) const {
        if (!current_->is_dir()) return fail(ENOTDIR);
        if (!may_access(*current_, ctx_.cred, kMayExec)) return fail(EACCES);
        if (current_->nlink == 0) return fail(ENOENT);  // a removed directory: IS_DEADDIR
        if (name.size() > NAME_MAX) return fail(ENAMETOOLONG);
        const InodeTable& inodes = ctx_.inodes;
        const Directory::Entry* entry = current_->entries->find(
            name, [&inodes](std::uint32_t index) { inodes.prefetch(index); });
        return entry ? &ctx_.inodes.at(entry->inode) : nullptr;
    }

  private:
    const WalkContext& ctx_;
    Inode* current_;
    std::vector<std::string_view>* pending_;
    int links_followed_ = 0;
};

}  // namespace

Result<Lookup> resolve(const WalkContext& ctx, InodeId start, const Path& path, Follow follow) {
    if (path.is_empty()) return fail(ENOENT);
    Inode* root = &ctx.inodes.at(ctx.root);
    Inode* first = path.is_absolute() ? root : &ctx.inodes.at(start);
    // A removed directory is allowed as a start ("." still names it); names
    // in it are not (lookup() answers ENOENT).
    if (first->nlink != 0 && !within_root(ctx, *first)) return fail(ENOENT);
    Walk walk(ctx, first);
    walk.push_components(path.text());

    Lookup result;
    result.trailing_slash = path.has_trailing_slash();
    // A trailing slash asks for a directory, whether the path has it or the
    // target of a symlink that ends the path.
    auto wants_dir = [&] { return result.trailing_slash && follow != Follow::name_only; };

    if (walk.done()) {  // "/" or "///"
        if (!walk.current()->is_dir()) return fail(ENOTDIR);
        result.parent = walk.current();
        result.node = walk.current();
        result.kind = LastKind::root;
        return result;
    }
    while (true) {
        std::string_view part = walk.pop();
        bool is_last = walk.done();
        if (!walk.current()->is_dir()) return fail(ENOTDIR);
        if (part == "." || part == "..") {
            if (!may_access(*walk.current(), ctx.cred, kMayExec)) return fail(EACCES);
            Inode* dir = part == "." ? walk.current() : walk.parent_of_current();
            if (dir == nullptr) return fail(ENOENT);
            if (is_last) {
                result.parent = walk.current();
                result.node = dir;
                result.kind = part == "." ? LastKind::dot : LastKind::dotdot;
                return result;
            }
            walk.set_current(dir);
            continue;
        }
        Inode* node = IMFS_TRY(walk.lookup(part));
        if (is_last) {
            if (node && node->is_symlink() && (follow == Follow::last || wants_dir())) {
                IMFS_TRY(walk.push_symlink(*node));
                if (node->link_target().back() == '/') result.trailing_slash = true;
                if (walk.done()) {  // target "/" or only slashes
                    result.parent = walk.current();
                    result.node = walk.current();
                    result.kind = LastKind::root;
                    return result;
                }
                continue;
            }
            result.parent = walk.current();
            result.name = std::string(part);
            result.node = node;
            if (node && wants_dir() && !node->is_dir()) return fail(ENOTDIR);
            return result;
        }
        if (!node) return fail(ENOENT);
        if (node->is_symlink()) {
            IMFS_TRY(walk.push_symlink(*node));
            continue;
        }
        if (!node->is_dir()) return fail(ENOTDIR);
        walk.set_current(node);
    }
}

}  // namespace imfs::core
