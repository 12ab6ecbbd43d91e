/// The stamps of the files and folders a piece of discovery depends on, taken when it was
/// computed: while every stamp is unchanged, the result still holds.
struct Fingerprint: Sendable, Equatable {
    /// Each path with its stamp; nil for a path that did not exist.
    private(set) var entries: [(path: String, stamp: FileStamp?)]

    /// Stamps every path now.
    init(paths: [String]) {
        entries = paths.uniqued().map { ($0, FileSystem.stamp($0)) }
    }

    init(entries: [(path: String, stamp: FileStamp?)]) {
        self.entries = entries
    }

    /// Adds the current stamps of `paths` not already present.
    mutating func add(_ paths: [String]) {
        for path in paths where !entries.contains(where: { $0.path == path }) {
            entries.append((path, FileSystem.stamp(path)))
        }
    }

    /// Whether every path still has the stamp it had.
    var isCurrent: Bool {
        entries.allSatisfy { FileSystem.stamp($0.path) == $0.stamp }
    }

    static func == (lhs: Fingerprint, rhs: Fingerprint) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.path == $1.path && $0.stamp == $1.stamp }
    }

    /// `[[path, modified, size, isDirectory] or [path], ...]`.
    var json: JSONValue {
        .array(entries.map { entry in
            guard let stamp = entry.stamp else { return [.string(entry.path)] }
            return [.string(entry.path), .integer(stamp.modified), .integer(stamp.size), .bool(stamp.isDirectory)]
        })
    }

    /// Reads the form written by ``json``.
    init?(json: JSONValue) {
        guard let items = json.arrayValue else { return nil }
        var entries: [(path: String, stamp: FileStamp?)] = []
        for item in items {
            guard let fields = item.arrayValue, let path = fields.first?.stringValue else { return nil }
            if fields.count == 4, case .integer(let modified) = fields[1], case .integer(let size) = fields[2],
                case .bool(let isDirectory) = fields[3]
            {
                entries.append((path, FileStamp(modified: modified, size: size, isDirectory: isDirectory)))
            } else if fields.count == 1 {
                entries.append((path, nil))
            } else {
                return nil
            }
        }
        self.entries = entries
    }
}
