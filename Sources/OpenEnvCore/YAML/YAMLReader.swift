import CYAML

/// Reads YAML with libyaml, the C parser behind PyYAML's fast loader (which the reference
/// reads `openenv.yaml` with). Yams would be the usual choice, but it builds on Foundation,
/// which brings ICU into the shipped library: 76 MB with Yams against 9.3 MB without
/// (benchmarks/RESULTS.md, "Shipped library").
enum YAMLReader {
    /// Why a text is not a YAML document this reader accepts.
    struct Failure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// Deepest nesting accepted; manifests are two or three levels deep.
    static let maximumDepth = 64
    /// Most nodes a document may expand to once aliases are resolved; stops "billion laughs"
    /// documents, whose aliases multiply a few lines into billions of nodes.
    static let maximumNodes = 100_000
    /// Largest text read. Manifests are a few hundred bytes.
    static let maximumSize = 1 << 16
    /// Most `[` and `{` a text may hold. libyaml's time grows with the square of the flow
    /// nesting (measured: 16,000 levels 0.6 s, 32,000 levels 2.4 s, two million never ended),
    /// so a broken or hostile manifest could stall discovery; 4,096 take a few milliseconds.
    static let maximumFlowOpenings = 4096

    /// The first document of `text`, or nil when the text holds none (empty, or comments only).
    static func compose(_ text: String) throws(Failure) -> YAMLNode? {
        guard text.utf8.count <= maximumSize else { throw Failure(reason: "larger than \(maximumSize) bytes") }
        let openings = text.utf8.reduce(0) { count, byte in byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") ? count + 1 : count }
        guard openings <= maximumFlowOpenings else {
            throw Failure(reason: "more than \(maximumFlowOpenings) '[' and '{' (\(openings)); a manifest needs far fewer")
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw Failure(reason: "libyaml cannot start (out of memory)") }
        defer { yaml_parser_delete(&parser) }
        var document = yaml_document_t()
        // NUL-terminated, so even an empty text has a buffer to point at.
        let bytes = text.utf8CString
        let loaded = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt8.self) { input in
                yaml_parser_set_input_string(&parser, input.baseAddress, input.count - 1)
                return yaml_parser_load(&parser, &document)
            }
        }
        guard loaded == 1 else { throw Failure(reason: problem(of: parser)) }
        defer { yaml_document_delete(&document) }
        guard yaml_document_get_root_node(&document) != nil else { return nil }
        var budget = maximumNodes
        return try node(1, in: &document, depth: 1, budget: &budget)
    }

    /// Node `index` of `document` (1-based, as libyaml numbers them) and everything under it.
    private static func node(_ index: Int32, in document: inout yaml_document_t, depth: Int, budget: inout Int) throws(Failure) -> YAMLNode {
        guard depth <= maximumDepth else { throw Failure(reason: "nesting deeper than \(maximumDepth) levels") }
        budget -= 1
        guard budget >= 0 else { throw Failure(reason: "more than \(maximumNodes) nodes once aliases are expanded") }
        let node = yaml_document_get_node(&document, index)!.pointee
        switch node.type {
        case YAML_SEQUENCE_NODE:
            let items = node.data.sequence.items
            var children: [YAMLNode] = []
            var item = items.start
            while let current = item, current != items.top {
                children.append(try self.node(current.pointee, in: &document, depth: depth + 1, budget: &budget))
                item = current + 1
            }
            return .sequence(children)
        case YAML_MAPPING_NODE:
            let pairs = node.data.mapping.pairs
            var children: [YAMLPair] = []
            var pair = pairs.start
            while let current = pair, current != pairs.top {
                let key = try self.node(current.pointee.key, in: &document, depth: depth + 1, budget: &budget)
                let value = try self.node(current.pointee.value, in: &document, depth: depth + 1, budget: &budget)
                children.append(YAMLPair(key: key, value: value))
                pair = current + 1
            }
            return .mapping(children)
        default:
            let scalar = node.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            return .scalar(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE)
        }
    }

    /// libyaml's account of a failure: what, where, and in what.
    private static func problem(of parser: yaml_parser_t) -> String {
        let what = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
        var text = "\(what) at line \(parser.problem_mark.line + 1), column \(parser.problem_mark.column + 1)"
        if let context = parser.context { text += " (\(String(cString: context)))" }
        return text
    }
}
