import Foundation

/// A discovery result saved on disk with the stamps of every path it depends on, so a later
/// process can reuse it, and never reuses it once anything it depends on has changed.
///
/// One file per set of search paths (so virtualenvs never share an answer), in
/// `OPENENV_SWIFT_CACHE_DIR`, else `$XDG_CACHE_HOME/openenv-swift`, else
/// `~/.cache/openenv-swift`.
struct DiscoveryCache {
    /// The stamp of a watched path when the scan ran; nil for a path that did not exist.
    struct Fingerprint: Equatable {
        var entries: [(path: String, stamp: FileStamp?)]

        /// Stamps every path now.
        init(paths: [String]) {
            entries = paths.uniqued().map { ($0, FileSystem.stamp($0)) }
        }

        fileprivate init(entries: [(path: String, stamp: FileStamp?)]) {
            self.entries = entries
        }

        /// Whether every path still has the stamp it had.
        var isCurrent: Bool {
            entries.allSatisfy { FileSystem.stamp($0.path) == $0.stamp }
        }

        static func == (lhs: Fingerprint, rhs: Fingerprint) -> Bool {
            lhs.entries.count == rhs.entries.count
                && zip(lhs.entries, rhs.entries).allSatisfy { $0.path == $1.path && $0.stamp == $1.stamp }
        }
    }

    /// Bumped whenever the scan's rules or the file layout change, so old files are ignored.
    static let formatVersion: Int64 = 1

    let file: String

    /// The cache file for these search paths, in `directory` or the default folder.
    init(searchPaths: [String], directory: String? = nil) {
        let folder = directory ?? Self.defaultDirectory()
        file = FileSystem.join(folder, "discovery-\(Self.hash(searchPaths.joined(separator: "\u{0}"))).json")
    }

    static func defaultDirectory() -> String {
        if let explicit = FileSystem.environment("OPENENV_SWIFT_CACHE_DIR"), !explicit.isEmpty { return explicit }
        if let xdg = FileSystem.environment("XDG_CACHE_HOME"), !xdg.isEmpty { return FileSystem.join(xdg, "openenv-swift") }
        if let home = FileSystem.environment("HOME"), !home.isEmpty { return FileSystem.join(home, ".cache/openenv-swift") }
        return "/tmp/openenv-swift-\(getuid())"
    }

    /// FNV-1a, 64 bits, as 16 hex digits: a stable file name for a set of search paths.
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The saved result, if the file exists, is readable, and nothing it depends on changed.
    func load() -> (DiscoveryResult, Fingerprint)? {
        guard let bytes = try? FileSystem.read(file), let json = try? JSONParser().parse(bytes),
            case .integer(Self.formatVersion)? = json["format"],
            let watched = json["watched"]?.arrayValue,
            let environments = json["environments"]?.arrayValue,
            let warnings = json["warnings"]?.arrayValue
        else { return nil }
        var entries: [(path: String, stamp: FileStamp?)] = []
        for entry in watched {
            guard let fields = entry.arrayValue, let path = fields.first?.stringValue else { return nil }
            if fields.count == 4, case .integer(let modified) = fields[1], case .integer(let size) = fields[2],
                case .bool(let isDirectory) = fields[3]
            {
                entries.append((path, FileStamp(modified: modified, size: size, isDirectory: isDirectory)))
            } else {
                entries.append((path, nil))
            }
        }
        let fingerprint = Fingerprint(entries: entries)
        guard fingerprint.isCurrent else { return nil }
        let infos = environments.compactMap(EnvironmentInfo.init(json:))
        guard infos.count == environments.count else { return nil }
        return (DiscoveryResult(environments: infos, warnings: warnings.compactMap(DiscoveryWarning.init(json:))), fingerprint)
    }

    /// Saves a result; failures are ignored, since the cache only saves time.
    func store(_ result: DiscoveryResult, fingerprint: Fingerprint) {
        let watched: [JSONValue] = fingerprint.entries.map { entry in
            guard let stamp = entry.stamp else { return [.string(entry.path)] }
            return [.string(entry.path), .integer(stamp.modified), .integer(stamp.size), .bool(stamp.isDirectory)]
        }
        let document: JSONValue = [
            "format": .integer(Self.formatVersion),
            "watched": .array(watched),
            "environments": .array(result.environments.map(\.json)),
            "warnings": .array(result.warnings.map(\.json)),
        ]
        let folder = FileSystem.parent(file)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = file + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(document.serializedBytes())) else { return }
        if rename(temporary, file) != 0 { unlink(temporary) }
    }
}
