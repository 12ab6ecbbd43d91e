#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about a path, reduced to what change detection needs.
struct FileStamp: Sendable, Equatable {
    /// Modification time in nanoseconds since the epoch.
    var modified: Int64
    /// Size in bytes.
    var size: Int64
    /// Whether the path is a directory.
    var isDirectory: Bool
}

/// Thin POSIX file access. Discovery reads hundreds of small files per scan, and the plain
/// system calls measured several times faster than FileManager's on Linux.
enum FileSystem {
    /// `stat` of `path` (following links), or nil when it does not exist or cannot be read.
    static func stamp(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return FileStamp(modified: modified, size: Int64(info.st_size), isDirectory: (info.st_mode & S_IFMT) == S_IFDIR)
    }

    /// Whether `path` is an existing directory.
    static func isDirectory(_ path: String) -> Bool {
        stamp(path)?.isDirectory ?? false
    }

    /// Whether `path` is an existing file (not a directory).
    static func isFile(_ path: String) -> Bool {
        stamp(path).map { !$0.isDirectory } ?? false
    }

    /// The names in a directory, without `.` and `..`; nil when it cannot be listed.
    static func list(_ path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Why a file could not be read.
    struct ReadError: Error, CustomStringConvertible {
        let path: String
        let reason: String
        /// Whether the file simply does not exist.
        var isMissing = false
        var description: String { "cannot read \(path): \(reason)" }
    }

    /// Largest file discovery will read; manifests and metadata are far smaller.
    static let maximumReadSize = 16 << 20

    /// The bytes of a regular file. Anything else (a FIFO, a device, a socket, a folder) is
    /// refused without waiting: the open does not block (`O_NONBLOCK`, which a FIFO with no
    /// writer would otherwise do for ever) and the file's kind is checked before any read.
    static func read(_ path: String) throws(ReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else {
            let code = errno
            throw ReadError(path: path, reason: String(cString: strerror(code)), isMissing: code == ENOENT)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) != S_IFDIR else { throw ReadError(path: path, reason: "is a directory") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ReadError(path: path, reason: "is not a regular file (a FIFO, device or socket)") }
        guard Int(info.st_size) <= maximumReadSize else {
            throw ReadError(path: path, reason: "larger than \(maximumReadSize) bytes")
        }
        // Sized from fstat so the usual case takes one read; a file that reports no size
        // (procfs and the like) is read in growing steps until end of file.
        let expected = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: max(expected, 4096))
        var filled = 0
        while expected == 0 || filled < expected {
            if filled == bytes.count {
                guard bytes.count <= maximumReadSize else { throw ReadError(path: path, reason: "larger than \(maximumReadSize) bytes") }
                bytes.append(contentsOf: repeatElement(0, count: bytes.count))
            }
            let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// The file as UTF-8 text; invalid bytes are replaced and reported through `lossy`.
    static func readText(_ path: String, lossy: inout Bool) throws(ReadError) -> String {
        let bytes = try read(path)
        if let text = String(validating: bytes, as: UTF8.self) {
            lossy = false
            return text
        }
        lossy = true
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The canonical absolute form of `path` (links resolved), or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `base/name`, without doubling a `/`.
    static func join(_ base: String, _ name: String) -> String {
        base.hasSuffix("/") ? base + name : base + "/" + name
    }

    /// The folder part of a path (`/a/b/c` -> `/a/b`).
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Whether environment variable `name` is set to one of `words` (compared in lower case).
    static func environmentFlag(_ name: String, isOneOf words: Set<String>) -> Bool {
        environment(name).map { words.contains($0.lowercased()) } ?? false
    }

    /// The value of an environment variable, or nil.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// This process's environment variables.
    static func environment() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let line = entry.pointee {
            let text = String(cString: line)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }

    /// The first `PATH` folder's `name` that is a file, or nil.
    static func onPath(_ name: String) -> String? {
        environment("PATH")?.split(separator: ":").map { String($0) + "/" + name }.first(where: isFile)
    }

    /// The folder for temporary files: `TMPDIR`, else `/tmp`.
    static var temporaryDirectory: String {
        environment("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    /// The working directory, or `/` when it cannot be read (removed, say).
    static var currentDirectory: String {
        guard let path = getcwd(nil, 0) else { return "/" }
        defer { free(path) }
        return String(cString: path)
    }

    /// Makes `path` and any missing parents (`mkdir -p`); new folders get `permissions`.
    /// Failures are left for the caller's next step on the path to report.
    static func makeDirectories(_ path: String, permissions: mode_t) {
        guard !path.isEmpty, !isDirectory(path) else { return }
        let parentPath = parent(path)
        if parentPath != path { makeDirectories(parentPath, permissions: permissions) }
        mkdir(path, permissions)
    }
}
