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
        let node: YAMLNode?
        do {
            node = try YAMLReader.compose(text)
        } catch {
            throw Invalid(reason: "not valid YAML: \(error)")
        }
        guard let node else {
            throw Invalid(reason: "the file is empty")
        }
        guard case .mapping(let pairs) = node else {
            throw Invalid(reason: "expected a mapping of keys such as 'name' and 'app' at the top level")
        }
        raw = node.json
        func string(_ key: String) -> String? {
            guard let text = pairs.last(where: { $0.key.text == key })?.value.text, !text.isEmpty else { return nil }
            return text
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
}
