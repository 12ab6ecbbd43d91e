#if canImport(Glibc)
import Glibc
#endif

/// Search path scans saved on disk, one file per folder, so a later process reuses every
/// folder that has not changed and rescans only those that have.
///
/// Files live in `OPENENV_SWIFT_CACHE_DIR`, else `$XDG_CACHE_HOME/openenv-swift`, else
/// `~/.cache/openenv-swift`, else (no `HOME`) `$TMPDIR/openenv-swift-<uid>`; a file is reused only
/// while every stamp it recorded still holds. Since a cache entry decides which module is
/// imported and which interpreter serves, the folder is used only when it is this user's own
/// (``PrivateFolder``): otherwise nothing is read from it or written to it, and saving says why.
struct DiscoveryCache: Sendable {
    /// Bumped whenever the scan's rules or the file layout change, so old files are ignored.
    static let formatVersion: Int64 = 2

    let directory: String

    /// The cache in `directory`, or in the default folder when nil.
    init(directory: String? = nil) {
        self.directory = directory ?? Self.defaultDirectory()
    }

    static func defaultDirectory() -> String {
        if let explicit = FileSystem.environment("OPENENV_SWIFT_CACHE_DIR"), !explicit.isEmpty { return explicit }
        if let xdg = FileSystem.environment("XDG_CACHE_HOME"), !xdg.isEmpty { return FileSystem.join(xdg, "openenv-swift") }
        if let home = FileSystem.environment("HOME"), !home.isEmpty { return FileSystem.join(home, ".cache/openenv-swift") }
        return FileSystem.join(FileSystem.temporaryDirectory, "openenv-swift-\(geteuid())")
    }

    /// The file that holds the scan of `searchPath`.
    func file(for searchPath: String) -> String {
        FileSystem.join(directory, "path-\(Self.hash(searchPath)).json")
    }

    /// FNV-1a, 64 bits, as 16 hex digits: a stable file name for a folder.
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The saved scan of `searchPath`, if it exists, is readable, and nothing it depends on changed.
    func load(_ searchPath: String) -> SearchPathScan? {
        guard PrivateFolder.problem(with: directory) == nil, let bytes = try? FileSystem.read(file(for: searchPath)), let json = try? JSONParser().parse(bytes),
            case .integer(Self.formatVersion)? = json["format"], let scan = SearchPathScan(json: json),
            scan.path == searchPath, scan.fingerprint.isCurrent
        else { return nil }
        return scan
    }

    /// Saves a scan. A failure (a read-only or full disk, a path that is not a folder) costs
    /// only time, so it is returned as a warning, never thrown.
    func store(_ scan: SearchPathScan) -> DiscoveryWarning? {
        guard case .object(var document) = scan.json else { return nil }
        document["format"] = .integer(Self.formatVersion)
        FileSystem.makeDirectories(directory, permissions: 0o700)
        // A folder that is there but not the caller's own; no folder at all is the failure to write below.
        if FileSystem.isDirectory(directory), let problem = PrivateFolder.problem(with: directory) {
            return DiscoveryWarning(path: directory, message: "the discovery cache is not used: \(problem), so another user could change "
                + "what it says; discovery works without it, rescanning in each new process. Set OPENENV_SWIFT_CACHE_DIR to a folder of your own to keep it")
        }
        let target = file(for: scan.path)
        let temporary = target + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let bytes = JSONValue.object(document).serializedBytes()
        let descriptor = PrivateFolder.createExclusively(temporary)
        var problem: String?
        if descriptor < 0 {
            problem = String(cString: strerror(errno))
        } else {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written != bytes.count { problem = written < 0 ? String(cString: strerror(errno)) : "the disk is full" }
            if close(descriptor) != 0 && problem == nil { problem = String(cString: strerror(errno)) }
            if problem == nil && rename(temporary, target) != 0 { problem = String(cString: strerror(errno)) }
            if problem != nil { unlink(temporary) }
        }
        guard let problem else { return nil }
        return DiscoveryWarning(path: directory, message: "the discovery cache cannot be written (\(problem)); discovery works without it, "
            + "rescanning in each new process. Set OPENENV_SWIFT_CACHE_DIR to a writable folder to keep it")
    }
}
