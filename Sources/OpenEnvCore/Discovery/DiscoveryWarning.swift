/// A problem with one installed package that discovery stepped around.
///
/// Discovery never fails as a whole because one package is broken: that package is skipped or
/// degraded, and a warning names the file and what was wrong with it.
public struct DiscoveryWarning: Sendable, Equatable, CustomStringConvertible {
    /// The file or folder at fault.
    public let path: String
    /// What was wrong and what discovery did about it.
    public let message: String

    public var description: String { "\(path): \(message)" }

    /// The warning as a JSON object `{"path": ..., "message": ...}`.
    public var json: JSONValue {
        ["path": .string(path), "message": .string(message)]
    }

    init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    init?(json: JSONValue) {
        guard let path = json["path"]?.stringValue, let message = json["message"]?.stringValue else { return nil }
        self.init(path: path, message: message)
    }
}
