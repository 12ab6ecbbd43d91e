/// Discovery settings given as JSON by the C ABI and the Python binding:
/// `{"search_paths": [..], "use_cache": true, "cache_dir": ".."}`, every key optional.
public struct DiscoveryOptions: Sendable, Equatable {
    public var searchPaths: [String]?
    public var usesCache = true
    public var cacheDirectory: String?

    /// Default settings: default search paths, cache on.
    public init() {}

    /// The keys the JSON form accepts.
    public static let keys = ["search_paths", "use_cache", "cache_dir"]

    /// Why an options document was refused.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads the JSON form; unknown keys and wrong types are refused with a message naming them.
    public init(json: JSONValue) throws(Invalid) {
        guard let object = json.objectValue else {
            throw Invalid(description: "options must be a JSON object such as {\"search_paths\": [\"/path/site-packages\"]}")
        }
        for key in object.keys where !Self.keys.contains(key) {
            throw Invalid(description: "unknown option \(quoted(key)); known options: \(Self.keys.joined(separator: ", "))")
        }
        switch object["search_paths"] {
        case nil, .null?: break
        case .array(let items)?:
            searchPaths = try items.map { item throws(Invalid) -> String in
                guard let path = item.stringValue else { throw Invalid(description: "option 'search_paths' must be a list of strings") }
                return path
            }
        default: throw Invalid(description: "option 'search_paths' must be a list of strings")
        }
        switch object["use_cache"] {
        case nil, .null?: break
        case .bool(let flag)?: usesCache = flag
        default: throw Invalid(description: "option 'use_cache' must be true or false")
        }
        switch object["cache_dir"] {
        case nil, .null?: break
        case .string(let path)?: cacheDirectory = path
        default: throw Invalid(description: "option 'cache_dir' must be a string")
        }
    }

    /// The discovery these options describe.
    public var discovery: Discovery {
        Discovery(searchPaths: searchPaths, usesCache: usesCache, cacheDirectory: cacheDirectory)
    }
}
