/// An error message the server sent: `{"type": "error", "data": {"message", "code", ...}}`.
public struct ServerError: Sendable, Equatable, CustomStringConvertible {
    /// The server's code: `INVALID_JSON`, `UNKNOWN_TYPE`, `VALIDATION_ERROR`, `EXECUTION_ERROR`,
    /// `CAPACITY_REACHED`, `FACTORY_ERROR`, `SESSION_ERROR`, or another a server defines.
    public let code: String
    /// The server's message.
    public let message: String
    /// The other keys of the error's data: `errors` (pydantic's list) for validation errors,
    /// `active_sessions` and `max_sessions` for capacity errors.
    public let details: JSONObject

    /// Codes after which the server closes the connection.
    static let closingCodes: Set<String> = ["CAPACITY_REACHED", "FACTORY_ERROR", "SESSION_ERROR"]

    init(data: JSONValue) {
        let object = data.objectValue ?? JSONObject()
        code = object["code"]?.stringValue ?? "UNKNOWN"
        message = object["message"]?.stringValue ?? "no message"
        var details = object
        details["code"] = nil
        details["message"] = nil
        self.details = details
    }

    /// Whether the server ends the session after this error.
    public var closesSession: Bool { Self.closingCodes.contains(code) }

    public var description: String {
        switch code {
        case "CAPACITY_REACHED" where details["asked"] != nil:
            return message  // a fleet's (SessionPlacement): the message says what each server holds
        case "CAPACITY_REACHED":
            let active = details["active_sessions"].map { $0.serialized() } ?? "?"
            let maximum = details["max_sessions"].map { $0.serialized() } ?? "?"
            return "the server is at capacity (\(active) of \(maximum) sessions in use): \(message). "
                + "Close another session (one closed during a call is freed once the server's step ends; retry then), "
                + "or start the server with a higher max_concurrent_envs"
        case "VALIDATION_ERROR":
            let problems = (details["errors"]?.arrayValue ?? []).prefix(5).map { error -> String in
                let location = error["loc"]?.arrayValue?.map { $0.stringValue ?? $0.serialized() }.joined(separator: ".") ?? ""
                let text = error["msg"]?.stringValue ?? error.serialized()
                return location.isEmpty ? text : "\(location): \(text)"
            }
            return "the server rejected the message (VALIDATION_ERROR): \(message)" + (problems.isEmpty ? "" : "; " + problems.joined(separator: "; "))
        default:
            return "the server reported \(code): \(message)"
        }
    }
}

/// Why a session call failed.
public enum SessionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection failed, timed out, closed, or carried something malformed.
    case transport(TransportError)
    /// The server answered with an error message.
    case server(ServerError)
    /// The session was closed (by `close()` or after an error that ends it).
    case closed(reason: String)
    /// An argument was malformed (an action that is not a JSON object, bad options).
    case invalidArgument(String)
    /// The server answered with a message this client does not expect.
    case unexpectedAnswer(String)

    public var description: String {
        switch self {
        case .transport(let error): return "\(error)"
        case .server(let error): return "\(error)"
        case .closed(let reason): return "the session is closed (\(reason)); open a new one"
        case .invalidArgument(let reason): return reason
        case .unexpectedAnswer(let what): return "the server answered with \(what); is it an OpenEnv server?"
        }
    }
}
