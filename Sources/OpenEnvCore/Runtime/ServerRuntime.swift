/// A running environment server that this process started and must stop.
public protocol ServerRuntime: AnyObject, Sendable {
    /// Where the server answers.
    var baseURL: String { get }
    /// Stops the server (idempotent).
    func stop()
}

/// Waits until the server at `baseURL` answers `/health`, or fails with what went wrong.
/// `hasExited` reports a dead server early; `output` supplies its last printed lines.
func waitUntilHealthy(
    _ baseURL: String, timeout: Double, hasExited: () -> Int32?, output: () -> String
) throws(RuntimeError) {
    let deadline = Deadline(seconds: timeout)
    guard let address = try? ServerAddress(baseURL) else { throw .invalidOption("invalid server URL \(baseURL)") }
    while true {
        if let status = hasExited() { throw .exitedEarly(status: status, output: output()) }
        if (try? HTTPClient.getJSON(address, route: "/health", timeout: 2, maximumSize: 1 << 20)) != nil { return }
        guard deadline.remainingMilliseconds > 0 else { throw .notHealthy(url: baseURL, seconds: timeout, output: output()) }
        usleep(100_000)
    }
}

#if canImport(Glibc)
import Glibc
#endif
