import Testing

@testable import OpenEnvCore

/// What a failed connection says: the reference's phrase, the reason, and the hint once.
struct TransportErrorTests {
    @Test func aRefusedConnectionSaysSoOnce() throws {
        let url = "http://127.0.0.1:\(LocalServerProcess.freePort())"
        #expect {
            _ = try EnvSession(baseURL: url, options: SessionOptions())
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("Server not available at ws://127.0.0.1:") && text.contains("Connection refused")
                && text.components(separatedBy: "Is the environment server running there?").count == 2
        }
    }
}
