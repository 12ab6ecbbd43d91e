/// Why an environment server could not be started or reached.
public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server process could not be started at all.
    case launchFailed(String)
    /// The server exited before it became healthy; `output` is the end of what it printed.
    case exitedEarly(status: Int32, output: String)
    /// The server did not answer `/health` within the wait time.
    case notHealthy(url: String, seconds: Double, output: String)
    /// No container engine is installed (none on PATH, or the one named is missing).
    case noContainerEngine(String)
    /// A container engine is installed but does not answer (no daemon behind the CLI).
    case containerEngineNotAnswering(String)
    /// The image is neither present nor could it be pulled; `reason` is the engine's word.
    case imageMissing(image: String, reason: String)
    /// The container stopped before its server became healthy: its exit code and last log lines.
    case containerStopped(container: String, image: String, exitCode: Int32, log: String)
    /// A runtime option is malformed.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .launchFailed(let reason): return "cannot start the environment server: \(reason)"
        case .exitedEarly(let status, let output):
            return "the environment server exited with status \(status) before it became healthy. Its last output:\n\(output)"
        case .notHealthy(let url, let seconds, let output):
            return "the environment server at \(url) did not become healthy within \(formatSeconds(seconds)) (raise wait_timeout if it starts slowly). Its last output:\n\(output)"
        case .noContainerEngine(let reason), .containerEngineNotAnswering(let reason): return reason
        case .imageMissing(let image, let reason):
            return "the image \(image) is not present and could not be pulled: \(reason). Build or load it (e.g. `openenv build`), or name another with docker_image"
        case .containerStopped(let container, let image, let exitCode, let log):
            return "the container \(container.prefix(12)) of image \(image) stopped with exit code \(exitCode) before its server became healthy. Its last log lines:\n\(log)"
        case .invalidOption(let reason): return reason
        }
    }
}
