/// Why talking to an environment server failed below the level of OpenEnv messages.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The base URL cannot be used.
    case invalidURL(String, reason: String)
    /// No connection could be made.
    case connectionFailed(String, reason: String)
    /// None of several servers could be reached: each server's URL with why.
    case noServerReachable([String: String])
    /// The operation did not finish in time.
    case timedOut(String, seconds: Double)
    /// The server closed or dropped the connection.
    case connectionClosed(String)
    /// The connection was found dead between calls: the server went away while the session
    /// was idle, or stopped answering the keep-alive pings.
    case connectionLost(String)
    /// The server answered something the protocol does not allow.
    case protocolViolation(String)
    /// A message exceeded the configured maximum size.
    case messageTooLarge(size: Int, limit: Int)
    /// An HTTP route answered with an error status.
    case httpStatus(Int, route: String, body: String)
    /// The server refused the request without valid authorization (HTTP 401 or 403).
    case notAuthorized(String, status: Int)

    /// The reason a byte stream gives when the server ends the connection with nothing more
    /// said. Neutral on purpose: the same stream carries HTTP requests and WebSocket frames,
    /// and the WebSocket layer says it in its own words (``inWebSocketTerms``).
    static let endOfStream = "it hung up before the whole answer came (end of stream)"

    /// This error as the WebSocket layer reports it: a bare end of stream is a connection
    /// closed without a close frame.
    var inWebSocketTerms: TransportError {
        self == .connectionClosed(Self.endOfStream) ? .connectionClosed("the connection was closed without a close frame") : self
    }

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): return "invalid server URL \(quoted(url)): \(reason)"
        case .connectionFailed(let url, let reason):
            return "Server not available at \(url): cannot connect (\(reason)). Is the environment server running there?"
        case .noServerReachable(let servers):
            return "none of the \(servers.count) servers can be reached: "
                + servers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                + ". Are the environment servers running there?"
        case .timedOut(let operation, let seconds): return "\(operation) timed out after \(formatSeconds(seconds))"
        case .connectionClosed(let reason): return "the server closed the connection: \(reason)"
        case .connectionLost(let reason): return "the connection was lost \(reason); open a new session"
        case .protocolViolation(let reason): return "protocol error: \(reason)"
        case .messageTooLarge(let size, let limit):
            return "message of \(size) bytes exceeds the limit of \(limit) bytes; raise 'max_message_bytes' if it is expected"
        case .httpStatus(let status, let route, let body): return "\(route) answered HTTP \(status): \(body.prefix(500))"
        case .notAuthorized(let url, let status):
            return "\(url) answered HTTP \(status): not authorized. A private Hugging Face Space (https://NAME.hf.space) needs your token: "
                + "set HF_TOKEN (or log in with huggingface-cli); any other server (a base_url even when given with a Hub name) "
                + "gets a token only when given: the option bearer_token, or an Authorization header"
        }
    }
}

/// Seconds as a short human string (`2 s`, `0.25 s`).
func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() && abs(seconds) < 1e15 ? "\(Int(seconds)) s" : "\(seconds) s"
}
