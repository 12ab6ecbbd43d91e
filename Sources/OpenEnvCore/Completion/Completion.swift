/// A finished submitted request: the caller's tag and what came of it.
public struct Completion: Sendable {
    /// What a request gives back.
    public enum Value: Sendable {
        /// JSON text: a step result, a state, or a server's message.
        case json([UInt8])
        /// A session opened without blocking.
        case session(EnvSession)
    }

    /// The number the caller gave with the request.
    public let tag: UInt64
    /// The result, or why there is none.
    public let outcome: Result<Value, any Error>

    /// A completion of the request tagged `tag`.
    public init(tag: UInt64, outcome: Result<Value, any Error>) {
        self.tag = tag
        self.outcome = outcome
    }
}
