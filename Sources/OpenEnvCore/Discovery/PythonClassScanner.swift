#if canImport(Glibc)
import Glibc
#endif

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
        var source = source
        return source.withUTF8 { classes(in: $0) }
    }

    /// The classes of UTF-8 source. Lines are found with `memchr` and examined as bytes; only
    /// class headers become strings, which keeps large modules (a 70 kB client.py is common)
    /// cheap to skip.
    static func classes(in source: UnsafeBufferPointer<UInt8>) -> [PythonClassDeclaration] {
        var declarations: [PythonClassDeclaration] = []
        var insideTripleQuote: UInt8? = nil
        var pendingHeader: String? = nil
        forEachLine(of: source) { start, end in
            let codeEnd = find(UInt8(ascii: "#"), in: source, from: start, to: end) ?? end
            if let pending = pendingHeader {
                let header = pending + " " + text(source, start, codeEnd)
                if isComplete(header) {
                    if let declaration = parseHeader(header) { declarations.append(declaration) }
                    pendingHeader = nil
                } else {
                    pendingHeader = header
                }
                return
            }
            if let quote = insideTripleQuote {
                if tripleQuotes(of: quote, in: source, from: start, to: codeEnd) % 2 == 1 { insideTripleQuote = nil }
                return
            }
            for quote in [UInt8(ascii: "\""), UInt8(ascii: "'")] where tripleQuotes(of: quote, in: source, from: start, to: codeEnd) % 2 == 1 {
                insideTripleQuote = quote
            }
            guard insideTripleQuote == nil, hasPrefix(classKeyword, source, start, codeEnd) else { return }
            let header = text(source, start, codeEnd)
            if isComplete(header) {
                if let declaration = parseHeader(header) { declarations.append(declaration) }
            } else {
                pendingHeader = header
            }
        }
        return declarations
    }

    static func relativeImports(in source: String) -> [String: [String]] {
        var source = source
        return source.withUTF8 { relativeImports(in: $0) }
    }

    /// Names imported from a relative module in `__init__.py`-style source
    /// (`from .client import ParrotEnv` -> `["client": ["ParrotEnv"]]`).
    static func relativeImports(in source: UnsafeBufferPointer<UInt8>) -> [String: [String]] {
        var imports: [String: [String]] = [:]
        var joined = ""
        var open = false
        forEachLine(of: source) { start, end in
            let codeEnd = find(UInt8(ascii: "#"), in: source, from: start, to: end) ?? end
            if !open && !hasPrefix(relativeFrom, source, start, codeEnd) { return }
            let line = text(source, start, codeEnd)
            if open {
                joined += " " + line
                if line.contains(Character(")")) { open = false } else { return }
            } else {
                joined = line
                if line.contains(Character("(")) && !line.contains(Character(")")) { open = true; return }
            }
            let parts = joined.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            guard parts.count == 4, parts[2] == "import" else { return }
            let module = String(parts[1].dropFirst())
            let names = parts[3].filter { $0 != "(" && $0 != ")" }.split(separator: ",").compactMap { item -> String? in
                let name = item.split(separator: " ").first.map(String.init) ?? ""
                return name.isEmpty ? nil : name
            }
            imports[module, default: []].append(contentsOf: names)
        }
        return imports
    }

    private static let classKeyword = Array("class ".utf8)
    private static let relativeFrom = Array("from .".utf8)

    /// Calls `body` with the start and end offsets of every line (without its newline).
    private static func forEachLine(of source: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        guard let base = source.baseAddress else { return }
        var start = 0
        while start <= source.count {
            let end: Int
            if let newline = memchr(base + start, Int32(UInt8(ascii: "\n")), source.count - start) {
                end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
            } else {
                end = source.count
            }
            body(start, end)
            start = end + 1
        }
    }

    private static func find(_ byte: UInt8, in source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard start < end, let base = source.baseAddress, let hit = memchr(base + start, Int32(byte), end - start) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    private static func hasPrefix(_ prefix: [UInt8], _ source: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        end - start >= prefix.count && prefix.indices.allSatisfy { source[start + $0] == prefix[$0] }
    }

    private static func text(_ source: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: source[start..<end]), as: UTF8.self)
    }

    /// How many runs of three `quote` bytes the range holds.
    private static func tripleQuotes(of quote: UInt8, in source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var count = 0
        var index = start
        while let hit = find(quote, in: source, from: index, to: end) {
            if hit + 2 < end && source[hit + 1] == quote && source[hit + 2] == quote {
                count += 1
                index = hit + 3
            } else {
                index = hit + 1
            }
        }
        return count
    }

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

    private static func isComplete(_ header: String) -> Bool {
        var depth = 0
        for character in header {
            if character == "(" || character == "[" { depth += 1 }
            if character == ")" || character == "]" { depth -= 1 }
        }
        return depth <= 0 && header.contains(Character(":"))
    }

    private static func parseHeader(_ header: String) -> PythonClassDeclaration? {
        let afterKeyword = header.dropFirst("class ".count).drop { $0 == " " }
        let name = String(afterKeyword.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        guard !name.isEmpty else { return nil }
        let rest = afterKeyword.dropFirst(name.count).drop { $0 == " " }
        guard rest.first == "(", let close = rest.lastIndex(of: ")") else {
            return PythonClassDeclaration(name: name, bases: [])
        }
        let bases = splitTopLevel(rest[rest.index(after: rest.startIndex)..<close]).filter { !$0.contains(Character("=")) }
        return PythonClassDeclaration(name: name, bases: bases)
    }
}
