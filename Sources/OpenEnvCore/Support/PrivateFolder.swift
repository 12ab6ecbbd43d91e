#if canImport(Glibc)
import Glibc
#endif

/// A folder that only this user can change: where the engine keeps what it reads back (the
/// discovery cache) or writes for itself (server logs, install reports). A folder in a shared
/// place (`/tmp`) may have been made by another local user, or be a link they planted; files
/// in it could then be replaced, read, or made to point anywhere.
enum PrivateFolder {
    /// Makes `path` (mode 0700, with missing parents) when it does not exist, then checks it
    /// (see ``problem(with:)``).
    static func prepare(_ path: String) -> String? {
        FileSystem.makeDirectories(path, permissions: 0o700)
        return problem(with: path)
    }

    /// Why `path` cannot be trusted as a folder of this user's own, or nil when it can: it must
    /// be a folder itself (`lstat`: not a symbolic link), owned by this process's effective
    /// user, and writable by no group and no other user.
    static func problem(with path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return "\(quoted(path)) cannot be examined (\(String(cString: strerror(errno))))" }
        let kind = info.st_mode & S_IFMT
        guard kind != S_IFLNK else { return "\(quoted(path)) is a symbolic link, not a folder" }
        guard kind == S_IFDIR else { return "\(quoted(path)) is not a folder" }
        guard info.st_uid == geteuid() else { return "\(quoted(path)) belongs to user \(info.st_uid), not to this one (\(geteuid()))" }
        guard info.st_mode & 0o022 == 0 else {
            return "\(quoted(path)) can be written by other users (mode \(String(info.st_mode & 0o777, radix: 8)))"
        }
        return nil
    }

    /// A private folder for this process's own temporary files: `$TMPDIR/openenv-swift-<uid>`
    /// when it is this user's own (made if missing), else a new one made by `mkdtemp`, which
    /// nobody else can have made. Nil when neither can be had.
    static let temporary: String? = {
        let shared = FileSystem.join(FileSystem.temporaryDirectory, "openenv-swift-\(geteuid())")
        if prepare(shared) == nil { return shared }
        var template = Array(FileSystem.join(FileSystem.temporaryDirectory, "openenv-swift-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return nil }
        return String(cString: made)
    }()

    /// Creates `path` for writing only if nothing is there (no file, no link): `O_CREAT|O_EXCL|
    /// O_NOFOLLOW`, mode 0600. Returns the descriptor, or -1 with `errno` set.
    static func createExclusively(_ path: String) -> Int32 {
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    }
}
