#include "core/resolver.hpp"

#include <array>

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

// The walk's state: the directory reached so far and the text still to
// walk, a stack of segments: the rest of the path at the bottom, above it
// the rest of each symlink target being followed, innermost on top. Each
// followed link adds one segment and an exhausted one is dropped, so there
// are never more than kMaxSymlinks + 1 and the stack lives on the call's
// stack: a walk allocates nothing. Segments are views into the path and
// into symlink targets, which stay put: the tree lock is held throughout.
class Walk {
  public:
    Walk(const WalkContext& ctx, Inode* start, std::string_view text) : ctx_(ctx), current_(start) {
        push_text(text);
    }

    Result<void> push_symlink(Inode& link) {
        if (++links_followed_ > kMaxSymlinks) return fail(ELOOP);
        if (ctx_.records_access) link.note_access(ctx_.atime_locks);
        if (link.link_target().empty()) return fail(ENOENT);
        if (link.link_target().front() == '/') current_ = &ctx_.inodes.at(ctx_.root);
        push_text(link.link_target());
        return {};
    }

    // No component left (only slashes, if anything).
    bool done() const { return depth_ == 0; }
    // The next component. Precondition: !done().
    std::string_view pop() {
        Segment& top = segments_[depth_ - 1];
        const char* begin = top.at;
        while (top.at != top.end && *top.at != '/')
            ++top.at;
        const std::string_view part(begin, static_cast<std::size_t>(top.at - begin));
        drop_slashes();
        return part;
    }

    Inode* current() const { return current_; }
    void set_current(Inode* dir) { current_ = dir; }

    // The directory ".." names from current(), confined to the root;
    // nullptr when there is none: a removed directory's old parent may be
    // gone too (find() checks the generation), or may lie outside the root
    // now.
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
            name,
            [&inodes, opens = ctx_.opens](std::uint32_t index) { inodes.prefetch(index, opens); });
        return entry ? &ctx_.inodes.at(entry->inode) : nullptr;
    }

  private:
    // A segment's text still to walk: [at, end). Trivial, so the stack
    // below costs nothing to set up (string_views would be zeroed first).
    struct Segment {
        const char* at;
        const char* end;
    };

    void push_text(std::string_view text) {
        segments_[depth_++] = Segment{text.data(), text.data() + text.size()};
        drop_slashes();
    }
    // Keeps the top segment starting at a component: strips its leading
    // slashes and drops the segments that hold nothing more.
    void drop_slashes() {
        while (depth_ > 0) {
            Segment& top = segments_[depth_ - 1];
            while (top.at != top.end && *top.at == '/')
                ++top.at;
            if (top.at != top.end) return;
            --depth_;
        }
    }

    const WalkContext& ctx_;
    Inode* current_;
    std::array<Segment, kMaxSymlinks + 1> segments_;
    int depth_ = 0;
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
    Walk walk(ctx, first, path.text());

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
            result.name = part;
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
