/// Why a byte sequence is not a JSON document, and where the parser gave up.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The zero-based byte offset of the first byte the parser could not accept.
    public let offset: Int
    /// What was wrong at that offset.
    public let reason: String

    public var description: String {
        "invalid JSON at byte \(offset): \(reason)"
    }
}
