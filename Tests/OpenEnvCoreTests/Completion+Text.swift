@testable import OpenEnvCore

extension Completion {
    /// The completion's JSON text; throws its error, or when it carries a session.
    func text() throws -> String {
        guard case .json(let bytes) = try outcome.get() else { throw LiveServer.SetupMissing(description: "not JSON") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
