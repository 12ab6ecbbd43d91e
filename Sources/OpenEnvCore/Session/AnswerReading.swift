/// How far a session reads an answer before handing it on.
enum AnswerReading: Sendable {
    /// Not at all: any text message comes back as received, an error message too (for a
    /// client that keeps its own protocol logic).
    case asReceived
    /// Its syntax and `type` are checked, but it is not built: the result is its text.
    case checked
    /// It is checked and built into a `JSONValue`, which the result is made from.
    case parsed
}
