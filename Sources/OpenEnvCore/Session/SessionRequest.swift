/// One request on a session, as the blocking calls and the I/O loop both send it.
public enum SessionRequest: Sendable {
    /// Starts an episode with the environment's reset arguments.
    case reset(JSONObject)
    /// Sends one action (its fields).
    case step(JSONObject)
    /// Asks for the environment's state.
    case state
    /// Sends a message as it is: a JSON object whose `type` the caller chose (`mcp`, or a
    /// package's own). The answer is the server's whole message, as the server wrote it.
    case message(frame: [UInt8], type: String)
    /// Sends a text message as it is, unchecked; the answer is the server's next message as
    /// received, whatever it holds (an error message too, never turned into a failure). For a
    /// client that keeps its own protocol logic and uses the engine as its WebSocket.
    case text([UInt8])

    /// A raw message from its JSON text, checked to be an object with a string `type`.
    public static func message(json bytes: [UInt8]) throws(SessionError) -> SessionRequest {
        let type: String?
        do {
            type = try JSONParser().messageType(of: bytes)
        } catch {
            throw .invalidArgument("the message is not valid JSON (\(error)); send an object such as {\"type\": \"state\"}")
        }
        guard let type else {
            throw .invalidArgument("a message must be a JSON object with a string \"type\", such as {\"type\": \"state\"}")
        }
        return .message(frame: bytes, type: type)
    }

    /// The message's type, for errors and the answer check.
    var type: String {
        switch self {
        case .reset: return "reset"
        case .step: return "step"
        case .state: return "state"
        case .message(_, let type): return type
        case .text: return "text message"
        }
    }

    /// How far the answer is read: a raw message's result is the answer's text, so it is
    /// checked but not built; a text message's is not even checked.
    var answerReading: AnswerReading {
        switch self {
        case .reset, .step, .state: return .parsed
        case .message: return .checked
        case .text: return .asReceived
        }
    }

    /// The answer's expected type; nil accepts any but `error`.
    var expecting: String? {
        switch self {
        case .reset, .step: return "observation"
        case .state: return "state"
        case .message, .text: return nil
        }
    }

    /// The text frame to send.
    var frame: [UInt8] {
        switch self {
        case .reset(let fields): return JSONValue.object(["type": "reset", "data": .object(fields)]).serializedBytes()
        case .step(let fields): return JSONValue.object(["type": "step", "data": .object(fields)]).serializedBytes()
        case .state: return Array(#"{"type":"state"}"#.utf8)
        case .message(let frame, _), .text(let frame): return frame
        }
    }

    /// The result as JSON text from a checked answer (`answer` parsed, `bytes` as received):
    /// `{"observation", "reward", "done"}` for reset and step, the state object for state, the
    /// whole message for a raw message.
    func result(answer: JSONValue, bytes: [UInt8]) throws(SessionError) -> [UInt8] {
        switch self {
        case .reset, .step: return try StepResult(data: answer["data"] ?? .null).json.serializedBytes()
        case .state:
            guard case .object? = answer["data"] else { throw .unexpectedAnswer("a state that is not an object") }
            return answer["data"]!.serializedBytes()
        case .message, .text: return bytes
        }
    }

    /// The result, or why there is none, from the outcome of sending this request.
    func result(of outcome: Result<(answer: JSONValue, bytes: [UInt8]), SessionError>) -> Result<[UInt8], SessionError> {
        outcome.flatMap { answer, bytes in
            Result { () throws(SessionError) in try result(answer: answer, bytes: bytes) }
        }
    }
}
