/// Why an environment server could not be started or reached.
public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server process could not be started at all.
    case launchFailed(String)
    /// The server exited before it became healthy; `output` is the end of what it printed.
    case exitedEarly(status: Int32, output: String)
    /// The server did not answer `/health` within the wait time.
    case notHealthy(url: String, seconds: Double, output: String)
    /// Docker is needed but not usable.
    case dockerUnavailable(String)
    /// A runtime option is malformed.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .launchFailed(let reason): return "cannot start the environment server: \(reason)"
        case .exitedEarly(let status, let output):
            return "the environment server exited with status \(status) before it became healthy. Its last output:\n\(output)"
        case .notHealthy(let url, let seconds, let output):
            return "the environment server at \(url) did not become healthy within \(formatSeconds(seconds)) (raise wait_timeout if it starts slowly). Its last output:\n\(output)"
        case .dockerUnavailable(let reason): return reason
        case .invalidOption(let reason): return reason
        }
    }
}
