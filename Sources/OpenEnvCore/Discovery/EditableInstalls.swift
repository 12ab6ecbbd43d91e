/// What a search path's `.pth` files and setuptools editable finders add to Python's import
/// system: extra folders on the path, and import names mapped to source folders.
struct EditableInstalls {
    /// Folders the `.pth` files in the search path add (relative lines resolved against it).
    private(set) var pathEntries: [String] = []
    /// Import name -> source folder, from `__editable___*_finder.py` `MAPPING` tables.
    private(set) var mapping: [String: String] = [:]
    /// The files read, for change detection.
    private(set) var filesRead: [String] = []
    /// Files that could not be read or understood.
    private(set) var warnings: [DiscoveryWarning] = []

    /// Reads the `.pth` files and editable finders among `names` in `searchPath`.
    init(searchPath: String, names: [String]) {
        for name in names.sorted() {
            if name.hasSuffix(".pth") {
                readPathFile(FileSystem.join(searchPath, name), relativeTo: searchPath)
            } else if name.hasPrefix("__editable__") && name.hasSuffix("_finder.py") {
                readFinder(FileSystem.join(searchPath, name))
            }
        }
    }

    private mutating func text(of path: String) -> String? {
        filesRead.append(path)
        return warnings.readText(path, consequence: "its paths are ignored")
    }

    private mutating func readPathFile(_ path: String, relativeTo searchPath: String) {
        guard let text = text(of: path) else { return }
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhiteSpace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("import ") || line.hasPrefix("import\t") { continue }
            let entry = line.hasPrefix("/") ? line : FileSystem.join(searchPath, line)
            if FileSystem.isDirectory(entry) { pathEntries.append(entry) }
        }
    }

    /// Reads `MAPPING: dict[str, str] = {'name': '/path', ...}` from a setuptools finder.
    private mutating func readFinder(_ path: String) {
        guard let text = text(of: path) else { return }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MAPPING") }),
            let open = line.firstIndex(of: "{")
        else {
            warnings.append(DiscoveryWarning(path: path, message: "no MAPPING table found; its editable packages are ignored"))
            return
        }
        let literals = Self.pythonStringLiterals(in: line[open...])
        for pair in stride(from: 0, to: literals.count - 1, by: 2) {
            mapping[literals[pair]] = literals[pair + 1]
        }
    }

    /// The string literals of a one-line Python dict display, in order.
    static func pythonStringLiterals(in text: Substring) -> [String] {
        var literals: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let quote = text[index]
            guard quote == "'" || quote == "\"" else {
                index = text.index(after: index)
                continue
            }
            var literal = ""
            var cursor = text.index(after: index)
            while cursor < text.endIndex && text[cursor] != quote {
                if text[cursor] == "\\", text.index(after: cursor) < text.endIndex {
                    cursor = text.index(after: cursor)
                }
                literal.append(text[cursor])
                cursor = text.index(after: cursor)
            }
            literals.append(literal)
            index = cursor < text.endIndex ? text.index(after: cursor) : cursor
        }
        return literals
    }
}
