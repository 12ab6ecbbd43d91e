import OpenEnvCore

/// The status codes of the C ABI; `include/openenv.h` documents each.
enum Status: Int32 {
    case ok = 0
    case internalError = 1
    case invalidArgument = 2
    case notFound = 3
    case timeout = 4
    case connection = 5
    case closed = 6
    case serverError = 7
    case protocolError = 8
    case tooLarge = 9
    case runtime = 10
    case consentRequired = 11
    case installFailed = 12
    case invalidAction = 13
}

/// An error on its way out through the C ABI: a status, the message for `openenv_last_error`
/// and, for errors the server sent, the details for `openenv_last_error_details`.
struct FFIError: Error {
    let status: Status
    let message: String
    var details: JSONValue = .null

    /// The status, message and details for any error the core throws.
    init(_ error: any Error) {
        switch error {
        case let error as FFIError: self = error
        case let error as DiscoveryError:
            switch error {
            case .unknownEnvironment: self.init(.notFound, "\(error)")
            case .invalidName: self.init(.invalidArgument, "\(error)")
            }
        case let error as DiscoveryOptions.Invalid: self.init(.invalidArgument, "invalid options: \(error)")
        case let error as JSONParseError: self.init(.invalidArgument, "\(error)")
        case let error as TransportError: self.init(Self.status(of: error), "\(error)")
        case let error as HubRepository.Invalid: self.init(.invalidArgument, "\(error)")
        case let error as HubInstallError:
            switch error {
            case .consentRequired: self.init(.consentRequired, "\(error)")
            case .installFailed: self.init(.installFailed, "\(error)")
            case .noEnvironmentInstalled: self.init(.notFound, "\(error)")
            }
        case let error as RuntimeError:
            switch error {
            case .invalidOption: self.init(.invalidArgument, "\(error)")
            case .notHealthy: self.init(.timeout, "\(error)")
            case .launchFailed, .exitedEarly, .noContainerEngine, .containerEngineNotAnswering, .imageMissing, .containerStopped:
                self.init(.runtime, "\(error)")
            }
        case let error as SessionError:
            switch error {
            case .transport(let transport): self.init(Self.status(of: transport), "\(error)")
            case .server(let server):
                var details = server.details
                details["code"] = .string(server.code)
                details["message"] = .string(server.message)
                self.init(.serverError, "\(error)", details: .object(details))
            case .closed: self.init(.closed, "\(error)")
            case .invalidArgument: self.init(.invalidArgument, "\(error)")
            case .unexpectedAnswer: self.init(.protocolError, "\(error)")
            }
        default: self.init(.internalError, "\(error)")
        }
    }

    init(_ status: Status, _ message: String, details: JSONValue = .null) {
        self.status = status
        self.message = message
        self.details = details
    }

    private static func status(of error: TransportError) -> Status {
        switch error {
        case .invalidURL: return .invalidArgument
        case .connectionFailed, .noServerReachable, .connectionClosed, .connectionLost, .notAuthorized: return .connection
        case .timedOut: return .timeout
        case .protocolViolation, .httpStatus: return .protocolError
        case .messageTooLarge: return .tooLarge
        }
    }
}
