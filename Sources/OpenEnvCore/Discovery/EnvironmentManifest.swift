import Yams

/// An environment's `openenv.yaml`.
struct EnvironmentManifest: Equatable {
    var name: String?
    var specVersion: Int?
    var description: String?
    var version: String?
    var action: String?
    var observation: String?
    var app: String?
    var port: Int?
    var type: String?
    var runtime: String?
    /// Every key of the file, as JSON, for callers that want more than the known keys.
    var raw: JSONValue

    /// Why a manifest could not be used.
    struct Invalid: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// Parses manifest text; a document that is not a YAML mapping is invalid.
    init(yaml text: String) throws(Invalid) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw Invalid(reason: "not valid YAML: \(error)")
        }
        guard let node else {
            throw Invalid(reason: "the file is empty")
        }
        guard case .mapping(let mapping) = node else {
            throw Invalid(reason: "expected a mapping of keys such as 'name' and 'app' at the top level")
        }
        raw = Self.json(from: node)
        func string(_ key: String) -> String? {
            guard let value = mapping[key], case .scalar(let scalar) = value, !scalar.string.isEmpty else { return nil }
            return scalar.string
        }
        name = string("name")
        description = string("description")
        version = string("version")
        action = string("action")
        observation = string("observation")
        app = string("app")
        type = string("type")
        runtime = string("runtime")
        specVersion = string("spec_version").flatMap { Int($0) }
        port = string("port").flatMap { Int($0) }
    }

    /// YAML converted to JSON with YAML 1.2 core scalar typing (ints, floats, bools, null).
    private static func json(from node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain { return .string(scalar.string) }
            if let flag = Bool.construct(from: scalar) { return .bool(flag) }
            if let number = Int.construct(from: scalar) { return .integer(Int64(number)) }
            if let number = Double.construct(from: scalar) { return .double(number) }
            if YAMLNull.isNull(scalar) { return .null }
            return .string(scalar.string)
        case .mapping(let mapping):
            return .object(JSONObject(mapping.map { key, value in (key.string ?? "\(key)", json(from: value)) }))
        case .sequence(let sequence):
            return .array(sequence.map { json(from: $0) })
        case .alias:
            return .null
        }
    }
}

/// YAML's null spellings.
private enum YAMLNull {
    static func isNull(_ scalar: Node.Scalar) -> Bool {
        ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
