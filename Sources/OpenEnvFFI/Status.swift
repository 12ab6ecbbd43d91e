import OpenEnvCore

/// The status codes of the C ABI; `include/openenv.h` documents each.
enum Status: Int32 {
    case ok = 0
    case internalError = 1
    case invalidArgument = 2
    case notFound = 3
}

/// An error on its way out through the C ABI: a status and the message for `openenv_last_error`.
struct FFIError: Error {
    let status: Status
    let message: String

    /// The status and message for any error the core throws.
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
        default: self.init(.internalError, "\(error)")
        }
    }

    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }
}
