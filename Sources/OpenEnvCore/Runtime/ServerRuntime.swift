/// A running environment server that this process started and must stop.
public protocol ServerRuntime: AnyObject, Sendable {
    /// Where the server answers.
    var baseURL: String { get }
    /// Stops the server (idempotent).
    func stop()
}

/// Waits until the server at `baseURL` answers `/health` (asked every `interval` seconds), or
/// fails with what went wrong. `check` throws when the server is known dead (reported at once,
/// not at the deadline); `output` supplies its last printed lines.
func waitUntilHealthy(
    _ baseURL: String, timeout: Double, interval: Double = 0.1, check: () throws(RuntimeError) -> Void, output: () -> String
) throws(RuntimeError) {
    let deadline = Deadline(seconds: timeout)
    guard let address = try? ServerAddress(baseURL) else { throw .invalidOption("invalid server URL \(baseURL)") }
    while true {
        try check()
        if (try? HTTPClient.getJSON(address, route: "/health", timeout: 2, maximumSize: 1 << 20)) != nil { return }
        guard deadline.remainingMilliseconds > 0 else { throw .notHealthy(url: baseURL, seconds: timeout, output: output()) }
        usleep(useconds_t(interval * 1_000_000))
    }
}

#if canImport(Glibc)
import Glibc
#endif
