/// Everything `from_env` / `from_hub` accept, as one JSON object (every key optional):
/// discovery keys (`search_paths`, `use_cache`, `cache_dir`), session keys
/// (`connect_timeout`, `message_timeout`, `max_message_bytes`, `ca_file`), and
/// `base_url` (connect to a running server), `docker_image` (run this image),
/// `runtime` (`"process"`, the default, or `"docker"`), `container_engine` (the container
/// command, see `ContainerEngine`), `wait_timeout` (seconds, default 30),
/// `env_vars` (an object of strings for the server), `python` (the interpreter to serve with
/// and to install Hub packages into), `trust_remote_code` (consent to install a Space's code).
public struct LaunchOptions: Sendable {
    public var discovery = DiscoveryOptions()
    public var session = SessionOptions()
    public var baseURL: String?
    public var dockerImage: String?
    public var useDocker = false
    /// The container command (`docker`, `podman`, or a path); nil: see `ContainerEngine.resolve`.
    public var containerEngine: String?
    public var waitTimeout: Double = 30
    public var environmentVariables: [String: String] = [:]
    public var python: String?
    public var trustRemoteCode = false

    /// The defaults: a local server process, 30 s to become healthy.
    public init() {}

    static let ownKeys = ["base_url", "docker_image", "container_engine", "runtime", "wait_timeout", "env_vars", "python", "trust_remote_code"]

    /// Reads the JSON form, refusing unknown keys and bad values with a message naming them.
    public init(json: JSONValue) throws(RuntimeError) {
        guard let object = json.objectValue else { throw .invalidOption("options must be a JSON object") }
        let known = Self.ownKeys + DiscoveryOptions.keys + SessionOptions.keys
        for key in object.keys where !known.contains(key) {
            throw .invalidOption("unknown option \(quoted(key)); known options: \(known.joined(separator: ", "))")
        }
        func subset(_ keys: [String]) -> JSONValue {
            .object(JSONObject(object.members.filter { keys.contains($0.key) }.map { ($0.key, $0.value) }))
        }
        do {
            discovery = try DiscoveryOptions(json: subset(DiscoveryOptions.keys))
        } catch {
            throw .invalidOption(error.description)
        }
        do {
            session = try SessionOptions(json: subset(SessionOptions.keys))
        } catch {
            throw .invalidOption(error.description)
        }
        func string(_ key: String) throws(RuntimeError) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw .invalidOption("option '\(key)' must be a string")
            }
        }
        baseURL = try string("base_url")
        dockerImage = try string("docker_image")
        containerEngine = try string("container_engine")
        python = try string("python")
        switch try string("runtime") {
        case nil, "process"?: useDocker = dockerImage != nil
        case "docker"?: useDocker = true
        case let other?: throw .invalidOption("option 'runtime' must be \"process\" or \"docker\", not '\(other)'")
        }
        switch object["wait_timeout"] {
        case nil, .null?: break
        case .integer(let value)? where value > 0: waitTimeout = Double(value)
        case .double(let value)? where value > 0 && value.isFinite: waitTimeout = value
        default: throw .invalidOption("option 'wait_timeout' must be a positive number of seconds")
        }
        switch object["trust_remote_code"] {
        case nil, .null?: break
        case .bool(let flag)?: trustRemoteCode = flag
        default: throw .invalidOption("option 'trust_remote_code' must be true or false")
        }
        switch object["env_vars"] {
        case nil, .null?: break
        case .object(let variables)?:
            for (name, value) in variables.members {
                guard let text = value.stringValue else { throw .invalidOption("env_vars['\(name)'] must be a string") }
                environmentVariables[name] = text
            }
        default: throw .invalidOption("option 'env_vars' must be an object of strings")
        }
    }
}
