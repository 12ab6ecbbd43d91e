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

extension Array where Element == DiscoveryWarning {
    /// The text of the file at `path`, reporting problems here: invalid UTF-8 (replaced), or
    /// an unreadable file (nil, with `consequence` saying what discovery does without it). A
    /// missing file is nil without a warning.
    mutating func readText(_ path: String, consequence: String) -> String? {
        var lossy = false
        do {
            let text = try FileSystem.readText(path, lossy: &lossy)
            if lossy { append(DiscoveryWarning(path: path, message: "not valid UTF-8; invalid bytes were replaced")) }
            return text
        } catch {
            if !error.isMissing { append(DiscoveryWarning(path: path, message: "\(error.reason); \(consequence)")) }
            return nil
        }
    }
}
