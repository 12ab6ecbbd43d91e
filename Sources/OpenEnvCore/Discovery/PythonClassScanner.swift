/// A top-level `class` statement found in Python source.
struct PythonClassDeclaration: Equatable {
    /// The class name.
    var name: String
    /// The base expressions as written, e.g. `EnvClient[ParrotAction, ParrotObservation, State]`.
    var bases: [String]

    /// The last dotted component of each base without its subscript (`openenv.core.EnvClient[...]` -> `EnvClient`).
    var baseNames: [String] {
        bases.map { base in
            let head = base.prefix { $0 != "[" && $0 != "(" }
            return String(head.split(separator: ".").last ?? head).trimmingWhiteSpace()
        }
    }

    /// The subscript arguments of the first base named `baseName`
    /// (`EnvClient[A, B, C]` -> `["A", "B", "C"]`).
    func genericArguments(ofBaseNamed baseName: String) -> [String] {
        for (base, name) in zip(bases, baseNames) where name == baseName {
            guard let open = base.firstIndex(of: "["), let close = base.lastIndex(of: "]"), open < close else { return [] }
            return PythonClassScanner.splitTopLevel(base[base.index(after: open)..<close])
        }
        return []
    }
}

/// Reads class declarations from Python source text without running it.
///
/// Only statements at column 0 count (top-level classes); text inside triple-quoted strings
/// and after `#` is ignored; a header may span lines until its parentheses close.
enum PythonClassScanner {
    static func classes(in source: String) -> [PythonClassDeclaration] {
        var declarations: [PythonClassDeclaration] = []
        var insideTripleQuote: [UInt8]? = nil
        var pendingHeader: String? = nil
        // Lines are scanned as UTF-8 bytes; only class headers become strings, which keeps
        // large modules (a 70 kB client.py is common) cheap to skip.
        for line in source.utf8.split(separator: newline, omittingEmptySubsequences: false) {
            let code = withoutComment(line)
            if let pending = pendingHeader {
                let header = pending + " " + String(decoding: code, as: UTF8.self)
                if isComplete(header) {
                    if let declaration = parseHeader(header) { declarations.append(declaration) }
                    pendingHeader = nil
                } else {
                    pendingHeader = header
                }
                continue
            }
            if let quote = insideTripleQuote {
                if occurrences(of: quote, in: code) % 2 == 1 { insideTripleQuote = nil }
                continue
            }
            for quote in tripleQuotes where occurrences(of: quote, in: code) % 2 == 1 {
                insideTripleQuote = quote
            }
            guard insideTripleQuote == nil, code.starts(with: classKeyword) else { continue }
            let header = String(decoding: code, as: UTF8.self)
            if isComplete(header) {
                if let declaration = parseHeader(header) { declarations.append(declaration) }
            } else {
                pendingHeader = header
            }
        }
        return declarations
    }

    /// Names imported from a relative module in `__init__.py`-style source
    /// (`from .client import ParrotEnv` -> `["client": ["ParrotEnv"]]`).
    static func relativeImports(in source: String) -> [String: [String]] {
        var imports: [String: [String]] = [:]
        var joined = ""
        var open = false
        for rawLine in source.utf8.split(separator: newline) {
            let bytes = withoutComment(rawLine)
            if !open && !bytes.starts(with: relativeFrom) { continue }
            let line = String(decoding: bytes, as: UTF8.self)
            if open {
                joined += " " + line
                if line.contains(")") { open = false } else { continue }
            } else {
                joined = line
                if line.contains("(") && !line.contains(")") { open = true; continue }
            }
            let parts = joined.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            guard parts.count == 4, parts[2] == "import" else { continue }
            let module = String(parts[1].dropFirst())
            let names = parts[3].filter { $0 != "(" && $0 != ")" }.split(separator: ",").compactMap { item -> String? in
                let name = item.split(separator: " ").first.map(String.init) ?? ""
                return name.isEmpty ? nil : name
            }
            imports[module, default: []].append(contentsOf: names)
        }
        return imports
    }

    private static let newline = UInt8(ascii: "\n")
    private static let classKeyword = Array("class ".utf8)
    private static let relativeFrom = Array("from .".utf8)
    private static let tripleQuotes = [Array("\"\"\"".utf8), Array("'''".utf8)]

    /// Splits on commas that are not inside brackets or parentheses.
    static func splitTopLevel<S: StringProtocol>(_ text: S) -> [String] {
        var parts: [String] = []
        var depth = 0
        var current = ""
        for character in text {
            switch character {
            case "[", "(", "{": depth += 1; current.append(character)
            case "]", ")", "}": depth -= 1; current.append(character)
            case "," where depth == 0:
                parts.append(current.trimmingWhiteSpace())
                current = ""
            default: current.append(character)
            }
        }
        let last = current.trimmingWhiteSpace()
        if !last.isEmpty { parts.append(last) }
        return parts
    }

    private static func withoutComment(_ line: Substring.UTF8View) -> Substring.UTF8View {
        guard let hash = line.firstIndex(of: UInt8(ascii: "#")) else { return line }
        return line[..<hash]
    }

    private static func occurrences(of needle: [UInt8], in line: Substring.UTF8View) -> Int {
        guard line.count >= needle.count else { return 0 }
        var count = 0
        var index = line.startIndex
        while let candidate = line[index...].firstIndex(of: needle[0]) {
            if line[candidate...].starts(with: needle) {
                count += 1
                index = line.index(candidate, offsetBy: needle.count)
            } else {
                index = line.index(after: candidate)
            }
        }
        return count
    }

    private static func isComplete(_ header: String) -> Bool {
        var depth = 0
        for character in header {
            if character == "(" || character == "[" { depth += 1 }
            if character == ")" || character == "]" { depth -= 1 }
        }
        return depth <= 0 && header.contains(":")
    }

    private static func parseHeader(_ header: String) -> PythonClassDeclaration? {
        let afterKeyword = header.dropFirst("class ".count).drop { $0 == " " }
        let name = String(afterKeyword.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        guard !name.isEmpty else { return nil }
        let rest = afterKeyword.dropFirst(name.count).drop { $0 == " " }
        guard rest.first == "(", let close = rest.lastIndex(of: ")") else {
            return PythonClassDeclaration(name: name, bases: [])
        }
        let bases = splitTopLevel(rest[rest.index(after: rest.startIndex)..<close]).filter { !$0.contains("=") }
        return PythonClassDeclaration(name: name, bases: bases)
    }
}
