/// Where the server of a `from_env` call comes from, decided before anything is started.
public enum LaunchPlan: Sendable, Equatable {
    /// A server that is already running: an explicit `base_url`, or a Hub Space that answers.
    case connect(baseURL: String)
    /// A container of this image (run by Docker, or by the caller's container provider).
    case container(image: String)
    /// A local server process of this installed environment.
    case localProcess(EnvironmentInfo)

    /// The JSON form: `{"base_url": ...}`, `{"image": ...}` or `{"local_process": env_key}`.
    public var json: JSONValue {
        switch self {
        case .connect(let baseURL): return ["base_url": .string(baseURL)]
        case .container(let image): return ["image": .string(image)]
        case .localProcess(let environment): return ["local_process": .string(environment.envKey)]
        }
    }
}
